// Prepares an ASL definition for the aws-local-stepfunctions engine. The engine has gaps that would make
// it behave unlike AWS; each is worked around here, visibly, as a pure rewrite of the definition
// (unit-tested in tests/unit/stepfunctions/definition.test.ts; listed in docs/local-stepfunctions.md):
//
// 1. Task timeouts: the engine applies a 60 s default to every Task and arms one setTimeout, which
//    fires at once above 2^31-1 ms (24.8 days). AWS's default for Standard workflows is effectively
//    unbounded. We take TimeoutSeconds/TimeoutSecondsPath and HeartbeatSeconds/HeartbeatSecondsPath off
//    the definition, enforce them in our task adapter with chained timers, and give the engine a
//    TimeoutSeconds (the "ceiling") that our service refreshes before it can fire (see index.ts).
//    The same overflow hits the execution-level TimeoutSeconds, which the service enforces instead.
// 2. *SecondsPath: the values are read from the state's input (after InputPath) by wrapping the Task's
//    Parameters in an envelope the adapter unwraps, so the task still receives exactly its Parameters.
// 3. $$.Task.Token: the engine has no task tokens. References become a placeholder string our adapter
//    replaces with a fresh token per task entry (the context also carries the placeholder, so the token
//    inside intrinsic functions such as States.Format works too).
// 4. $$.Execution.Input / StartTime: the engine overwrites both when it starts a run (and inside every
//    Map iteration and Parallel branch), which is wrong for a resumed execution and inside a Map; they
//    are redirected to fields the engine leaves alone, filled by us with the original values.
// 5. $$.State.*: the engine has no $$.State. Name is substituted statically; EnteredTime and RetryCount
//    become placeholders the adapter fills in a Task's Parameters.
// 6. ResultPath "$" (replace the whole input) is read as a field named "$": it is dropped, which means
//    the same thing in ASL.
// 7. Error matching is by name only: a Retry or Catch naming States.Timeout also gets
//    States.HeartbeatTimeout, which AWS's States.Timeout matches.
// 8. Distributed Map fields (ItemReader, ItemBatcher, ResultWriter, Mode DISTRIBUTED...) would be run as
//    an inline Map: such a definition is refused (unfaithfulFields), never run differently.

export const TASK_TOKEN_PLACEHOLDER = '__skillcert_local_task_token__';
export const STATE_ENTERED_TIME_PLACEHOLDER = '__skillcert_local_state_entered_time__';
export const STATE_RETRY_COUNT_PLACEHOLDER = '__skillcert_local_state_retry_count__';
export const STATE_NAME_PLACEHOLDER = '__skillcert_local_state_name__';
/** The envelope a Task's Parameters travel in when it has TimeoutSecondsPath or HeartbeatSecondsPath. */
export const ENVELOPE_MARKER = '__skillcert_local_envelope__';
/** Longest timer the engine can arm safely (seconds): (2^31-1) ms, rounded down. */
export const ENGINE_SAFE_TIMEOUT_SECONDS = 2_147_483;
/** AWS Standard workflows: a Task without TimeoutSeconds may wait up to a year. */
export const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 31_536_000;

export interface TaskSettings {
  resource: string;
  timeoutSeconds: number;
  heartbeatSeconds?: number;
  /** The Task's Parameters arrive in an envelope carrying the *SecondsPath values; see unwrapTaskInput. */
  enveloped?: boolean;
}

export interface PreparedDefinition {
  /** What the engine runs. */
  engineDefinition: AslDefinition;
  /** Each Task state (at any depth) by its name, with the settings we enforce ourselves. */
  tasks: Map<string, TaskSettings>;
  /** Names of the top-level states: the points an execution can resume from. */
  topLevelStates: Set<string>;
  /**
   * Each Task state nested in Map or Parallel states, with the names of those states (outermost first):
   * when one of them fails, the tasks still running inside it are cancelled and their tokens die.
   */
  enclosing: Map<string, string[]>;
  /** The execution's TimeoutSeconds, enforced by the service (the engine's own timer overflows). */
  executionTimeoutSeconds?: number;
}

export type AslDefinition = { StartAt: string; States: Record<string, AslState> } & Record<string, unknown>;
export type AslState = { Type: string } & Record<string, unknown>;

export class UnsupportedDefinitionError extends Error {
  override name = 'UnsupportedDefinitionError';
}

/** Context paths that become literal values (the key loses its ".$"): known before the state runs. */
function literalFor(path: unknown, stateName: string): { value: unknown } | undefined {
  if (path === '$$.Task.Token') return { value: TASK_TOKEN_PLACEHOLDER };
  if (path === '$$.State.Name') return { value: stateName };
  return undefined;
}

function rewriteContextPaths(value: unknown, stateName: string): unknown {
  if (typeof value === 'string') {
    // Inside intrinsic functions too ("States.Format('{}', $$.Execution.Input.id)").
    return value
      .replace(/\$\$\.Execution\.Input(?=$|[.[\s,)])/g, '$$$$.Execution.OriginalInput')
      .replace(/\$\$\.Execution\.StartTime(?=$|[\s,)])/g, '$$$$.Execution.OriginalStartTime');
  }
  if (Array.isArray(value)) return value.map((v) => rewriteContextPaths(v, stateName));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const literal = key.endsWith('.$') ? literalFor(v, stateName) : undefined;
      // "Field.$": "$$.Task.Token" becomes a literal "Field": placeholder.
      if (literal) out[key.slice(0, -2)] = literal.value;
      else out[key] = rewriteContextPaths(v, stateName);
    }
    return out;
  }
  return value;
}

/**
 * The context object handed to the engine: the fields it keeps (Id, Name, RoleArn, our Original*), plus
 * placeholders for what only the adapter knows when the task runs ($$.Task.Token, $$.State.*).
 */
export function engineContext(fields: {
  executionArn: string;
  executionName: string;
  roleArn: string;
  originalInput: unknown;
  startTime: string;
  stateMachineArn: string;
  stateMachineName: string;
  /** How often the execution has been redriven, and when last (AWS's $$.Execution.RedriveCount/RedriveTime). */
  redriveCount?: number;
  redriveTime?: string;
}): Record<string, unknown> {
  return {
    Execution: {
      Id: fields.executionArn,
      Name: fields.executionName,
      RoleArn: fields.roleArn,
      OriginalInput: fields.originalInput,
      OriginalStartTime: fields.startTime,
      RedriveCount: fields.redriveCount ?? 0,
      ...(fields.redriveTime !== undefined ? { RedriveTime: fields.redriveTime } : {}),
    },
    StateMachine: { Id: fields.stateMachineArn, Name: fields.stateMachineName },
    State: {
      Name: STATE_NAME_PLACEHOLDER,
      EnteredTime: STATE_ENTERED_TIME_PLACEHOLDER,
      RetryCount: STATE_RETRY_COUNT_PLACEHOLDER,
    },
    Task: { Token: TASK_TOKEN_PLACEHOLDER },
  };
}

/** What only the adapter knows when a task runs, substituted for the placeholders in its input. */
export interface TaskRunFacts {
  token?: string;
  stateName: string;
  enteredTime: string;
  retryCount: number;
}

/** Replaces the placeholders anywhere in a task's input (also inside strings built by intrinsics). */
export function fillPlaceholders(input: unknown, facts: TaskRunFacts): unknown {
  let text = JSON.stringify(input);
  if (text === undefined) return input;
  text = text
    .replaceAll(`"${STATE_RETRY_COUNT_PLACEHOLDER}"`, String(facts.retryCount))
    .replaceAll(STATE_RETRY_COUNT_PLACEHOLDER, String(facts.retryCount))
    .replaceAll(STATE_ENTERED_TIME_PLACEHOLDER, facts.enteredTime)
    .replaceAll(STATE_NAME_PLACEHOLDER, JSON.stringify(facts.stateName).slice(1, -1));
  if (facts.token !== undefined) text = text.replaceAll(TASK_TOKEN_PLACEHOLDER, facts.token);
  return JSON.parse(text) as unknown;
}

/** Opens the envelope of a Task with *SecondsPath: its real Parameters and the resolved values. */
export function unwrapTaskInput(
  input: unknown,
  settings: TaskSettings,
): { input: unknown; timeoutSeconds: number; heartbeatSeconds?: number } {
  if (!settings.enveloped) {
    return {
      input,
      timeoutSeconds: settings.timeoutSeconds,
      ...(settings.heartbeatSeconds !== undefined ? { heartbeatSeconds: settings.heartbeatSeconds } : {}),
    };
  }
  const envelope = (input ?? {}) as Record<string, unknown>;
  const positive = (value: unknown, field: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new InvalidPathValueError(
        `${field} must select a positive integer, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  const timeoutSeconds =
    'timeoutSeconds' in envelope
      ? positive(envelope.timeoutSeconds, 'TimeoutSecondsPath')
      : settings.timeoutSeconds;
  const heartbeatSeconds =
    'heartbeatSeconds' in envelope
      ? positive(envelope.heartbeatSeconds, 'HeartbeatSecondsPath')
      : settings.heartbeatSeconds;
  return {
    input: envelope.parameters,
    timeoutSeconds,
    ...(heartbeatSeconds !== undefined ? { heartbeatSeconds } : {}),
  };
}

/** A *SecondsPath that selects something other than a positive integer: States.Runtime in AWS. */
export class InvalidPathValueError extends Error {
  override name = 'InvalidPathValueError';
}

function prepareStates(
  states: Record<string, AslState>,
  tasks: Map<string, TaskSettings>,
  engineTimeoutSeconds: number,
  scope: { enclosing: Map<string, string[]>; parents: string[] },
): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(states)) {
    if (tasks.has(name)) throw new UnsupportedDefinitionError(`State name '${name}' is used twice`);
    const inner = { enclosing: scope.enclosing, parents: [...scope.parents, name] };
    const copy = { ...state } as AslState;
    // The engine reads ResultPath "$" as a key named "$"; in ASL it means "replace the input", which
    // is also what no ResultPath does. Same in Catch.
    if (copy.ResultPath === '$') delete copy.ResultPath;
    if (Array.isArray(copy.Catch)) {
      copy.Catch = (copy.Catch as Record<string, unknown>[]).map(({ ResultPath, ...catcher }) =>
        ResultPath === '$' ? catcher : { ...catcher, ResultPath },
      );
    }
    // In AWS, States.Timeout matches a heartbeat timeout too (its error name is States.HeartbeatTimeout);
    // the engine matches by name only, so a matcher naming States.Timeout also names the heartbeat one.
    for (const field of ['Retry', 'Catch'] as const) {
      if (!Array.isArray(copy[field])) continue;
      copy[field] = (copy[field] as { ErrorEquals?: unknown }[]).map((matcher) =>
        Array.isArray(matcher.ErrorEquals) &&
        matcher.ErrorEquals.includes('States.Timeout') &&
        !matcher.ErrorEquals.includes('States.HeartbeatTimeout')
          ? { ...matcher, ErrorEquals: [...matcher.ErrorEquals, 'States.HeartbeatTimeout'] }
          : matcher,
      );
    }
    for (const field of [
      'Parameters',
      'ResultSelector',
      'InputPath',
      'OutputPath',
      'ItemsPath',
      'ItemSelector',
    ]) {
      if (field in copy) copy[field] = rewriteContextPaths(copy[field], name);
    }
    if (copy.Type === 'Task') {
      const timeoutPath = typeof copy.TimeoutSecondsPath === 'string' ? copy.TimeoutSecondsPath : undefined;
      const heartbeatPath =
        typeof copy.HeartbeatSecondsPath === 'string' ? copy.HeartbeatSecondsPath : undefined;
      const enveloped = timeoutPath !== undefined || heartbeatPath !== undefined;
      tasks.set(name, {
        resource: String(copy.Resource),
        timeoutSeconds:
          typeof copy.TimeoutSeconds === 'number' ? copy.TimeoutSeconds : AWS_DEFAULT_TASK_TIMEOUT_SECONDS,
        ...(typeof copy.HeartbeatSeconds === 'number' ? { heartbeatSeconds: copy.HeartbeatSeconds } : {}),
        ...(enveloped ? { enveloped } : {}),
      });
      if (enveloped) {
        // Parameters are evaluated against the input after InputPath; so are the paths, in the envelope.
        copy.Parameters = {
          [ENVELOPE_MARKER]: true,
          ...('Parameters' in copy ? { parameters: copy.Parameters } : { 'parameters.$': '$' }),
          ...(timeoutPath !== undefined ? { 'timeoutSeconds.$': timeoutPath } : {}),
          ...(heartbeatPath !== undefined ? { 'heartbeatSeconds.$': heartbeatPath } : {}),
        };
      }
      delete copy.HeartbeatSeconds;
      delete copy.HeartbeatSecondsPath;
      delete copy.TimeoutSecondsPath;
      copy.TimeoutSeconds = engineTimeoutSeconds;
      if (scope.parents.length > 0) scope.enclosing.set(name, scope.parents);
    }
    if (copy.Type === 'Parallel' && Array.isArray(copy.Branches)) {
      copy.Branches = (copy.Branches as AslDefinition[]).map((b) => ({
        ...b,
        States: prepareStates(b.States, tasks, engineTimeoutSeconds, inner),
      }));
    }
    if (copy.Type === 'Map') {
      for (const key of ['ItemProcessor', 'Iterator']) {
        const processor = copy[key] as AslDefinition | undefined;
        if (processor)
          copy[key] = {
            ...processor,
            States: prepareStates(processor.States, tasks, engineTimeoutSeconds, inner),
          };
      }
    }
    out[name] = copy;
  }
  return out;
}

/**
 * What the engine would silently run differently from AWS: a Distributed Map (its items read from S3,
 * batched, results written to S3, child executions) would run as an inline Map over the state input.
 * Returns one sentence per such field, naming the state; empty when the definition is faithful.
 */
export function unfaithfulFields(states: Record<string, AslState>, path: string[] = []): string[] {
  const found: string[] = [];
  const DISTRIBUTED_ONLY = [
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'Label',
  ];
  for (const [name, state] of Object.entries(states ?? {})) {
    const where = [...path, name].join(' > ');
    if (state.Type === 'Map') {
      const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
      const mode = (processor?.ProcessorConfig as { Mode?: unknown } | undefined)?.Mode;
      if (mode === 'DISTRIBUTED')
        found.push(`Map state '${where}' is a Distributed Map (ProcessorConfig.Mode DISTRIBUTED)`);
      for (const field of DISTRIBUTED_ONLY)
        if (field in state) found.push(`Map state '${where}' uses ${field}, a Distributed Map field`);
      if (processor) found.push(...unfaithfulFields(processor.States, [...path, name]));
    }
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      for (const branch of state.Branches as AslDefinition[])
        found.push(...unfaithfulFields(branch.States, [...path, name]));
    }
  }
  return found;
}

export function prepareDefinition(
  definition: AslDefinition,
  options: { engineTimeoutSeconds?: number } = {},
): PreparedDefinition {
  if (typeof definition.StartAt !== 'string' || !definition.States || typeof definition.States !== 'object') {
    throw new UnsupportedDefinitionError('A definition needs StartAt and States');
  }
  const unfaithful = unfaithfulFields(definition.States);
  if (unfaithful.length > 0) {
    throw new UnsupportedDefinitionError(
      `${unfaithful.join('; ')}: the local engine would run it as an inline Map, so it is refused`,
    );
  }
  const tasks = new Map<string, TaskSettings>();
  const enclosing = new Map<string, string[]>();
  const states = prepareStates(
    definition.States,
    tasks,
    options.engineTimeoutSeconds ?? ENGINE_SAFE_TIMEOUT_SECONDS,
    { enclosing, parents: [] },
  );
  const { TimeoutSeconds: executionTimeout, ...rest } = definition;
  return {
    // The engine arms one setTimeout for the whole execution too; above 24.8 days it fires at once.
    engineDefinition: { ...rest, States: states } as AslDefinition,
    tasks,
    topLevelStates: new Set(Object.keys(definition.States)),
    enclosing,
    ...(typeof executionTimeout === 'number' ? { executionTimeoutSeconds: executionTimeout } : {}),
  };
}

/** The same definition starting at another top-level state: how a resumed execution picks up. */
export function startingAt(definition: AslDefinition, stateName: string): AslDefinition {
  if (!(stateName in definition.States))
    throw new UnsupportedDefinitionError(`No top-level state '${stateName}'`);
  return { ...definition, StartAt: stateName };
}

/** setTimeout that works for any delay: Node's timers overflow above 2^31-1 ms and fire at once. */
export function longTimeout(ms: number, callback: () => void): { clear(): void } {
  const MAX = 2_147_483_647;
  let handle: NodeJS.Timeout;
  let cleared = false;
  const arm = (remaining: number) => {
    handle = setTimeout(
      () => {
        if (cleared) return;
        if (remaining > MAX) arm(remaining - MAX);
        else callback();
      },
      Math.max(0, Math.min(remaining, MAX)),
    );
    handle.unref?.();
  };
  arm(ms);
  return {
    clear() {
      cleared = true;
      clearTimeout(handle);
    },
  };
}
