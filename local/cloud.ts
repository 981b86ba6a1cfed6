// The local cloud: one synthesized stack brought up on this machine with no AWS account. Every part is
// derived from the template (see template.ts): tables, functions, state machines, routes, user pools.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDynamoDbLocal } from './dynamodb-local.js';
import { startDynamoDbMeter } from './dynamodb-meter.js';
import { ensureTables, localDynamoDbClient } from './dynamodb-tables.js';
import { startEventBus } from './event-bus.js';
import { Faults } from './faults.js';
import { startHttpApi } from './http-api.js';
import { LambdaRuntime } from './lambda-runtime.js';
import { startLogMetrics } from './log-metrics.js';
import type { LocalModel } from './model.js';
import { startOidcIssuer } from './oidc-issuer.js';
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
}

export interface LocalCloudEndpoints {
  api: string;
  /** The web app (the template's CloudFront distribution), when the template has one. */
  web?: string;
  oidc: string;
  dynamodb: string;
  stepFunctions: string;
  eventBridge: string;
}

export type LocalCloud = Awaited<ReturnType<typeof startLocalCloud>>;

/** Environment every local Lambda sandbox gets on top of its template environment. */
export function localLambdaEnvironment(
  region: string,
  endpoints: Omit<LocalCloudEndpoints, 'api' | 'oidc'>,
  keysDir: string,
): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    // Service-specific endpoint variables are honoured by AWS SDK v3 clients: no code change needed.
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SFN: endpoints.stepFunctions,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventBridge,
    // Anything else must never reach AWS: an unknown service fails against this dead endpoint.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    // No X-Ray daemon locally.
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    // KMS has no local engine: the signer ports use key files kept here instead (ES256, Ed25519).
    SKILLCERT_LOCAL_KEYS_DIR: keysDir,
    // Partner regions run by the local cloud answer on 127.0.0.1 over plain http; only that loopback
    // address is allowed in partner URLs, and a deployed region allows none (docs/security.md).
    SKILLCERT_LOOPBACK_PARTNER_HOSTS: '127.0.0.1',
  };
}

export async function startLocalCloud(options: LocalCloudOptions) {
  const log = options.logger ?? (() => {});
  const region = options.region ?? LOCAL_AWS_REGION;
  const ports = {
    api: options.ports?.api ?? (await freePort()),
    oidc: options.ports?.oidc ?? (await freePort()),
    stepFunctions: options.ports?.stepFunctions ?? (await freePort()),
    eventBridge: options.ports?.eventBridge ?? (await freePort()),
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

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    // Reverse order: front doors first, storage last, so nothing in flight loses its database.
    for (const s of stops.reverse()) await s().catch((error: Error) => log(`stop: ${error.message}`));
    stops.length = 0;
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };

  try {
    const dynamodb = await startDynamoDbLocal(
      onDisk ? { dataDir: join(onDisk, 'dynamodb') } : { inMemory: true },
      {
        ...(options.ports?.dynamodb ? { port: options.ports.dynamodb } : {}),
      },
    );
    stops.push(() => dynamodb.stop());
    const meter = options.meterDynamoDb ? await startDynamoDbMeter(dynamodb.endpoint) : undefined;
    if (meter) stops.push(() => meter.stop());
    const faults = options.faults ? new Faults() : undefined;
    const faultyDynamoDb = faults
      ? await faults.dynamoDbProxy(meter?.endpoint ?? dynamodb.endpoint)
      : undefined;
    if (faultyDynamoDb) stops.push(() => faultyDynamoDb.stop());
    const dynamodbEndpoint = faultyDynamoDb?.endpoint ?? meter?.endpoint ?? dynamodb.endpoint;
    const dynamoClient = localDynamoDbClient(dynamodb.endpoint, region);
    const createdTables = await ensureTables(dynamoClient, model.tables);
    stops.push(async () => dynamoClient.destroy());

    const eventBus = await startEventBus({
      port: ports.eventBridge,
      buses: model.eventBuses,
      ...(onDisk ? { dataDir: join(onDisk, 'events') } : {}),
      logger: log,
    });
    stops.push(() => eventBus.stop());

    const endpoints: LocalCloudEndpoints = {
      api: `http://127.0.0.1:${ports.api}`,
      oidc: `http://127.0.0.1:${ports.oidc}`,
      dynamodb: dynamodbEndpoint,
      stepFunctions: `http://127.0.0.1:${ports.stepFunctions}`,
      eventBridge: eventBus.endpoint,
    };

    // Log lines reach their template log groups, where the template's metric filters count them.
    const logMetrics = startLogMetrics(model.metricFilters, model.alarms);
    const logGroupOf = new Map(model.functions.map((f) => [f.logicalId, f.logGroupName]));
    const lambda = new LambdaRuntime({
      functions: model.functions,
      environmentOverlay: localLambdaEnvironment(region, endpoints, keysDir),
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
      integrations: { lambda: invoker, dynamodbEndpoint, eventBus },
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
      logMetrics,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
