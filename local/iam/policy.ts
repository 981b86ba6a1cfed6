// IAM policy evaluation as AWS describes it (IAM User Guide, "Policy evaluation logic"), for the
// policies a CloudFormation template gives its roles and KMS keys. Pure: no I/O, no clock of its own.
//
// What is evaluated: Allow/Deny statements with Action or NotAction, Resource or NotResource, `*` and `?`
// wildcards (actions case-insensitively, ARNs segment by segment, case-sensitively), Principal (for key
// policies) and the Condition operators listed in CONDITION_OPERATORS with the IfExists suffix and the
// ForAllValues/ForAnyValue set prefixes, over the context keys the caller supplies. A condition on a key
// the local cloud cannot know (anything not in the request's context) is decided conservatively: it
// never lets an Allow grant and always lets a Deny refuse, and the evaluation says which key it was.

export type Effect = 'Allow' | 'Deny';
type OneOrMany = string | string[];

export interface PolicyStatement {
  Sid?: string;
  Effect: Effect;
  Action?: OneOrMany;
  NotAction?: OneOrMany;
  Resource?: OneOrMany;
  NotResource?: OneOrMany;
  Principal?: '*' | Record<string, OneOrMany>;
  NotPrincipal?: Record<string, OneOrMany>;
  Condition?: Record<string, Record<string, OneOrMany | boolean | number>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** Where a policy came from, so a refusal or an unused grant can be traced back to the template. */
export interface NamedPolicy {
  /** The inline policy's name, the managed policy's ARN or the AWS::IAM::Policy's logical id. */
  name: string;
  kind: 'inline' | 'customer-managed' | 'aws-managed' | 'attached' | 'key-policy';
  document: PolicyDocument;
}

/** One request to authorise: `service:Action` on one ARN, with the context keys the local cloud knows. */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  /** The caller: its role ARN and its assumed-role session ARN (for Principal and aws:PrincipalArn). */
  principal?: { roleArn: string; sessionArn: string; account: string };
  /** Condition context keys (lower-cased names) and their values. */
  context?: Record<string, string | string[]>;
}

/** One statement of one policy, named by position when it has no Sid. */
export interface StatementRef {
  policy: string;
  kind: NamedPolicy['kind'];
  index: number;
  sid?: string;
  effect: Effect;
  /** The Action (or `NotAction:` list) and the Resource (or `NotResource:` list) entry that matched. */
  action: string;
  resource: string;
}

export interface Evaluation {
  decision: 'allow' | 'explicit-deny' | 'implicit-deny';
  /** Allow statements that matched (each grant this call used). */
  allowedBy: StatementRef[];
  deniedBy?: StatementRef;
  /** Condition keys the local cloud could not evaluate, which made an Allow not apply or a Deny apply. */
  unknownConditionKeys: string[];
}

const list = (value: OneOrMany | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

/** `*` any run of characters, `?` exactly one; everything else literal. */
function globToRegExp(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, `s${flags}`);
}

const globCache = new Map<string, RegExp>();
function glob(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    re = globToRegExp(pattern, ignoreCase ? 'i' : '');
    globCache.set(key, re);
  }
  return re.test(value);
}

/** Actions match case-insensitively ("dynamodb:updateItem" grants dynamodb:UpdateItem), as in IAM. */
export function actionMatches(pattern: string, action: string): boolean {
  return glob(pattern, action, true);
}

/**
 * An ARN pattern matches segment by segment (arn:partition:service:region:account:resource), so a
 * wildcard in the region never swallows the account; within the resource part `*` crosses `/` and `:`
 * (`arn:…:table/T/index/*`, `arn:…:function:f:*`). `*` alone matches every resource.
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  // A policy variable (${aws:username}) is not resolved locally: it matches nothing, conservatively.
  if (pattern.includes('${')) return false;
  const p = splitArn(pattern);
  const r = splitArn(resource);
  // An ARN pattern short of its six segments matches nothing (IAM compares segment by segment).
  if (!p) return !pattern.startsWith('arn:') && glob(pattern, resource);
  if (!r) return false;
  return p.every((segment, i) => glob(segment, r[i] as string));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function principalMatches(
  principal: PolicyStatement['Principal'],
  caller: AuthorizationRequest['principal'],
): boolean {
  if (principal === undefined) return true; // identity-based policies have no Principal
  if (principal === '*') return true;
  if (!caller) return false;
  return list(principal.AWS).some(
    (p) =>
      p === '*' ||
      p === caller.roleArn ||
      p === caller.sessionArn ||
      p === caller.account ||
      p === `arn:aws:iam::${caller.account}:root`,
  );
}

/** The Condition operators evaluated locally (without IfExists and set prefixes). */
export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Bool',
  'Null',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
] as const;

type ConditionResult = 'true' | 'false' | 'unknown';

function compare(operator: string, expected: string, actual: string): boolean {
  switch (operator) {
    case 'StringEquals':
    case 'Bool':
      return actual === expected;
    case 'StringNotEquals':
      return actual !== expected;
    case 'StringEqualsIgnoreCase':
      return actual.toLowerCase() === expected.toLowerCase();
    case 'StringNotEqualsIgnoreCase':
      return actual.toLowerCase() !== expected.toLowerCase();
    case 'StringLike':
      return glob(expected, actual);
    case 'StringNotLike':
      return !glob(expected, actual);
    case 'ArnEquals':
    case 'ArnLike':
      return resourceMatches(expected, actual);
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return !resourceMatches(expected, actual);
    default: {
      const a = Number(actual);
      const e = Number(expected);
      if (Number.isNaN(a) || Number.isNaN(e)) return false;
      if (operator === 'NumericEquals') return a === e;
      if (operator === 'NumericNotEquals') return a !== e;
      if (operator === 'NumericLessThan') return a < e;
      if (operator === 'NumericLessThanEquals') return a <= e;
      if (operator === 'NumericGreaterThan') return a > e;
      return a >= e;
    }
  }
}

const NEGATED = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'ArnNotEquals',
  'ArnNotLike',
  'NumericNotEquals',
]);

/** One operator block: every key must hold (AND); any of a key's values may match (OR). */
function conditionBlock(
  rawOperator: string,
  keys: Record<string, OneOrMany | boolean | number>,
  context: Record<string, string | string[]>,
  unknown: Set<string>,
): ConditionResult {
  const setMatch = /^(ForAllValues|ForAnyValue):(.*)$/.exec(rawOperator);
  const withoutSet = setMatch ? (setMatch[2] as string) : rawOperator;
  const ifExists = withoutSet.endsWith('IfExists');
  const operator = ifExists ? withoutSet.slice(0, -'IfExists'.length) : withoutSet;
  if (!(CONDITION_OPERATORS as readonly string[]).includes(operator)) {
    unknown.add(`operator ${rawOperator}`);
    return 'unknown';
  }
  let result: ConditionResult = 'true';
  for (const [rawKey, rawValues] of Object.entries(keys)) {
    const key = rawKey.toLowerCase();
    const expected = (Array.isArray(rawValues) ? rawValues : [rawValues]).map(String);
    const present = Object.hasOwn(context, key);
    if (operator === 'Null') {
      // Null: true means "the key is absent". Absent here means absent in AWS too only for keys we know.
      if (!present && !KNOWN_ABSENT_KEYS.test(key)) {
        unknown.add(rawKey);
        result = 'unknown';
        continue;
      }
      if ((expected[0] === 'true') !== !present) return 'false';
      continue;
    }
    if (!present) {
      if (!KNOWN_ABSENT_KEYS.test(key)) {
        unknown.add(rawKey);
        result = 'unknown';
        continue;
      }
      // A key AWS would not send either: IfExists holds; ForAllValues holds vacuously; else false.
      if (ifExists || setMatch?.[1] === 'ForAllValues') continue;
      return 'false';
    }
    const actual = context[key] as string | string[];
    const actualValues = Array.isArray(actual) ? actual : [actual];
    const one = (value: string) =>
      NEGATED.has(operator)
        ? expected.every((e) => compare(operator, e, value))
        : expected.some((e) => compare(operator, e, value));
    const holds =
      setMatch?.[1] === 'ForAllValues'
        ? actualValues.every(one)
        : setMatch?.[1] === 'ForAnyValue'
          ? actualValues.some(one)
          : actualValues.length > 0 && actualValues.every(one);
    if (!holds) return 'false';
  }
  return result;
}

/**
 * Keys the local cloud knows are absent from every request it serves (no MFA, no source VPC or IP
 * ranges of AWS's network, no tags on local principals): a condition on them is decided as AWS would
 * decide it for a request without the key. Every other key missing from the context is unknown.
 */
const KNOWN_ABSENT_KEYS =
  /^aws:(multifactorauthpresent|multifactorauthage|sourcevpc|sourcevpce|vpcsourceip|principaltag\/.*|resourcetag\/.*|requesttag\/.*|tagkeys|viaawsservice|calledvia.*)$/;

function conditionsHold(
  condition: PolicyStatement['Condition'],
  context: Record<string, string | string[]>,
  unknown: Set<string>,
): ConditionResult {
  if (!condition) return 'true';
  let result: ConditionResult = 'true';
  for (const [operator, keys] of Object.entries(condition)) {
    const r = conditionBlock(operator, keys, context, unknown);
    if (r === 'false') return 'false';
    if (r === 'unknown') result = 'unknown';
  }
  return result;
}

/** The Action/NotAction entry of a statement that covers the action, if any. */
function matchedAction(s: PolicyStatement, action: string): string | undefined {
  if (s.Action !== undefined) return list(s.Action).find((p) => actionMatches(p, action));
  if (s.NotAction !== undefined) {
    const excluded = list(s.NotAction).some((p) => actionMatches(p, action));
    return excluded ? undefined : `NotAction:${list(s.NotAction).join(',')}`;
  }
  return undefined;
}

function matchedResource(s: PolicyStatement, resource: string): string | undefined {
  if (s.Resource !== undefined) return list(s.Resource).find((p) => resourceMatches(p, resource));
  if (s.NotResource !== undefined) {
    const excluded = list(s.NotResource).some((p) => resourceMatches(p, resource));
    return excluded ? undefined : `NotResource:${list(s.NotResource).join(',')}`;
  }
  // A key policy statement may leave Resource out only in templates that would not deploy; treat as none.
  return undefined;
}

/**
 * Evaluates one request against a set of policies: an explicit Deny wins over every Allow; without an
 * Allow the request is implicitly denied. All matching Allow statements are returned, so a caller can
 * record each grant the call used.
 */
export function evaluate(policies: readonly NamedPolicy[], request: AuthorizationRequest): Evaluation {
  const context = withGlobalKeys(request);
  const unknown = new Set<string>();
  const allowedBy: StatementRef[] = [];
  let deniedBy: StatementRef | undefined;
  for (const policy of policies) {
    statementsOf(policy.document).forEach((s, index) => {
      if (s.NotPrincipal !== undefined) {
        // NotPrincipal is rare and easy to get wrong; the local cloud refuses to guess (docs/local-cloud.md).
        if (s.Effect === 'Deny') deniedBy ??= ref(policy, index, s, 'NotPrincipal', request.resource);
        return;
      }
      if (!principalMatches(s.Principal, request.principal)) return;
      const action = matchedAction(s, request.action);
      if (action === undefined) return;
      const resource = matchedResource(s, request.resource);
      if (resource === undefined) return;
      const statementUnknown = new Set<string>();
      const holds = conditionsHold(s.Condition, context, statementUnknown);
      if (holds === 'false') return;
      if (s.Effect === 'Deny') {
        // Conservative: a Deny whose condition we cannot evaluate is taken to apply.
        for (const k of statementUnknown) unknown.add(k);
        deniedBy ??= ref(policy, index, s, action, resource);
      } else if (holds === 'true') {
        allowedBy.push(ref(policy, index, s, action, resource));
      } else {
        // Conservative: an Allow whose condition we cannot evaluate grants nothing.
        for (const k of statementUnknown) unknown.add(k);
      }
    });
  }
  return {
    decision: deniedBy ? 'explicit-deny' : allowedBy.length > 0 ? 'allow' : 'implicit-deny',
    allowedBy: deniedBy ? [] : allowedBy,
    ...(deniedBy ? { deniedBy } : {}),
    unknownConditionKeys: [...unknown],
  };
}

function ref(
  policy: NamedPolicy,
  index: number,
  s: PolicyStatement,
  action: string,
  resource: string,
): StatementRef {
  return {
    policy: policy.name,
    kind: policy.kind,
    index,
    ...(s.Sid ? { sid: s.Sid } : {}),
    effect: s.Effect,
    action,
    resource,
  };
}

/** The global condition keys every local request carries (names lower-cased, as IAM compares them). */
function withGlobalKeys(request: AuthorizationRequest): Record<string, string | string[]> {
  const now = new Date();
  const context: Record<string, string | string[]> = {
    'aws:currenttime': now.toISOString(),
    'aws:epochtime': String(Math.floor(now.getTime() / 1000)),
    // The SDK talks to AWS over TLS; locally it is loopback http, but the code under test would be on TLS.
    'aws:securetransport': 'true',
  };
  if (request.principal) {
    context['aws:principalarn'] = request.principal.roleArn;
    context['aws:principalaccount'] = request.principal.account;
    context['aws:principaltype'] = 'AssumedRole';
    context['aws:userid'] =
      `${request.principal.roleArn.split('/').pop()}:${request.principal.sessionArn.split('/').pop()}`;
  }
  const [, , service, region] = request.resource.split(':');
  if (service && region) context['aws:requestedregion'] = region;
  for (const [k, v] of Object.entries(request.context ?? {})) context[k.toLowerCase()] = v;
  return context;
}

/** Every (action entry × resource entry) an Allow statement grants: the units of the least-privilege report. */
export function grantsOf(policy: NamedPolicy): { ref: StatementRef; conditional: boolean }[] {
  const out: { ref: StatementRef; conditional: boolean }[] = [];
  statementsOf(policy.document).forEach((s, index) => {
    if (s.Effect !== 'Allow') return;
    const actions = s.Action !== undefined ? list(s.Action) : [`NotAction:${list(s.NotAction).join(',')}`];
    const resources =
      s.Resource !== undefined ? list(s.Resource) : [`NotResource:${list(s.NotResource).join(',')}`];
    for (const action of actions)
      for (const resource of resources)
        out.push({ ref: ref(policy, index, s, action, resource), conditional: s.Condition !== undefined });
  });
  return out;
}
