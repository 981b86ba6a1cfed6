// The local cloud's IAM: who is calling (by the access key it signs with) and whether its role may do
// what it asks. Every local service asks through one seam, `authorize({ accessKeyId, action, resource })`;
// every call is recorded, so a run can say which grants of the template were used and which were not.
import { randomBytes } from 'node:crypto';
import type { LocalModel } from '../model.js';
import {
  type AuthorizationRequest,
  type Evaluation,
  evaluate,
  grantsOf,
  type NamedPolicy,
  type PolicyDocument,
  type StatementRef,
} from './policy.js';
import { parseSigV4, type SignedRequest, signatureMatches } from './sigv4.js';
import type { LocalRole } from './template-roles.js';

/** enforce: refuse what AWS would refuse. report: allow it but record the refusal. off: allow, record. */
export type IamMode = 'enforce' | 'report' | 'off';

export const IAM_MODES: readonly IamMode[] = ['enforce', 'report', 'off'];

/** The mode from a flag value or SKILLCERT_IAM; enforce unless told otherwise. */
export function iamModeFrom(value: string | undefined): IamMode {
  if (value === undefined || value === '') return 'enforce';
  if ((IAM_MODES as readonly string[]).includes(value)) return value as IamMode;
  throw new Error(`IAM mode must be one of ${IAM_MODES.join(', ')}, not '${value}'`);
}

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The operator: whoever runs the local cloud (a developer's CLI, a test talking to the endpoints) —
 * an administrator of the local account, as a developer's own profile would be. Its key is `local`,
 * the credentials the README has always told people to use; every call it makes is allowed and recorded.
 */
export const OPERATOR_CREDENTIALS: LocalCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The services whose calls the local cloud authorises; grants on others (logs, xray) cannot be observed. */
export const ENFORCED_SERVICES = new Set(['dynamodb', 'states', 'events', 'kms', 'lambda']);

export interface Caller {
  kind: 'function' | 'state-machine' | 'operator';
  /** The function or state machine name (the assumed-role session name). */
  name: string;
  role?: LocalRole;
  /** arn:aws:sts::<account>:assumed-role/<role>/<session>, as AWS names the caller in refusals. */
  sessionArn: string;
  credentials: LocalCredentials;
}

export interface AuthorizeInput {
  accessKeyId: string | undefined;
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** An AWS error the protocol layer writes in its own shape (JSON `__type`, or XML for S3). */
export interface IamRefusal {
  code:
    | 'AccessDeniedException'
    | 'UnrecognizedClientException'
    | 'MissingAuthenticationTokenException'
    | 'InvalidSignatureException';
  message: string;
  status: number;
}

export type Verdict = { allowed: true } | { allowed: false; refusal: IamRefusal };

interface RoleUsage {
  calls: number;
  used: Map<string, { ref: StatementRef; count: number }>;
  refused: Map<string, { action: string; resource: string; caller: string; because: string; count: number }>;
}

export interface RoleReport {
  role: string;
  logicalId: string;
  callers: string[];
  calls: number;
  refused: { action: string; resource: string; caller: string; because: string; count: number }[];
  usedGrants: (StatementRef & { count: number })[];
  /** Allow grants on locally enforced services that no call used: the least-privilege gap. */
  unusedGrants: StatementRef[];
  /** Grants on services the local cloud does not run (logs, xray): neither used nor unused locally. */
  notObservable: StatementRef[];
  unknownManagedPolicies: string[];
}

export interface IamRunReport {
  stackName: string;
  region: string;
  mode: IamMode;
  roles: RoleReport[];
  operatorCalls: number;
  unknownConditionKeys: string[];
}

const grantKey = (r: StatementRef) => `${r.policy}#${r.index}|${r.action}|${r.resource}`;

function accessKeyId(): string {
  // Temporary (role) credentials start ASIA in AWS; 16 more upper-case base32 characters.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `ASIA${[...randomBytes(16)].map((b) => alphabet[b % 32]).join('')}`;
}

export class LocalIam {
  readonly mode: IamMode;
  private readonly byKey = new Map<string, Caller>();
  private readonly names = new Map<string, Caller>();
  private readonly roles = new Map<string, LocalRole>();
  private readonly usage = new Map<string, RoleUsage>();
  private readonly keyPolicies = new Map<string, PolicyDocument>();
  private readonly unknownKeys = new Set<string>();
  private operatorCalls = 0;
  private readonly log: (line: string) => void;

  constructor(
    private readonly model: LocalModel,
    options: { mode?: IamMode; logger?: (line: string) => void } = {},
  ) {
    this.mode = options.mode ?? 'enforce';
    this.log = options.logger ?? (() => {});
    for (const role of model.roles) this.roles.set(role.arn, role);
    for (const key of model.signingKeys) if (key.keyPolicy) this.keyPolicies.set(key.arn, key.keyPolicy);
    this.byKey.set(OPERATOR_CREDENTIALS.accessKeyId, {
      kind: 'operator',
      name: 'operator',
      sessionArn: `arn:aws:iam::${model.account}:root`,
      credentials: OPERATOR_CREDENTIALS,
    });
    for (const fn of model.functions) this.issue('function', fn.functionName, fn.roleArn);
    for (const sm of model.stateMachines) this.issue('state-machine', sm.name, sm.roleArn);
  }

  private issue(kind: Caller['kind'], name: string, roleArn: string | undefined): Caller {
    const role = roleArn ? this.roles.get(roleArn) : undefined;
    const credentials = {
      accessKeyId: accessKeyId(),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
    };
    const roleName = role?.name ?? roleArn?.split('/').pop() ?? 'no-role';
    const caller: Caller = {
      kind,
      name,
      ...(role ? { role } : {}),
      sessionArn: `arn:aws:sts::${this.model.account}:assumed-role/${roleName}/${name}`,
      credentials,
    };
    this.byKey.set(credentials.accessKeyId, caller);
    this.names.set(`${kind}:${name}`, caller);
    return caller;
  }

  /** The credentials a function's sandbox gets (AWS_ACCESS_KEY_ID…), bound to its execution role. */
  functionCredentials(functionName: string): LocalCredentials {
    return this.callerNamed('function', functionName).credentials;
  }

  /** The credentials a state machine's tasks call with, bound to its RoleArn. */
  stateMachineCredentials(stateMachineName: string): LocalCredentials {
    return this.callerNamed('state-machine', stateMachineName).credentials;
  }

  private callerNamed(kind: Caller['kind'], name: string): Caller {
    const caller = this.names.get(`${kind}:${name}`);
    if (!caller) throw new Error(`No local credentials for ${kind} ${name}`);
    return caller;
  }

  callerOf(accessKeyId: string | undefined): Caller | undefined {
    return accessKeyId === undefined ? undefined : this.byKey.get(accessKeyId);
  }

  /**
   * For a service receiving a signed HTTP request: checks the caller's signature (and session token)
   * with its secret, then authorises every permission the request needs, as `authorizeAll`.
   */
  async authorizeRequest(
    request: SignedRequest,
    permissions: Omit<AuthorizeInput, 'accessKeyId'>[],
  ): Promise<Verdict> {
    const accessKeyIdValue = parseSigV4(request.headers.authorization)?.accessKeyId;
    const caller = this.callerOf(accessKeyIdValue);
    if (caller && this.mode !== 'off') {
      const token = request.headers['x-amz-security-token'];
      if (caller.credentials.sessionToken !== undefined && token !== caller.credentials.sessionToken) {
        return {
          allowed: false,
          refusal: {
            code: 'UnrecognizedClientException',
            message: 'The security token included in the request is invalid.',
            status: 400,
          },
        };
      }
      if (!(await signatureMatches(request, caller.credentials))) {
        return {
          allowed: false,
          refusal: {
            code: 'InvalidSignatureException',
            message:
              'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
            status: 400,
          },
        };
      }
    }
    return this.authorizeAll(accessKeyIdValue, permissions);
  }

  /** The seam every local service calls: may the holder of this access key do `action` on `resource`? */
  authorize(input: AuthorizeInput): Verdict {
    return this.authorizeAll(input.accessKeyId, [input]);
  }

  /**
   * Several actions of one request (the items of a transaction or batch): all are authorised or the
   * request is refused whole, naming the first action refused, as AWS does.
   */
  authorizeAll(
    accessKeyIdValue: string | undefined,
    requests: Omit<AuthorizeInput, 'accessKeyId'>[],
  ): Verdict {
    const caller = this.callerOf(accessKeyIdValue);
    if (!caller) {
      // An unknown key is refused in every mode but off: it is not a permission question.
      if (this.mode === 'off') return { allowed: true };
      return {
        allowed: false,
        refusal: {
          code: accessKeyIdValue ? 'UnrecognizedClientException' : 'MissingAuthenticationTokenException',
          message: accessKeyIdValue
            ? 'The security token included in the request is invalid.'
            : 'Request is missing Authentication Token',
          status: accessKeyIdValue ? 400 : 403,
        },
      };
    }
    if (caller.kind === 'operator') {
      this.operatorCalls += requests.length;
      return { allowed: true };
    }
    let refusal: IamRefusal | undefined;
    for (const request of requests) {
      const verdict = this.decide(caller, request);
      if (!verdict.allowed && !refusal) refusal = verdict.refusal;
    }
    if (!refusal || this.mode !== 'enforce') return { allowed: true };
    return { allowed: false, refusal };
  }

  private decide(caller: Caller, request: Omit<AuthorizeInput, 'accessKeyId'>): Verdict {
    const role = caller.role;
    const usage = this.usageOf(role?.arn ?? caller.sessionArn);
    usage.calls++;
    const principal = {
      roleArn: role?.arn ?? '',
      sessionArn: caller.sessionArn,
      account: this.model.account,
    };
    const evaluationRequest: AuthorizationRequest = {
      action: request.action,
      resource: request.resource,
      principal,
      ...(request.context ? { context: request.context } : {}),
    };
    const identity = evaluate(role?.policies ?? [], evaluationRequest);
    const keyPolicy = request.action.toLowerCase().startsWith('kms:')
      ? this.keyPolicies.get(request.resource)
      : undefined;
    let allowed = identity.decision === 'allow';
    let because =
      identity.decision === 'explicit-deny'
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${request.action} action`;
    let used = identity.allowedBy;
    let resourceEvaluation: Evaluation | undefined;
    if (keyPolicy) {
      // KMS: the key policy decides; a statement for the account root delegates to IAM policies.
      const keyDocument: NamedPolicy = { name: request.resource, kind: 'key-policy', document: keyPolicy };
      resourceEvaluation = evaluate([keyDocument], evaluationRequest);
      const direct = resourceEvaluation.allowedBy.some((s) => this.namesCallerDirectly(keyPolicy, s.index));
      const delegates = resourceEvaluation.allowedBy.some(
        (s) => !this.namesCallerDirectly(keyPolicy, s.index),
      );
      if (resourceEvaluation.decision === 'explicit-deny') {
        allowed = false;
        because = 'with an explicit deny in a resource-based policy';
      } else if (identity.decision === 'explicit-deny') {
        allowed = false;
      } else if (direct) {
        allowed = true;
      } else if (!delegates) {
        allowed = false;
        because = `because no resource-based policy allows the ${request.action} action`;
      }
      if (!allowed) used = [];
    }
    for (const k of [...identity.unknownConditionKeys, ...(resourceEvaluation?.unknownConditionKeys ?? [])]) {
      if (!this.unknownKeys.has(k))
        this.log(`iam: condition ${k} cannot be evaluated locally (decided conservatively)`);
      this.unknownKeys.add(k);
    }
    if (allowed) {
      for (const ref of used) {
        const key = grantKey(ref);
        const entry = usage.used.get(key);
        if (entry) entry.count++;
        else usage.used.set(key, { ref, count: 1 });
      }
      return { allowed: true };
    }
    const message = `User: ${caller.sessionArn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${because}`;
    const refusedKey = `${caller.name}|${request.action}|${request.resource}`;
    const entry = usage.refused.get(refusedKey);
    if (entry) entry.count++;
    else
      usage.refused.set(refusedKey, {
        action: request.action,
        resource: request.resource,
        caller: caller.name,
        because,
        count: 1,
      });
    this.log(`iam ${this.mode === 'enforce' ? 'refused' : `would refuse (${this.mode})`}: ${message}`);
    return { allowed: false, refusal: { code: 'AccessDeniedException', message, status: 400 } };
  }

  /** Whether a key policy statement names a principal other than the account (root) itself. */
  private namesCallerDirectly(document: PolicyDocument, index: number): boolean {
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    const principal = statements[index]?.Principal;
    if (principal === undefined) return false;
    if (principal === '*') return true;
    const values = ([] as string[]).concat(principal.AWS ?? []);
    const account = this.model.account;
    return values.some((p) => p !== account && p !== `arn:aws:iam::${account}:root`);
  }

  private usageOf(key: string): RoleUsage {
    let usage = this.usage.get(key);
    if (!usage) {
      usage = { calls: 0, used: new Map(), refused: new Map() };
      this.usage.set(key, usage);
    }
    return usage;
  }

  /** This run's record: per role, calls refused, grants used and grants no call used. */
  report(): IamRunReport {
    const callersOf = new Map<string, string[]>();
    for (const caller of this.names.values())
      if (caller.role)
        callersOf.set(caller.role.arn, [...(callersOf.get(caller.role.arn) ?? []), caller.name]);
    const roles: RoleReport[] = this.model.roles.map((role) => {
      const usage = this.usage.get(role.arn) ?? { calls: 0, used: new Map(), refused: new Map() };
      const grants = role.policies.flatMap((p) => grantsOf(p).map((g) => g.ref));
      const observable = (ref: StatementRef) => {
        if (ref.action.startsWith('NotAction:') || ref.action === '*') return true;
        return ENFORCED_SERVICES.has(ref.action.split(':')[0]?.toLowerCase() ?? '');
      };
      return {
        role: role.name,
        logicalId: role.logicalId,
        callers: callersOf.get(role.arn) ?? [],
        calls: usage.calls,
        refused: [...usage.refused.values()],
        usedGrants: [...usage.used.values()].map((u) => ({ ...u.ref, count: u.count })),
        unusedGrants: grants.filter((g) => observable(g) && !usage.used.has(grantKey(g))),
        notObservable: grants.filter((g) => !observable(g)),
        unknownManagedPolicies: role.unknownManagedPolicies,
      };
    });
    return {
      stackName: this.model.stackName,
      region: this.model.region,
      mode: this.mode,
      roles,
      operatorCalls: this.operatorCalls,
      unknownConditionKeys: [...this.unknownKeys],
    };
  }
}
