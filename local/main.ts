// `npm start`: synthesize the CDK app for one region and run it on this machine. Data lives under
// .skillcert/data/<region> and survives restarts; Ctrl-C stops everything this started.
import { parseArgs } from 'node:util';
import { localWebOrigin } from '../lib/deployments.js';
import { RegionClient, regionOf, setUpExam } from '../scripts/story.js';
import { startLocalCloud } from './cloud.js';
import { type IamMode, iamModeFrom } from './iam/authorizer.js';
import { REGION_PORT_BASE, regionDataDir } from './paths.js';
import { synthesizeRegion } from './synth.js';

const USAGE = `Usage: npm start -- [--region neijiang|zigong|luzhou|yibin|chongqing] [--identity cognito|oidc] [--port-base N] [--iam enforce|report|off] [--quiet] [--no-seed]`;

/** The session seeded on a fresh data folder, open for a month so a newcomer can sit it any day. */
export const WELCOME_SESSION = { sessionId: 'welcome', openForHours: 30 * 24 };

async function main() {
  const { values } = parseArgs({
    options: {
      region: { type: 'string', default: process.env.SKILLCERT_REGION ?? 'neijiang' },
      'port-base': { type: 'string' },
      // The local demo's identity provider: a Cognito pool, or an outside OIDC provider (as in AWS China).
      identity: { type: 'string', default: 'cognito' },
      quiet: { type: 'boolean', default: false },
      // A fresh data folder gets a ready-to-sit session for the dev candidate unless told not to.
      'no-seed': { type: 'boolean', default: false },
      // How the template's IAM applies to the functions' and state machines' calls (docs/local-cloud.md).
      iam: { type: 'string', default: process.env.SKILLCERT_IAM ?? 'enforce' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const region = values.region;
  const identity = values.identity;
  if (identity !== 'cognito' && identity !== 'oidc') {
    console.error(`Unknown identity provider '${identity}'.\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  let iam: IamMode;
  try {
    iam = iamModeFrom(values.iam);
  } catch (error) {
    console.error(`${(error as Error).message}.\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const base = values['port-base'] ? Number(values['port-base']) : REGION_PORT_BASE[region];
  if (base === undefined || !Number.isInteger(base) || base < 1024 || base > 65000) {
    console.error(`Unknown region '${region}' or bad --port-base.\n${USAGE}`);
    process.exitCode = 2;
    return;
  }

  const started = Date.now();
  const say = (line: string) => console.log(line);
  const verbose = values.quiet ? () => {} : (line: string) => console.log(`  ${line}`);

  say(`skillcert local cloud — region ${region}`);
  say('  synthesizing the CDK app…');
  const stack = synthesizeRegion({ region, identity });
  say(`  running stack ${stack.stackName} from ${stack.assemblyDir}`);

  const cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'disk', dataDir: regionDataDir(region) },
    ports: {
      api: base,
      oidc: base + 1,
      stepFunctions: base + 2,
      dynamodb: base + 3,
      eventBridge: base + 4,
      web: base + 5,
      kms: base + 6,
      s3: base + 7,
    },
    iam,
    // The web app's origin moves with --port-base (base + 5): CORS and the sign-in redirect URIs follow it,
    // without a new synthesis.
    webOrigin: localWebOrigin(region, base),
    logger: verbose,
    // SKILLCERT_LOCAL_CONSISTENCY=aws: index reads lag and transactions conflict, as in DynamoDB.
    consistency: process.env.SKILLCERT_LOCAL_CONSISTENCY === 'aws' ? 'aws' : 'local',
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the local cloud…`);
    await cloud.stop();
    say(`stopped; data kept in ${cloud.dataDir}`);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // A newcomer is not left with an empty region: on a fresh data folder (its tables were just created)
  // the admin set-up of `npm run demo` runs once, through the API, so the dev candidate can sit an exam.
  let seeded: string | undefined;
  if (cloud.createdTables.length > 0 && !values['no-seed'] && cloud.model.userPools.length > 0) {
    try {
      seeded = await setUpExam(new RegionClient(regionOf(region, cloud)), undefined, WELCOME_SESSION);
    } catch (error) {
      // The cloud itself is up; a failed seed must not take it down.
      say(`  could not seed the welcome session / 未能预置考场: ${(error as Error).message}`);
    }
  }

  const [pool] = cloud.model.userPools;
  say('');
  // The app first: opening it is how a newcomer starts.
  if (cloud.endpoints.web) {
    say(`Open the app / 打开应用:  ${cloud.endpoints.web}`);
    const examples = ['zhangwei', 'liqiang', 'liumin']
      .map((u) => cloud.oidc.devUsers.find((d) => d.username === u))
      .filter((d) => d !== undefined);
    for (const user of examples)
      say(
        `  sign in as / 登录  ${user.username.padEnd(10)} ${user.password.padEnd(16)} ${user.groups.join(',')}`,
      );
    say('');
  }
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`  HTTP API        ${cloud.endpoints.api}`);
  for (const route of cloud.model.httpApis[0]?.routes ?? []) {
    const auth =
      route.authorization.type === 'JWT' ? `JWT ${route.authorization.scopes.join(' ')}`.trim() : 'public';
    say(`                    ${route.routeKey.padEnd(36)} ${auth}`);
  }
  say(`  OIDC issuer     ${pool?.issuer ?? cloud.endpoints.oidc}`);
  say(`  Step Functions  ${cloud.endpoints.stepFunctions}   (AWS_ENDPOINT_URL_SFN)`);
  say(`  DynamoDB        ${cloud.endpoints.dynamodb}   (AWS_ENDPOINT_URL_DYNAMODB)`);
  say(`  EventBridge     ${cloud.endpoints.eventBridge}   (AWS_ENDPOINT_URL_EVENTBRIDGE)`);
  say(`  KMS             ${cloud.endpoints.kms}   (AWS_ENDPOINT_URL_KMS)`);
  say(
    `  IAM             ${cloud.iam.mode}: the template's policies apply to every function and state machine; ` +
      `the SDK and CLI call as the operator with access key 'local' (npm run iam -- report after stopping)`,
  );
  say(
    `                  模板中的 IAM 策略对每个函数和状态机生效（${cloud.iam.mode}）；SDK 与 CLI 以访问密钥 local 作为管理员调用`,
  );
  say(`  S3              ${cloud.endpoints.s3}   (AWS_ENDPOINT_URL_S3, path-style)`);
  say(`  data            ${cloud.dataDir}`);
  if (pool) {
    const webClient = pool.clients.find((c) => !c.generateSecret);
    say('');
    say(`Web app sign-in: authorization code + PKCE at ${pool.issuer}/.well-known/openid-configuration,`);
    say(`  for the app at ${localWebOrigin(region, base)} (its login page takes the dev users below)`);
    say('Dev users (their passwords also work with the password grant, local only):');
    for (const user of cloud.oidc.devUsers) {
      say(`  ${user.username.padEnd(12)} ${user.password.padEnd(20)} ${user.groups.join(',')}`);
    }
    const example = cloud.oidc.devUsers[0];
    if (webClient && example) {
      say('Get a token:');
      say(
        `  curl -s ${pool.issuer}/oauth2/token -d grant_type=password -d client_id=${webClient.clientId} ` +
          `-d username=${example.username} -d password=${example.password}`,
      );
    }
    for (const client of cloud.oidc.clients.filter((c) => c.clientSecret)) {
      say(
        `Partner client ${client.clientId}  secret ${client.clientSecret}  scopes ${client.scopes.join(' ')}`,
      );
      say(
        `  curl -s ${pool.issuer}/oauth2/token -u ${client.clientId}:${client.clientSecret} -d grant_type=client_credentials`,
      );
    }
  }
  if (seeded) {
    say('');
    say(
      `Seeded on this fresh data folder: exam lathe-operator-level-4 and session '${seeded}', open for 30 days;`,
    );
    say('  zhangwei (candidate) can sit it now: GET /sessions, then POST /sessions/welcome/attempts.');
    say(`已在新的数据目录中预置考试与考场 '${seeded}'（30 天内开放）：考生 zhangwei 现在即可参加。`);
    say('  Routes and bodies: README.md, "The certification story" / 接口与请求体见 README.md。');
  }
  say('');
  say('Ctrl-C stops everything.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
