// The local cloud: one synthesized stack brought up on this machine with no AWS account. Every part is
// derived from the template (see template.ts): tables, functions, state machines, routes, user pools.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConsistencyOptions, startConsistencyProxy } from './dynamodb-consistency.js';
import { freePort, startDynamoDbLocal } from './dynamodb-local.js';
import { startDynamoDbMeter } from './dynamodb-meter.js';
import { ensureTables, localDynamoDbClient } from './dynamodb-tables.js';
import { startEventBus } from './event-bus.js';
import { Faults } from './faults.js';
import { startHttpApi } from './http-api.js';
import { type IamMode, iamModeFrom, LocalIam } from './iam/authorizer.js';
import { partitionKeysOf, startDynamoDbIamProxy } from './iam/dynamodb.js';
import { jsonProtocolGuard } from './iam/json-protocol.js';
import { writeIamRun } from './iam/report.js';
import { startLocalKms } from './kms.js';
import { LambdaRuntime } from './lambda-runtime.js';
import { startLogMetrics } from './log-metrics.js';
import type { LocalModel } from './model.js';
import { startOidcIssuer } from './oidc-issuer.js';
import { startLocalS3 } from './s3.js';
import { startScheduler } from './scheduler.js';
import { startStepFunctionsService } from './stepfunctions/index.js';
import { readStackArtifacts, translateTemplate } from './template.js';
import { type StartedWebSite, startWebSite } from './web-site.js';

export const LOCAL_AWS_REGION = 'ap-southeast-1';

export interface LocalCloudOptions {
  /** The cloud assembly folder (cdk.out) and the artifact id of the stack in it. */
  assemblyDir: string;
  stackArtifactId: string;
  /** `memory` for tests; `disk` keeps tables, executions, keys and identities under dataDir. */
  storage: { kind: 'memory' } | { kind: 'disk'; dataDir: string };
  /** Fixed ports (npm start prints stable URLs); unspecified ones are picked free. */
  ports?: {
    api?: number;
    oidc?: number;
    stepFunctions?: number;
    dynamodb?: number;
    eventBridge?: number;
    kms?: number;
    s3?: number;
    /** The web app; by default the loopback origin the template allows in CORS, else a free port. */
    web?: number;
  };
  region?: string;
  /** Puts a metering proxy in front of DynamoDB Local (benchmarks): see dynamodb-meter.ts. */
  meterDynamoDb?: boolean;
  /**
   * Scheduled EventBridge rules run on their schedule (`run`, the default) or only when a caller runs
   * one with `cloud.scheduler.trigger(rule)` (`off`).
   */
  schedules?: 'run' | 'off';
  /** Where the web app is served, if not where the template says (npm start --port-base moves it). */
  webOrigin?: string;
  /** Receives one line per notable thing (requests, function logs, engine output). */
  logger?: (line: string) => void;
  /**
   * Tests only: `cloud.faults` injects Lambda, DynamoDB and Step Functions API faults (local/faults.ts);
   * DynamoDB is then reached through a proxy that can fail requests.
   */
  faults?: boolean;
  /**
   * `aws`: DynamoDB is reached through a proxy that is as loose as DynamoDB is — index reads lag behind
   * writes and transactions on the same item conflict (local/dynamodb-consistency.ts). `local` (the
   * default) is DynamoDB Local as it is. `npm start` takes it from SKILLCERT_LOCAL_CONSISTENCY.
   */
  consistency?: 'local' | 'aws' | ({ mode: 'aws' } & ConsistencyOptions);
  /**
   * How the template's IAM is applied to every AWS call a function or state machine makes (local/iam):
   * `enforce` (default; SKILLCERT_IAM overrides the default), `report` (allow, record refusals), `off`.
   */
  iam?: IamMode;
  /**
   * Whether this cloud's IAM record (grants used, calls refused) goes into `.skillcert/iam/runs` for
   * `npm run iam -- report` when it stops. Default true; tests of deliberately broken templates say false.
   */
  recordIam?: boolean;
}

export interface LocalCloudEndpoints {
  api: string;
  /** The web app (the template's CloudFront distribution), when the template has one. */
  web?: string;
  oidc: string;
  dynamodb: string;
  stepFunctions: string;
  eventBridge: string;
  kms: string;
  s3: string;
}

export type LocalCloud = Awaited<ReturnType<typeof startLocalCloud>>;

/**
 * Environment every local Lambda sandbox gets on top of its template environment. The credentials
 * (AWS_ACCESS_KEY_ID…) are each function's own, bound to its role; cloud.ts adds them per function.
 */
export function localLambdaEnvironment(
  region: string,
  endpoints: Omit<LocalCloudEndpoints, 'api' | 'oidc'>,
): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    // Service-specific endpoint variables are honoured by AWS SDK v3 clients: no code change needed.
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SFN: endpoints.stepFunctions,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventBridge,
    // The local KMS (local/kms.ts): functions sign through the same KMS adapters as in AWS.
    AWS_ENDPOINT_URL_KMS: endpoints.kms,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    // Anything else must never reach AWS: an unknown service fails against this dead endpoint.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    // No X-Ray daemon locally.
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    // Partner regions run by the local cloud answer on 127.0.0.1 over plain http; only that loopback
    // address is allowed in partner URLs, and a deployed region allows none (docs/security.md).
    SKILLCERT_LOOPBACK_PARTNER_HOSTS: '127.0.0.1',
  };
}

const machineName = (arn: string) => arn.split(':')[6] ?? arn;

export async function startLocalCloud(options: LocalCloudOptions) {
  const log = options.logger ?? (() => {});
  const region = options.region ?? LOCAL_AWS_REGION;
  const ports = {
    api: options.ports?.api ?? (await freePort()),
    oidc: options.ports?.oidc ?? (await freePort()),
    stepFunctions: options.ports?.stepFunctions ?? (await freePort()),
    eventBridge: options.ports?.eventBridge ?? (await freePort()),
    kms: options.ports?.kms ?? (await freePort()),
  };
  const onDisk = options.storage.kind === 'disk' ? options.storage.dataDir : undefined;
  const scratch = onDisk ? undefined : await mkdtemp(join(tmpdir(), 'skillcert-local-'));
  const dataDir = (onDisk ?? scratch) as string;
  const keysDir = join(dataDir, 'keys');
  await mkdir(keysDir, { recursive: true });

  const { template, assetManifest } = readStackArtifacts(options.assemblyDir, options.stackArtifactId);
  const model: LocalModel = translateTemplate(template, {
    stackName: options.stackArtifactId,
    region,
    assemblyDir: options.assemblyDir,
    assetManifest,
    issuerBaseUrl: `http://127.0.0.1:${ports.oidc}`,
    ...(options.webOrigin ? { webOrigin: options.webOrigin } : {}),
  });

  const iam = new LocalIam(model, {
    mode: options.iam ?? iamModeFrom(process.env.SKILLCERT_IAM),
    logger: log,
  });
  const guard = jsonProtocolGuard(iam);

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    // Reverse order: front doors first, storage last, so nothing in flight loses its database.
    for (const s of stops.reverse()) await s().catch((error: Error) => log(`stop: ${error.message}`));
    stops.length = 0;
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };

  try {
    // Before anything starts, so even a cloud that fails half-way leaves its record.
    if (options.recordIam !== false) stops.push(() => writeIamRun(iam.report()));
    const dynamodb = await startDynamoDbLocal(
      onDisk ? { dataDir: join(onDisk, 'dynamodb') } : { inMemory: true },
    );
    stops.push(() => dynamodb.stop());
    const meter = options.meterDynamoDb ? await startDynamoDbMeter(dynamodb.endpoint) : undefined;
    if (meter) stops.push(() => meter.stop());
    const faults = options.faults ? new Faults() : undefined;
    const faultyDynamoDb = faults
      ? await faults.dynamoDbProxy(meter?.endpoint ?? dynamodb.endpoint)
      : undefined;
    if (faultyDynamoDb) stops.push(() => faultyDynamoDb.stop());
    const inner = faultyDynamoDb?.endpoint ?? meter?.endpoint ?? dynamodb.endpoint;
    const consistency =
      options.consistency === undefined || options.consistency === 'local'
        ? undefined
        : await startConsistencyProxy(
            inner,
            model.tables,
            typeof options.consistency === 'object' ? options.consistency : {},
          );
    if (consistency) stops.push(() => consistency.stop());
    // Every caller reaches DynamoDB through IAM first (the stable, printed port), then consistency,
    // faults and meter.
    const iamDynamoDb = await startDynamoDbIamProxy(
      consistency?.endpoint ?? inner,
      iam,
      region,
      model.account,
      options.ports?.dynamodb,
      partitionKeysOf(model.tables),
    );
    stops.push(() => iamDynamoDb.stop());
    const dynamodbEndpoint = iamDynamoDb.endpoint;
    const dynamoClient = localDynamoDbClient(dynamodb.endpoint, region);
    const createdTables = await ensureTables(dynamoClient, model.tables);
    stops.push(async () => dynamoClient.destroy());

    const eventBus = await startEventBus({
      port: ports.eventBridge,
      buses: model.eventBuses,
      ...(onDisk ? { dataDir: join(onDisk, 'events') } : {}),
      logger: log,
      guard,
      region,
      account: model.account,
    });
    stops.push(() => eventBus.stop());

    const kms = await startLocalKms({
      keys: model.signingKeys,
      keysDir,
      port: ports.kms,
      guard,
      logger: log,
    });
    stops.push(() => kms.stop());
    const s3 = await startLocalS3({
      ...(options.ports?.s3 ? { port: options.ports.s3 } : {}),
      buckets: model.buckets,
      dataDir: join(dataDir, 's3'),
      logger: log,
      authorize: (accessKeyId, action, resource) => {
        const verdict = iam.authorize({ accessKeyId, action, resource });
        return verdict.allowed ? verdict : { allowed: false, message: verdict.refusal.message };
      },
    });
    stops.push(() => s3.stop());

    const endpoints: LocalCloudEndpoints = {
      api: `http://127.0.0.1:${ports.api}`,
      oidc: `http://127.0.0.1:${ports.oidc}`,
      dynamodb: dynamodbEndpoint,
      stepFunctions: `http://127.0.0.1:${ports.stepFunctions}`,
      eventBridge: eventBus.endpoint,
      kms: kms.endpoint,
      s3: s3.endpoint,
    };

    // Log lines reach their template log groups, where the template's metric filters count them.
    const logMetrics = startLogMetrics(model.metricFilters, model.alarms);
    const logGroupOf = new Map(model.functions.map((f) => [f.logicalId, f.logGroupName]));
    const lambda = new LambdaRuntime({
      // Each function signs its calls with its own credentials, bound to its role, as Lambda gives them.
      functions: model.functions.map((fn) => {
        const credentials = iam.functionCredentials(fn.functionName);
        return {
          ...fn,
          environment: {
            ...fn.environment,
            AWS_ACCESS_KEY_ID: credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
            AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
          },
        };
      }),
      environmentOverlay: localLambdaEnvironment(region, endpoints),
      logger: (line) => {
        const m = /^\[([^\]]+)\] (.*)$/s.exec(line);
        const group = m?.[1] ? logGroupOf.get(m[1]) : undefined;
        if (group && m?.[2]) logMetrics.record(group, m[2]);
        log(line);
      },
    });
    stops.push(() => lambda.stop());
    const invoker = faults ? faults.lambdaInvoker(lambda, model.functions) : lambda;

    const stepFunctions = await startStepFunctionsService({
      port: ports.stepFunctions,
      region,
      account: model.account,
      stateMachines: model.stateMachines,
      integrations: {
        lambda: invoker,
        dynamodbEndpoint,
        eventBus,
        identity: {
          credentials: (arn) => iam.stateMachineCredentials(machineName(arn)),
          refusal: (arn, action, resource) => {
            const verdict = iam.authorize({
              accessKeyId: iam.stateMachineCredentials(machineName(arn)).accessKeyId,
              action,
              resource,
            });
            return verdict.allowed ? undefined : verdict.refusal.message;
          },
        },
      },
      guard,
      store: onDisk ? { kind: 'file', dir: join(onDisk, 'stepfunctions') } : { kind: 'memory' },
      logger: log,
      ...(faults
        ? { beforeOperation: (operation: string) => faults.beforeStepFunctionsOperation(operation) }
        : {}),
    });
    stops.push(() => stepFunctions.stop());

    const oidc = await startOidcIssuer({
      port: ports.oidc,
      ...(onDisk ? { dataDir: join(onDisk, 'identity') } : {}),
      userPools: model.userPools,
      region,
    });
    stops.push(() => oidc.stop());

    const [api] = model.httpApis;
    const httpApi = api
      ? await startHttpApi({
          port: ports.api,
          api,
          functions: model.functions,
          invoker,
          region,
          account: model.account,
          logger: log,
          ...(api.accessLog
            ? { accessLog: (line: string) => logMetrics.record(api.accessLog?.logGroupName ?? '', line) }
            : {}),
        })
      : undefined;
    if (httpApi) stops.push(() => httpApi.stop());

    // The web app: the distribution's files and headers with the local endpoints in place of the remote.
    let web: StartedWebSite | undefined;
    const [site] = model.webSites;
    if (site) {
      const corsLoopback = (api?.cors?.allowOrigins ?? [])
        .map((o) => /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(o)?.[1])
        .find((p) => p !== undefined);
      const start = (port: number) => {
        const webUrl = `http://127.0.0.1:${port}`;
        const localUrl = (local: string) =>
          local === 'api' ? endpoints.api : local === 'web' ? webUrl : local;
        return startWebSite(site, {
          port,
          localize: (text) =>
            site.replacements.reduce((t, r) => t.split(r.remote).join(localUrl(r.local)), text),
          logger: log,
        });
      };
      if (options.ports?.web !== undefined) web = await start(options.ports.web);
      else if (corsLoopback) {
        // The template's own origin (CORS, sign-in redirects) when free; a test cloud beside `npm start`
        // gets another port, where the app loads but cannot sign in (its origin is not the template's).
        web = await start(Number(corsLoopback)).catch(async () => {
          log(`web app: port ${corsLoopback} is taken; serving on another port without sign-in`);
          return start(await freePort());
        });
      } else web = await start(await freePort());
      endpoints.web = web.url;
      const started = web;
      stops.push(() => started.stop());
    }

    // Started last so every service a scheduled function calls is up; stopped first (stops run reversed).
    const scheduler = startScheduler({
      schedules: model.schedules,
      paused: options.schedules === 'off',
      invoker,
      region,
      account: model.account,
      logger: log,
    });
    stops.push(() => scheduler.stop());

    return {
      model,
      endpoints,
      region,
      dataDir,
      keysDir,
      createdTables,
      lambda,
      /** The functions' clock: `cloud.clock.pin(instant)` makes every function read that instant. */
      clock: lambda.clock,
      eventBus,
      oidc,
      dynamoClient,
      meter,
      scheduler,
      faults,
      /** With `consistency: 'aws'`: how often index reads were stale and transactions conflicted. */
      consistency,
      logMetrics,
      /** The template's IAM as enforced here: `cloud.iam.report()` lists grants used and calls refused. */
      iam,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
