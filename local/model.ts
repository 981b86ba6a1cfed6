// The local cloud's view of one synthesized stack. Everything here is derived from the CloudFormation
// template that `cdk synth` wrote (see template.ts); nothing is declared a second time. Intrinsics
// (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, pseudo parameters) are already resolved to local names.

import type { PolicyDocument } from './iam/policy.js';
import type { LocalRole } from './iam/template-roles.js';
import type { LocalBucket } from './s3.js';

export type { LocalBucket };

import type { LocalWebSite } from './web-site.js';

export const LOCAL_ACCOUNT = '000000000000';

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

export interface LocalTable {
  logicalId: string;
  tableName: string;
  arn: string;
  keySchema: KeySchemaElement[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  globalSecondaryIndexes: {
    IndexName: string;
    KeySchema: KeySchemaElement[];
    Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
  }[];
  localSecondaryIndexes: {
    IndexName: string;
    KeySchema: KeySchemaElement[];
    Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
  }[];
  timeToLiveAttribute?: string;
}

export interface LocalFunction {
  logicalId: string;
  functionName: string;
  arn: string;
  /** e.g. "index.handler": module file (without extension) inside assetDir, then the export name. */
  handler: string;
  /** Absolute path of the bundled asset folder inside the cloud assembly. */
  assetDir: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** The template's environment with every intrinsic resolved to a local value. */
  environment: Record<string, string>;
  /** The log group its lines go to (LoggingConfig.LogGroup), where metric filters read them. */
  logGroupName?: string;
  /** The execution role's ARN (Role), whose policies authorise every AWS call the function makes. */
  roleArn?: string;
}

/** An AWS::Logs::MetricFilter: log lines of a group matching a pattern count towards a metric. */
export interface LocalMetricFilter {
  logicalId: string;
  logGroupName: string;
  /** The CloudWatch Logs filter pattern (JSON form), as in the template. */
  pattern: string;
  namespace: string;
  metricName: string;
  /** What one matching line adds (a number, or `$.field`). */
  value: string;
  /** Dimension name → `$.field` of the line. */
  dimensions: Record<string, string>;
}

/** An AWS::CloudWatch::Alarm on one metric (the local cloud evaluates those it can count). */
export interface LocalAlarm {
  logicalId: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  threshold: number;
  comparison: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  actions: string[];
}

export interface LocalStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  type: 'STANDARD' | 'EXPRESS';
  /** The ASL definition as AWS would receive it, with local ARNs and names substituted. */
  definition: Record<string, unknown>;
  /** The role the state machine runs its tasks as (RoleArn). */
  roleArn?: string;
}

export type RouteAuthorization =
  | { type: 'NONE' }
  | {
      type: 'JWT';
      authorizerId: string;
      issuer: string;
      audience: string[];
      scopes: string[];
      identitySource: string;
    };

export interface LocalRoute {
  /** "GET /attempts/{attemptId}", "ANY /{proxy+}" or "$default". */
  routeKey: string;
  /** Logical id of the Lambda function behind the route's integration. */
  functionLogicalId: string;
  authorization: RouteAuthorization;
}

export interface LocalHttpApi {
  logicalId: string;
  apiId: string;
  routes: LocalRoute[];
  /** The stage's access log: where lines go and the format API Gateway fills in per request. */
  accessLog?: { logGroupName: string; format: string };
  cors?: {
    allowOrigins: string[];
    allowMethods: string[];
    allowHeaders: string[];
    /** Response headers a page's script may read besides the CORS-safelisted ones. */
    exposeHeaders?: string[];
    allowCredentials?: boolean;
    maxAge?: number;
  };
  /**
   * The stage's DefaultRouteSettings throttling, when the template sets it. As in API Gateway, these
   * are the limits of each route on its own (every route has its own bucket), not one budget shared
   * by the whole API.
   */
  throttle?: ThrottleLimits;
  /**
   * The stage's RouteSettings throttling by route key ("GET /verify/{number}", "$default"): such a
   * route is held to these limits instead of `throttle`. Fields a route leaves out are taken from
   * the default route settings.
   */
  routeThrottles?: Record<string, ThrottleLimits>;
}

/** A token bucket's limits: `burstLimit` tokens at most, refilled at `rateLimit` per second. */
export interface ThrottleLimits {
  burstLimit: number;
  rateLimit: number;
}

export interface LocalUserPoolClient {
  logicalId: string;
  clientId: string;
  generateSecret: boolean;
  allowedOAuthFlows: string[];
  allowedOAuthScopes: string[];
  /** Redirect URIs after sign-in (CallbackURLs) and after sign-out (LogoutURLs), matched exactly. */
  callbackUrls?: string[];
  logoutUrls?: string[];
  /** Defaults: an hour for access and ID tokens, 30 days for refresh tokens (Cognito's). */
  tokenLifetimes?: { accessSeconds: number; idSeconds: number; refreshSeconds: number };
  /** Refresh tokens rotate: each works once, and for retryGraceSeconds after it was used. */
  refreshRotation?: { retryGraceSeconds: number };
}

export interface LocalUserPool {
  logicalId: string;
  userPoolId: string;
  /** The local OIDC issuer that stands in for https://cognito-idp.{region}.amazonaws.com/{userPoolId}. */
  issuer: string;
  groups: string[];
  clients: LocalUserPoolClient[];
  /** Resource server identifier → its scope names (full scope = `${identifier}/${name}`). */
  resourceServers: { identifier: string; scopes: string[] }[];
  /**
   * `cognito` (default): tokens shaped like Cognito's. `oidc`: the pool stands in for an outside OpenID
   * provider; tokens carry only standard claims plus the provider's groups claim, with its group names.
   */
  tokenShape?: 'cognito' | 'oidc';
  /** For `oidc`: the claim that lists groups, and our group → the provider's name for it. */
  groupsClaim?: string;
  groupNames?: Record<string, string>;
}

export interface LocalSigningKey {
  logicalId: string;
  keyId: string;
  arn: string;
  keySpec: string;
  keyUsage: string;
  /** The key policy (KeyPolicy), evaluated with the caller's IAM policies for every KMS call. */
  keyPolicy?: PolicyDocument;
}

export interface LocalEventBus {
  logicalId: string;
  name: string;
  arn: string;
}

/**
 * An EventBridge cron expression, parsed (six fields, UTC). Each numeric field lists the values it
 * allows; day of month and day of week also carry EventBridge's L, W and # forms.
 */
export interface CronSchedule {
  minutes: number[];
  hours: number[];
  /** `any` is `?` or `*`. */
  daysOfMonth:
    | { kind: 'any' }
    | { kind: 'days'; days: number[] }
    | { kind: 'last' }
    | { kind: 'lastWeekday' }
    | { kind: 'nearestWeekday'; day: number };
  months: number[];
  /** Days of week 1-7 = SUN-SAT, as EventBridge numbers them. */
  daysOfWeek:
    | { kind: 'any' }
    | { kind: 'days'; days: number[] }
    | { kind: 'last'; day: number }
    | { kind: 'nth'; day: number; n: number };
  /** Undefined: every year. */
  years?: number[];
}

export type ScheduleSpec = { kind: 'rate'; periodMs: number } | { kind: 'cron'; cron: CronSchedule };

export interface LocalScheduleTarget {
  /** The target's Id in the rule. */
  id: string;
  functionLogicalId: string;
  functionName: string;
  functionArn: string;
  /**
   * What the function receives: the Scheduled Event itself, a constant (the target's Input), or the
   * part of the event a simple InputPath (`$`, `$.detail`, `$.resources`…) selects.
   */
  input: { kind: 'event' } | { kind: 'constant'; value: unknown } | { kind: 'path'; path: string[] };
  /** RetryPolicy.MaximumRetryAttempts as the template says (AWS's default is 185). */
  maximumRetryAttempts: number;
  /** RetryPolicy.MaximumEventAgeInSeconds (AWS's default is 86 400). */
  maximumEventAgeSeconds: number;
}

/** An AWS::Events::Rule with a ScheduleExpression. Event-pattern rules are not modelled. */
export interface LocalSchedule {
  logicalId: string;
  name: string;
  arn: string;
  /** "rate(5 minutes)" or "cron(0 12 * * ? *)", as written in the template. */
  expression: string;
  schedule: ScheduleSpec;
  /** State ENABLED (or no State); a DISABLED rule is modelled but never runs. */
  enabled: boolean;
  targets: LocalScheduleTarget[];
}

export interface LocalModel {
  stackName: string;
  region: string;
  account: string;
  tables: LocalTable[];
  functions: LocalFunction[];
  stateMachines: LocalStateMachine[];
  httpApis: LocalHttpApi[];
  /** CloudFront distributions of the template with the files their bucket deployments copy (web-site.ts). */
  webSites: LocalWebSite[];
  userPools: LocalUserPool[];
  signingKeys: LocalSigningKey[];
  eventBuses: LocalEventBus[];
  /** S3 buckets (AWS::S3::Bucket), served by local/s3.ts. */
  buckets: LocalBucket[];
  /** Scheduled EventBridge rules (ScheduleExpression), run by local/scheduler.ts. */
  schedules: LocalSchedule[];
  /** Metric filters on log groups, and alarms; counted and evaluated by local/log-metrics.ts. */
  metricFilters: LocalMetricFilter[];
  alarms: LocalAlarm[];
  /** Stack outputs, resolved. */
  outputs: Record<string, string>;
  /** IAM roles with every policy that applies to them (local/iam/template-roles.ts). */
  roles: LocalRole[];
}
