// Prepares an ASL definition for the aws-local-stepfunctions engine. The engine has gaps that would make
// it behave unlike AWS; each is worked around here, visibly, as a pure rewrite of the definition:
//
// 1. Task timeouts: the engine applies a 60 s default to every Task and uses a single setTimeout, which
//    fires at once above 2^31-1 ms (24.8 days). AWS's default is effectively unbounded. We take
//    TimeoutSeconds and HeartbeatSeconds off the definition, enforce them in our task adapter with
//    chained timers, and give the engine a timeout that cannot fire first.
// 2. $$.Task.Token: the engine has no task tokens. References become a placeholder string our adapter
//    replaces with a fresh token per task entry.
//    The same overflow hits the execution-level TimeoutSeconds, which the service enforces instead.
// 4. ResultPath "$" (replace the whole input) is read as a field named "$": it is dropped, which means
//    the same thing in ASL.
// 3. $$.Execution.Input / StartTime: the engine overwrites both when it starts a run, which would be
//    wrong when we resume an execution mid-way after a restart; they are redirected to fields the engine
//    leaves alone and we fill with the original values.

export const TASK_TOKEN_PLACEHOLDER = '__skillcert_local_task_token__';
/** Longest timer the engine can arm safely (seconds): (2^31-1) ms, rounded down. */
export const ENGINE_SAFE_TIMEOUT_SECONDS = 2_147_483;
/** AWS Standard workflows: a Task without TimeoutSeconds may wait up to a year. */
export const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 31_536_000;

export interface TaskSettings {
  resource: string;
  timeoutSeconds: number;
  heartbeatSeconds?: number;
}

export interface PreparedDefinition {
  /** What the engine runs. */
  engineDefinition: AslDefinition;
  /** Each Task state (at any depth) by its name, with the settings we enforce ourselves. */
  tasks: Map<string, TaskSettings>;
  /** Names of the top-level states: the points an execution can resume from. */
  topLevelStates: Set<string>;
  /** The execution's TimeoutSeconds, enforced by the service (the engine's own timer overflows). */
  executionTimeoutSeconds?: number;
}

export type AslDefinition = { StartAt: string; States: Record<string, AslState> } & Record<string, unknown>;
export type AslState = { Type: string } & Record<string, unknown>;

export class UnsupportedDefinitionError extends Error {
  override name = 'UnsupportedDefinitionError';
}

function rewriteContextPaths(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value === '$$.Task.Token') return TASK_TOKEN_PLACEHOLDER;
    return value
      .replace(/^\$\$\.Execution\.Input(?=$|[.[])/, '$$$$.Execution.OriginalInput')
      .replace(/^\$\$\.Execution\.StartTime$/, '$$$$.Execution.OriginalStartTime');
  }
  if (Array.isArray(value)) return value.map(rewriteContextPaths);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      // "Field.$": "$$.Task.Token" becomes a literal "Field": placeholder.
      if (key.endsWith('.$') && v === '$$.Task.Token') out[key.slice(0, -2)] = TASK_TOKEN_PLACEHOLDER;
      else out[key] = rewriteContextPaths(v);
    }
    return out;
  }
  return value;
}

function prepareStates(
  states: Record<string, AslState>,
  tasks: Map<string, TaskSettings>,
): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(states)) {
    if (tasks.has(name)) throw new UnsupportedDefinitionError(`State name '${name}' is used twice`);
    const copy = { ...state } as AslState;
    // The engine reads ResultPath "$" as a key named "$"; in ASL it means "replace the input", which
    // is also what no ResultPath does. Same in Catch.
    if (copy.ResultPath === '$') delete copy.ResultPath;
    if (Array.isArray(copy.Catch)) {
      copy.Catch = (copy.Catch as Record<string, unknown>[]).map(({ ResultPath, ...catcher }) =>
        ResultPath === '$' ? catcher : { ...catcher, ResultPath },
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
      if (field in copy) copy[field] = rewriteContextPaths(copy[field]);
    }
    if (copy.Type === 'Task') {
      for (const pathField of ['TimeoutSecondsPath', 'HeartbeatSecondsPath']) {
        if (pathField in copy) {
          throw new UnsupportedDefinitionError(
            `State '${name}': ${pathField} is not supported by the local cloud; use a literal ${pathField.replace('Path', '')}`,
          );
        }
      }
      tasks.set(name, {
        resource: String(copy.Resource),
        timeoutSeconds:
          typeof copy.TimeoutSeconds === 'number' ? copy.TimeoutSeconds : AWS_DEFAULT_TASK_TIMEOUT_SECONDS,
        ...(typeof copy.HeartbeatSeconds === 'number' ? { heartbeatSeconds: copy.HeartbeatSeconds } : {}),
      });
      delete copy.HeartbeatSeconds;
      copy.TimeoutSeconds = ENGINE_SAFE_TIMEOUT_SECONDS;
    }
    if (copy.Type === 'Parallel' && Array.isArray(copy.Branches)) {
      copy.Branches = (copy.Branches as AslDefinition[]).map((b) => ({
        ...b,
        States: prepareStates(b.States, tasks),
      }));
    }
    if (copy.Type === 'Map') {
      for (const key of ['ItemProcessor', 'Iterator']) {
        const processor = copy[key] as AslDefinition | undefined;
        if (processor) copy[key] = { ...processor, States: prepareStates(processor.States, tasks) };
      }
    }
    out[name] = copy;
  }
  return out;
}

export function prepareDefinition(definition: AslDefinition): PreparedDefinition {
  if (typeof definition.StartAt !== 'string' || !definition.States || typeof definition.States !== 'object') {
    throw new UnsupportedDefinitionError('A definition needs StartAt and States');
  }
  const tasks = new Map<string, TaskSettings>();
  const states = prepareStates(definition.States, tasks);
  const { TimeoutSeconds: executionTimeout, ...rest } = definition;
  return {
    // The engine arms one setTimeout for the whole execution too; above 24.8 days it fires at once.
    engineDefinition: { ...rest, States: states } as AslDefinition,
    tasks,
    topLevelStates: new Set(Object.keys(definition.States)),
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
