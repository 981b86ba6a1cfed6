// `npm run bench`: what one certification costs (submit → grade → two marks → issue), measured on the
// local cloud, against the budgets of architecture.md §6, plus bundle sizes and module init times.
// Prices and how each figure is measured: docs/costs.md.

import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { credentialJsonOf } from '../functions/shared/signing.js';
import { type LocalCloud, startLocalCloud } from '../local/cloud.js';
import { DEV_USERS } from '../local/dev-identities.js';
import { synthesizeRegion } from '../local/synth.js';
import { buildWeb } from '../web/build.js';
import { benchIam } from './bench-iam.js';
import { benchPaper, PAPER_BUDGET } from './bench-paper.js';
import { benchOfflineVerification } from './bench-verify.js';
import { EXAM_BODY, EXAM_ID, OCCUPATION } from './demo-exam.js';

/** On-demand list prices, USD, us-east-1, as of 2026 (docs/costs.md). */
export const PRICES = {
  stepFunctionsPerTransition: 0.025 / 1000,
  lambdaPerRequest: 0.2 / 1_000_000,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoPerWriteUnit: 0.625 / 1_000_000,
  dynamoPerReadUnit: 0.125 / 1_000_000,
  kmsPerAsymmetricRequest: 0.15 / 10_000,
  httpApiPerRequest: 1.0 / 1_000_000,
  eventBridgePerEvent: 1.0 / 1_000_000,
};

const BUDGET = {
  transitions: 8,
  lambdaInvocations: 5,
  writeUnits: 15,
  /** The JWS (ES256) and the embedded Data Integrity proof (Ed25519). */
  kmsSigns: 2,
  costPer1000: 0.25,
  bundleKb: 300,
  /**
   * Functions with budgets of their own (docs/costs.md): the PDF function carries pdf-lib and fontkit;
   * the public pages read uploaded PDFs (pdf-lib), check embedded proofs (JSON-LD) and read the cached
   * certificate PDF from S3 (@aws-sdk/client-s3, about 180 KB of it).
   */
  ownBundleKb: {
    PaperPaperApiFunction: PAPER_BUDGET.bundleKb,
    PaperPublicPagesFunction: 1200,
  } as Record<string, number>,
  /** Offline verification speed as a share of raw ES256 verify on one core. */
  verifyRatio: 0.8,
};
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Sample {
  transitions: number;
  lambdaInvocations: number;
  gbSeconds: number;
  writeUnits: number;
  readUnits: number;
  kmsSigns: number;
  apiRequests: number;
  events: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main() {
  // The web app first: its bundles are built from the sources as they are now.
  const web = buildWeb();
  console.log('Web app bundles (gzip -9), exam runner first-load budget 120 KB of JavaScript');
  for (const b of web.bundles)
    console.log(
      `  ${b.entry.padEnd(10)} ${(b.gzipBytes / 1024).toFixed(1).padStart(6)} KB  ${b.files.length} file(s)`,
    );
  const share = (100 * web.examRunnerFirstLoadGzipBytes) / web.budgetBytes;
  console.log(
    `  exam runner first load (main + candidate) ${(web.examRunnerFirstLoadGzipBytes / 1024).toFixed(1)} KB of ${web.budgetBytes / 1024} KB (${share.toFixed(0)}%)\n`,
  );
  // First, before the local cloud shares the cores: offline verification against raw ES256.
  const verification = await benchOfflineVerification();
  console.log(
    '\nOffline verification of a certificate (signature, key window, dates, two status lists), one core',
  );
  console.log(`  raw ES256 verify of the same JWS       ${verification.raw.toFixed(0).padStart(8)} /s`);
  console.log(
    `  verifyCredential                       ${verification.full.toFixed(0).padStart(8)} /s   ${(verification.ratio * 100).toFixed(0)}% of raw, budget ≥ ${BUDGET.verifyRatio * 100}%  ${verification.ratio >= BUDGET.verifyRatio ? 'ok' : 'OVER'}`,
  );

  const root = await mkdtemp(join(tmpdir(), 'skillcert-bench-'));
  const stack = synthesizeRegion({ region: 'neijiang' });
  const cloud: LocalCloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    meterDynamoDb: true,
    logger: process.env.BENCH_VERBOSE ? (l: string) => console.log(l) : () => {},
  });
  try {
    const [pool] = cloud.model.userPools;
    const webClient = pool?.clients.find((c) => !c.generateSecret)?.clientId as string;
    const tokens = new Map<string, string>();
    for (const user of DEV_USERS) {
      const response = await fetch(`${pool?.issuer}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: webClient,
          username: user.username,
          password: user.password,
        }),
      });
      tokens.set(user.username, ((await response.json()) as { access_token: string }).access_token);
    }
    const call = async (user: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${cloud.endpoints.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.get(user)}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status >= 400)
        throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    const sfn = new SFNClient({
      endpoint: cloud.endpoints.stepFunctions,
      region: cloud.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const machine = cloud.model.stateMachines[0]?.name as string;
    const table = cloud.model.tables[0]?.tableName as string;

    // Set-up through the admin API (not measured).
    await call('liumin', 'PUT', `/admin/occupations/${OCCUPATION.code}`, {
      nameZh: OCCUPATION.nameZh,
      nameEn: OCCUPATION.nameEn,
    });
    await call('liumin', 'PUT', `/admin/exams/${EXAM_ID}`, EXAM_BODY);
    const usernameBySub = new Map<string, string>();
    for (const user of DEV_USERS.filter((u) => u.groups[0] !== 'admins')) {
      const sub = String((await call(user.username, 'GET', '/me')).sub);
      usernameBySub.set(sub, user.username);
      const candidate = user.groups.includes('candidates');
      await call('liumin', 'PUT', `/admin/people/${sub}`, {
        name: user.name,
        employer: user.employer,
        trainingOrg: user.trainingOrg,
        roles: [candidate ? 'candidate' : 'assessor'],
        senior: true,
        yearsOfWork: { [OCCUPATION.code]: 6 },
        ...(candidate && user.nationalId ? { nationalId: user.nationalId } : {}),
      });
    }

    const samples: Sample[] = [];
    for (let run = 0; run < RUNS; run++) {
      const sessionId = `bench-${run}`;
      await call('liumin', 'PUT', `/admin/sessions/${sessionId}`, {
        examId: EXAM_ID,
        opensAt: new Date(Date.now() - 60_000).toISOString(),
        closesAt: new Date(Date.now() + 3_600_000).toISOString(),
        seatLimit: 10,
        location: 'bench',
      });
      const attempt = await call('zhangwei', 'POST', `/sessions/${sessionId}/attempts`);
      const attemptId = attempt.attemptId as string;
      const answers = Object.fromEntries(
        (attempt.paper as { id: string }[]).map(({ id }) => {
          const item = EXAM_BODY.items.find((i) => i.id === id);
          if (!item) throw new Error(`unknown item ${id}`);
          return [id, 'accepted' in item && item.accepted ? item.accepted[0] : item.answer];
        }),
      );

      // Measured window: submit → grade → two marks → issue.
      const lambdaBefore = cloud.lambda.stats();
      const meterBefore = cloud.meter?.totals() ?? { writeUnits: 0, readUnits: 0, requests: 0 };
      const eventsBefore = cloud.eventBus.recorded().length;
      await call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
        answers,
        practicalEvidence: 'bench',
      });
      let apiRequests = 1;
      // Find the open reviews straight from the table (unmetered), not through the API being measured.
      const reviews = await (async () => {
        for (let i = 0; i < 200; i++) {
          const out = await cloud.dynamoClient.send(
            new QueryCommand({
              TableName: table,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
              ExpressionAttributeValues: { ':pk': { S: `ATTEMPT#${attemptId}` }, ':r': { S: 'REVIEW#' } },
              ConsistentRead: true,
            }),
          );
          const ready = (out.Items ?? []).filter((r) => r.taskToken?.S);
          if (ready.length >= 2) return ready;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('reviews never became ready');
      })();
      for (const review of reviews) {
        const assessor = usernameBySub.get(review.assessorSub?.S ?? '') as string;
        await call(
          assessor,
          'POST',
          `/assessor/reviews/${attemptId}/${review.sk?.S?.replace('REVIEW#', '')}/marks`,
          {
            criteria: EXAM_BODY.rubric.map((c) => ({ criterionId: c.id, points: c.maxPoints * 0.9 })),
          },
        );
        apiRequests++;
      }
      const executionArn = `arn:aws:states:${cloud.region}:000000000000:execution:${machine}:${attemptId}`;
      for (;;) {
        const status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
        if (status === 'SUCCEEDED') break;
        if (status !== 'RUNNING') throw new Error(`execution ended ${status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const lambdaAfter = cloud.lambda.stats();
      const meterAfter = cloud.meter?.totals() ?? meterBefore;
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
      let invocations = 0;
      let gbSeconds = 0;
      for (const [id, after] of Object.entries(lambdaAfter)) {
        const before = lambdaBefore[id];
        invocations += after.invocations - (before?.invocations ?? 0);
        gbSeconds += ((after.busyMs - (before?.busyMs ?? 0)) / 1000) * (after.memoryMb / 1024);
      }
      const issued = (history.events ?? []).some((e) => e.stateEnteredEventDetails?.name === 'PublishIssued');
      // Signatures counted from what was issued: the JWS itself and each proof embedded in its payload.
      const signatures = issued ? await signaturesOf(cloud, table, attemptId) : 0;
      samples.push({
        transitions: (history.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length,
        lambdaInvocations: invocations,
        gbSeconds,
        writeUnits: meterAfter.writeUnits - meterBefore.writeUnits,
        readUnits: meterAfter.readUnits - meterBefore.readUnits,
        kmsSigns: signatures,
        apiRequests,
        events: cloud.eventBus.recorded().length - eventsBefore,
      });
    }

    const m = (k: keyof Sample) => median(samples.map((s) => s[k]));
    const cost =
      m('transitions') * PRICES.stepFunctionsPerTransition +
      m('lambdaInvocations') * PRICES.lambdaPerRequest +
      m('gbSeconds') * PRICES.lambdaArmPerGbSecond +
      m('writeUnits') * PRICES.dynamoPerWriteUnit +
      m('readUnits') * PRICES.dynamoPerReadUnit +
      m('kmsSigns') * PRICES.kmsPerAsymmetricRequest +
      m('apiRequests') * PRICES.httpApiPerRequest +
      m('events') * PRICES.eventBridgePerEvent;
    const row = (name: string, value: number | string, budget?: number | string, ok?: boolean) =>
      console.log(
        `  ${name.padEnd(34)} ${String(value).padStart(12)}   ${budget === undefined ? '' : `budget ${budget}  ${ok ? 'ok' : 'OVER'}`}`,
      );

    console.log(`\nPer certification (submit → grade → two marks → issue), median of ${RUNS} runs`);
    row(
      'Standard state transitions',
      m('transitions'),
      `≤ ${BUDGET.transitions}`,
      m('transitions') <= BUDGET.transitions,
    );
    row(
      'Lambda invocations',
      m('lambdaInvocations'),
      `≤ ${BUDGET.lambdaInvocations}`,
      m('lambdaInvocations') <= BUDGET.lambdaInvocations,
    );
    row('Lambda GB-seconds (local wall time)', m('gbSeconds').toFixed(4));
    row(
      'DynamoDB write units',
      m('writeUnits'),
      `≤ ${BUDGET.writeUnits}`,
      m('writeUnits') <= BUDGET.writeUnits,
    );
    row('DynamoDB read units', m('readUnits'));
    row('KMS Sign requests', m('kmsSigns'), `= ${BUDGET.kmsSigns}`, m('kmsSigns') === BUDGET.kmsSigns);
    row('HTTP API requests', m('apiRequests'));
    row('EventBridge events', m('events'));
    row(
      'modelled AWS cost per 1,000, USD',
      (cost * 1000).toFixed(4),
      `≤ ${BUDGET.costPer1000}`,
      cost * 1000 <= BUDGET.costPer1000,
    );
    console.log('  prices used (USD):', JSON.stringify(PRICES));

    const iamCost = await benchIam(cloud.model);
    console.log('\nLocal IAM, per call on one core (what enforcing the template costs the local cloud)');
    row('policy evaluation (authorize)', `${iamCost.authorizeMicros.toFixed(1)} µs`);
    row('SigV4 signature check, 4 KB body', `${iamCost.signatureMicros.toFixed(1)} µs`);
    // The exam runner's share, per attempt: what one versioned item save writes, and the deadline timer
    // every attempt runs (Wait until closesAt, then SubmitAtDeadline), measured on a theory exam whose
    // attempt closes two seconds after it starts and is never submitted by its candidate.
    await call('liumin', 'PUT', '/admin/exams/bench-timer', {
      ...EXAM_BODY,
      level: 5,
      rubric: [],
      graceSeconds: 0,
    });
    await call('liumin', 'PUT', '/admin/sessions/bench-timer', {
      examId: 'bench-timer',
      opensAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
      closesAt: new Date(Date.now() + 3_600_000).toISOString(),
      seatLimit: 10,
      location: 'bench',
    });
    cloud.clock.pin(new Date(Date.now() - EXAM_BODY.timeLimitMinutes * 60_000 + 2_000));
    const timed = await call('zhangwei', 'POST', '/sessions/bench-timer/attempts');
    cloud.clock.release();
    const timedId = timed.attemptId as string;
    const [first] = timed.paper as { id: string }[];
    const item = EXAM_BODY.items.find((i) => i.id === first?.id);
    const saveBefore = cloud.meter?.totals() ?? { writeUnits: 0, readUnits: 0, requests: 0 };
    await call('zhangwei', 'PUT', `/attempts/${timedId}/items/${first?.id}`, {
      answer: item && 'accepted' in item && item.accepted ? item.accepted[0] : item?.answer,
      flagged: false,
      version: 1,
    });
    const saveAfter = cloud.meter?.totals() ?? saveBefore;
    const timerMachine = cloud.model.stateMachines.find((sm) => sm.logicalId.includes('DeadlineTimer'))?.name;
    const timerArn = `arn:aws:states:${cloud.region}:000000000000:execution:${timerMachine}:${timedId}`;
    for (;;) {
      const status = (await sfn.send(new DescribeExecutionCommand({ executionArn: timerArn }))).status;
      if (status === 'SUCCEEDED') break;
      if (status !== 'RUNNING') throw new Error(`deadline timer ended ${status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const timerHistory = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: timerArn, maxResults: 1000 }),
    );
    const timerTransitions = (timerHistory.events ?? []).filter((e) =>
      e.type?.endsWith('StateEntered'),
    ).length;
    const timerInvocations = (timerHistory.events ?? []).filter(
      (e) => e.type === 'TaskScheduled' || e.type === 'LambdaFunctionScheduled',
    ).length;
    const timerCost =
      timerTransitions * PRICES.stepFunctionsPerTransition + (timerInvocations + 1) * PRICES.lambdaPerRequest;
    console.log('\nPer attempt, the exam runner (a theory attempt the server submits at its deadline)');
    row('deadline timer state transitions', timerTransitions);
    row('deadline timer Lambda invocations', timerInvocations);
    row('one versioned item save, write units', saveAfter.writeUnits - saveBefore.writeUnits);
    row('deadline timer cost per 1,000, USD', (timerCost * 1000).toFixed(4));

    console.log('\nLambda bundles (minified ESM) and module init on a cold start');
    const stats = cloud.lambda.stats();
    // Our functions; CDK's own (the web app's Python bucket deployment) run only while CloudFormation deploys.
    for (const fn of cloud.model.functions.filter((f) => f.runtime.startsWith('nodejs'))) {
      const kb = statSync(join(fn.assetDir, 'index.mjs')).size / 1024;
      const init = stats[fn.logicalId]?.initMs ?? [];
      const name = fn.logicalId.replace(/[0-9A-F]{8}$/, '');
      const budget = BUDGET.ownBundleKb[name] ?? BUDGET.bundleKb;
      row(
        name,
        `${kb.toFixed(1)} KB`,
        `${budget} KB, init ${init.length ? `${median(init).toFixed(0)} ms` : 'not started'}`,
        kb <= budget,
      );
    }

    const paperFn = cloud.model.functions.find((f) => f.logicalId.startsWith('PaperPaperApi'));
    if (paperFn) {
      const paper = await benchPaper(paperFn.assetDir);
      const mb = (bytes: number) => bytes / 1024 / 1024;
      console.log('\nThe paper certificate: the PDF function (docs/paper.md)');
      row(
        'bundle (JavaScript)',
        `${(paper.bundle / 1024).toFixed(0)} KB`,
        `≤ ${PAPER_BUDGET.bundleKb} KB`,
        paper.bundle / 1024 <= PAPER_BUDGET.bundleKb,
      );
      row(
        'CJK font (Noto Sans SC)',
        `${mb(paper.font).toFixed(1)} MB`,
        `≤ ${PAPER_BUDGET.fontMb} MB`,
        mb(paper.font) <= PAPER_BUDGET.fontMb,
      );
      row(
        'whole asset, unzipped',
        `${mb(paper.asset).toFixed(1)} MB`,
        `≤ ${PAPER_BUDGET.assetMb} MB`,
        mb(paper.asset) <= PAPER_BUDGET.assetMb,
      );
      row(
        'cold PDF (init + font + harfbuzz + render)',
        `${paper.cold.toFixed(0)} ms`,
        `≤ ${PAPER_BUDGET.coldMs} ms`,
        paper.cold <= PAPER_BUDGET.coldMs,
      );
      row(
        'warm PDF',
        `${paper.warm.toFixed(0)} ms`,
        `≤ ${PAPER_BUDGET.warmMs} ms`,
        paper.warm <= PAPER_BUDGET.warmMs,
      );
      console.log(`  one PDF: ${(paper.pdfBytes / 1024).toFixed(0)} KB`);
    }
  } finally {
    await cloud.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** The KMS Sign requests behind an issued certificate: one for its JWS, one per embedded proof. */
async function signaturesOf(cloud: LocalCloud, table: string, attemptId: string): Promise<number> {
  const get = async (pk: string, sk: string) =>
    (
      await cloud.dynamoClient.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } }),
      )
    ).Item;
  const number = (await get(`ATTEMPT#${attemptId}`, 'ATTEMPT'))?.certificateNumber?.S;
  const jws = number ? (await get(`CERT#${number}`, 'CERT'))?.jws?.S : undefined;
  if (!jws) throw new Error(`attempt ${attemptId} passed but its certificate is not in the table`);
  const proof = (credentialJsonOf(jws).proof ?? []) as unknown[];
  return 1 + (Array.isArray(proof) ? proof.length : 1);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
