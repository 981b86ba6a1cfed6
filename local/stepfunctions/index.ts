// The local Step Functions service: aws-local-stepfunctions runs the ASL, this file gives it what AWS
// has and the engine lacks — the JSON API the real @aws-sdk/client-sfn speaks, execution names with
// AWS's semantics, history, task tokens, timeouts and heartbeats enforced outside the engine, and
// executions that survive a restart (see docs/local-stepfunctions.md).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { startAwsJsonServer } from '../aws-json-server.js';
import type { LocalStateMachine } from '../model.js';
import {
  type AslDefinition,
  AWS_DEFAULT_TASK_TIMEOUT_SECONDS,
  ENGINE_SAFE_TIMEOUT_SECONDS,
  engineContext,
  fillPlaceholders,
  longTimeout,
  type PreparedDefinition,
  prepareDefinition,
  startingAt,
  unwrapTaskInput,
} from './definition.js';
import { type ChildExecution, createTaskRunner, TaskError, type TaskIntegrations } from './integrations.js';
import {
  closingEventType,
  describeExecutionOutput,
  EXECUTION_ARN,
  epochSeconds,
  executionArnOf,
  executionListItem,
  historyEventToAws,
  isValidExecutionName,
  notRedrivableReason,
  paginate,
  REDRIVE_TOKEN_MS,
  resourceParts,
  STATE_MACHINE_ARN,
  sfnError,
} from './protocol.js';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  type ExecutionStore,
  FileExecutionStore,
  MemoryExecutionStore,
  type PendingTask,
} from './store.js';

export type { TaskIntegrations } from './integrations.js';

import type { JsonProtocolGuard } from '../iam/json-protocol.js';
import type { SignedRequest } from '../iam/sigv4.js';

export interface StepFunctionsServiceOptions {
  port?: number;
  region: string;
  account: string;
  stateMachines: LocalStateMachine[];
  integrations: TaskIntegrations;
  store: { kind: 'memory' } | { kind: 'file'; dir: string };
  logger?: (line: string) => void;
  /**
   * Tests only. The TimeoutSeconds the engine is given for every Task (default: just under 2^31-1 ms).
   * A task that must wait longer has its engine run refreshed before this elapses; a test sets it to a
   * second or two to prove that refresh works.
   */
  engineTimeoutCeilingSeconds?: number;
  /** Tests only: runs before every API operation; may delay it or throw an AWS error (local/faults.ts). */
  beforeOperation?: (operation: string) => Promise<void>;
  /** Authorises each API call by its signer (local/iam): states:<Operation> on the resource it names. */
  guard?: JsonProtocolGuard;
}

interface Machine {
  config: LocalStateMachine;
  prepared: PreparedDefinition;
}

interface Waiter {
  resolve(output: unknown): void;
  reject(error: Error): void;
  /** Every timer of this wait; cleared when it ends. */
  timers: Set<{ clear(): void }>;
  rearmHeartbeat(): void;
}

interface Runtime {
  record: ExecutionRecord;
  machine: Machine;
  /** Bumped on every (re)launch and on stop: work left over from an older engine run is ignored. */
  generation: number;
  abort?: () => void;
  waiters: Map<string, Waiter>;
  occurrences: Map<string, number>;
  /** The top-level state a resumed run starts in: its first entry keeps the replay memo. */
  resumingAt?: string | undefined;
  /** Set by RedriveExecution: the re-entry of the failed state is recorded in history (a restart's is not). */
  redriving?: boolean;
  /** Bumped when a Map or Parallel state fails: tasks still running inside it are cancelled. */
  scopeEpochs: Map<string, number>;
  /** Per state name: when it was entered and how often it has been retried ($$.State.*). */
  visits: Map<string, { enteredTime: string; retryCount: number }>;
  /** Callbacks waiting for this execution to finish (states:startExecution.sync). */
  onFinish: ((record: ExecutionRecord) => void)[];
}

const ROLE = (account: string) => `arn:aws:iam::${account}:role/skillcert-local-state-machine-role`;
/** Step Functions' payload quota: a state's input, output and a task's result, in UTF-8 bytes (256 KiB). */
export const MAX_PAYLOAD_BYTES = 262_144;
/** Step Functions' hard quota of events in one execution's history. */
export const MAX_HISTORY_EVENTS = 25_000;
const payloadBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));
const CLOSING_EVENTS = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimedOut',
]);

/** States.DataLimitExceeded: terminal, caught by nothing (not even States.ALL), retried never. */
function dataLimitExceeded(what: string, bytes: number): TaskError {
  return new TaskError(
    'States.DataLimitExceeded',
    `${what} has ${bytes} bytes, over the ${MAX_PAYLOAD_BYTES}-byte payload quota`,
    { fatal: true },
  );
}
const NEVER = new Promise<never>(() => {});

/**
 * The engine lets `States.TaskFailed` match every task error except instances of its own
 * StatesTimeoutError class (as AWS: States.TaskFailed never matches States.Timeout). The class is not
 * exported, so we obtain it once by letting the engine time out a probe task, and throw instances of it
 * for the timeouts we enforce ourselves.
 */
async function engineTimeoutErrorClass(): Promise<new () => Error> {
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: {
        Probe: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:probe',
          TimeoutSeconds: 0.001,
          End: true,
        },
      },
    } as never,
    { validationOptions: { noValidate: true } },
  );
  const run = probe.run({}, { overrides: { taskResourceLocalHandlers: { Probe: () => NEVER } } });
  try {
    await run.result;
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    if (cause?.name === 'States.Timeout') return cause.constructor as new () => Error;
  }
  throw new Error(
    'aws-local-stepfunctions did not report States.Timeout as expected; check the engine version',
  );
}

export async function startStepFunctionsService(
  options: StepFunctionsServiceOptions,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const log = options.logger ?? (() => {});
  const StatesTimeoutError = await engineTimeoutErrorClass();
  // A heartbeat timeout is a timeout (States.TaskFailed does not match it, States.Timeout does: see the
  // matcher rewrite in definition.ts) reported under its own name, as AWS does.
  class HeartbeatTimeoutError extends StatesTimeoutError {
    constructor(message = 'No heartbeat was sent within HeartbeatSeconds') {
      super();
      this.name = 'States.HeartbeatTimeout';
      this.message = message;
    }
  }
  const isTimeout = (error: unknown): boolean => error instanceof StatesTimeoutError;
  const ceilingSeconds = options.engineTimeoutCeilingSeconds ?? ENGINE_SAFE_TIMEOUT_SECONDS;
  const store: ExecutionStore =
    options.store.kind === 'file' ? new FileExecutionStore(options.store.dir) : new MemoryExecutionStore();
  const machines = new Map<string, Machine>();
  for (const config of options.stateMachines) {
    // Validate once, as CreateStateMachine would; runs skip re-validation.
    new StateMachine(config.definition as never, {
      validationOptions: { checkArn: false, checkPaths: true },
    });
    machines.set(config.arn, {
      config,
      prepared: prepareDefinition(config.definition as AslDefinition, {
        engineTimeoutSeconds: ceilingSeconds,
      }),
    });
  }
  const executions = new Map<string, Runtime>();
  const tokenOwners = new Map<string, string>();
  let stopped = false;

  const runner = createTaskRunner(options.integrations, {
    region: options.region,
    startExecution: async (input) => {
      const out = await startExecution(
        { stateMachineArn: input.StateMachineArn, input: input.Input, name: input.Name },
        // A resumed .sync task starts its child again: attach to the one it started before.
        { attachToFinished: true },
      );
      return { ExecutionArn: out.executionArn, StartDate: new Date(out.startDate * 1000) };
    },
    executionFinished: (executionArn) =>
      new Promise<ChildExecution>((resolve) => {
        const runtime = executions.get(executionArn);
        if (!runtime) throw new Error(`No execution ${executionArn}`);
        const settle = (r: ExecutionRecord) =>
          resolve({
            executionArn: r.executionArn,
            stateMachineArn: r.stateMachineArn,
            name: r.name,
            status: r.status as ChildExecution['status'],
            input: r.input,
            startDate: r.startDate,
            stopDate: r.stopDate ?? Date.now(),
            ...(r.output !== undefined ? { output: r.output } : {}),
            ...(r.error !== undefined ? { error: r.error } : {}),
            ...(r.cause !== undefined ? { cause: r.cause } : {}),
          });
        if (runtime.record.status !== 'RUNNING') settle(runtime.record);
        else runtime.onFinish.push(settle);
      }),
  });

  function persist(runtime: Runtime): Promise<void> {
    // After stop() nothing is written: whatever was in flight re-runs on the next start (at-least-once).
    if (stopped) return Promise.resolve();
    return store
      .save(runtime.record)
      .catch((error: Error) => log(`could not persist execution: ${error.message}`));
  }

  function addHistory(
    runtime: Runtime,
    type: string,
    details?: Record<string, unknown>,
    timestamp = Date.now(),
  ) {
    const history = runtime.record.history;
    // AWS: once 24,999 events are recorded, event 25,000 may only close the execution; anything else
    // fails it (ExecutionFailed becomes event 25,000).
    if (history.length >= MAX_HISTORY_EVENTS - 1 && !CLOSING_EVENTS.has(type)) {
      if (runtime.record.status === 'RUNNING') {
        finish(runtime, 'FAILED', {
          error: 'States.Runtime',
          cause: `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
        });
        runtime.abort?.();
      }
      return;
    }
    const previous = history[history.length - 1];
    history.push({
      id: history.length + 1,
      previousEventId: previous ? previous.id : 0,
      // Engine events carry the time they happened and may be recorded a moment later: never go back.
      timestamp: Math.max(timestamp, previous?.timestamp ?? 0),
      type,
      ...(details ? { details } : {}),
    });
  }

  function closeToken(runtime: Runtime, token: string, why: 'done' | 'timed-out') {
    const waiter = runtime.waiters.get(token);
    if (waiter) for (const t of waiter.timers) t.clear();
    runtime.waiters.delete(token);
    runtime.record.pending = runtime.record.pending.filter((p) => p.token !== token);
    runtime.record.closedTokens[token] = why;
    tokenOwners.delete(token);
  }

  function finish(
    runtime: Runtime,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    fields: { output?: unknown; error?: string; cause?: string },
  ) {
    const record = runtime.record;
    if (record.status !== 'RUNNING') return;
    runtime.generation++;
    record.status = status;
    record.stopDate = Date.now();
    if (fields.output !== undefined) record.output = JSON.stringify(fields.output);
    if (fields.error !== undefined) record.error = fields.error;
    if (fields.cause !== undefined) record.cause = fields.cause;
    // Tokens die with their execution (SendTask* on them: TaskTimedOut).
    for (const pending of [...record.pending]) closeToken(runtime, pending.token, 'done');
    for (const waiter of runtime.waiters.values()) for (const t of waiter.timers) t.clear();
    runtime.waiters.clear();
    // An unsuccessful execution keeps where it stopped and what had finished there: a redrive continues
    // from that state without re-running the tasks that succeeded (RedriveExecution).
    if (status === 'SUCCEEDED') {
      record.memo = [];
      record.current = undefined;
    }
    addHistory(
      runtime,
      closingEventType(status),
      status === 'SUCCEEDED'
        ? { output: record.output, outputDetails: { truncated: false } }
        : {
            ...(record.error !== undefined ? { error: record.error } : {}),
            ...(record.cause !== undefined ? { cause: record.cause } : {}),
          },
    );
    log(`execution ${record.name} ${status}${record.error ? ` (${record.error})` : ''}`);
    void persist(runtime);
    for (const listener of runtime.onFinish.splice(0)) listener(record);
  }

  /**
   * Aborts the engine run and starts it again from the current top-level state, replaying finished
   * tasks from the memo and re-attaching waiting tasks to their tokens — the same path as a restart.
   * Used before the engine's own Task timer (at most 2^31-1 ms) could fire on a longer wait.
   */
  function refresh(runtime: Runtime) {
    if (stopped || runtime.record.status !== 'RUNNING') return;
    log(`refreshing the engine run of ${runtime.record.name} before its task timer could fire`);
    runtime.generation++;
    for (const waiter of runtime.waiters.values()) for (const t of waiter.timers) t.clear();
    runtime.waiters.clear();
    runtime.abort?.();
    void launch(runtime);
  }

  /** Waits for SendTaskSuccess/Failure on a pending task, enforcing its timeout and heartbeat. */
  function awaitToken(runtime: Runtime, pending: PendingTask): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timers = new Set<{ clear(): void }>();
      let heartbeat: { clear(): void } | undefined;
      const fail = (error: Error) => {
        closeToken(runtime, pending.token, 'timed-out');
        void persist(runtime);
        reject(error);
      };
      const waiter: Waiter = {
        resolve,
        reject,
        timers,
        rearmHeartbeat() {
          if (heartbeat) {
            heartbeat.clear();
            timers.delete(heartbeat);
          }
          if (pending.heartbeatAt === undefined) return;
          heartbeat = longTimeout(pending.heartbeatAt - Date.now(), () => fail(new HeartbeatTimeoutError()));
          timers.add(heartbeat);
        },
      };
      // Absolute deadlines: after a restart the task gets only what was left of its time.
      timers.add(longTimeout(pending.timeoutAt - Date.now(), () => fail(new StatesTimeoutError())));
      waiter.rearmHeartbeat();
      const refreshAfterMs = ceilingSeconds * 1000 * 0.9;
      if (pending.timeoutAt - Date.now() > refreshAfterMs) {
        timers.add(longTimeout(refreshAfterMs, () => refresh(runtime)));
      }
      runtime.waiters.set(pending.token, waiter);
      tokenOwners.set(pending.token, runtime.record.executionArn);
    });
  }

  function taskHandler(runtime: Runtime, stateName: string, generation: number) {
    const settings = runtime.machine.prepared.tasks.get(stateName);
    if (!settings) throw new Error(`No task settings for ${stateName}`);
    const parsed = runner.parse(settings.resource);
    const parts = resourceParts(settings.resource);
    const scopes = runtime.machine.prepared.enclosing.get(stateName) ?? [];

    return async (engineInput: unknown): Promise<unknown> => {
      // The engine calls us synchronously, before our event-log reader has seen this state's
      // StateEntered/StateRetried; one macrotask later it has, so the memo and $$.State belong to this visit.
      await new Promise((resolve) => setImmediate(resolve));
      // A task inside a Map or Parallel state that has failed meanwhile is cancelled, as in AWS: whatever
      // it does later is not recorded, and its token is dead.
      const epochs = scopes.map((scope) => runtime.scopeEpochs.get(scope) ?? 0);
      const current = () =>
        generation === runtime.generation &&
        !stopped &&
        scopes.every((scope, i) => (runtime.scopeEpochs.get(scope) ?? 0) === epochs[i]);
      if (!current()) return NEVER;
      const record = runtime.record;
      let unwrapped: ReturnType<typeof unwrapTaskInput>;
      try {
        unwrapped = unwrapTaskInput(engineInput, settings);
      } catch (error) {
        throw new TaskError('States.Runtime', (error as Error).message, { fatal: true });
      }
      const inputBytes = payloadBytes(unwrapped.input);
      if (inputBytes > MAX_PAYLOAD_BYTES)
        throw dataLimitExceeded(`The input of task ${stateName}`, inputBytes);
      const visit = runtime.visits.get(stateName) ?? { enteredTime: new Date().toISOString(), retryCount: 0 };
      const facts = { stateName, enteredTime: visit.enteredTime, retryCount: visit.retryCount };
      // The memo key uses the input before placeholders are filled: the same on a resumed run.
      const base = createHash('sha256')
        .update(`${stateName}\n${JSON.stringify(unwrapped.input)}`)
        .digest('hex')
        .slice(0, 32);
      const occurrence = (runtime.occurrences.get(base) ?? 0) + 1;
      runtime.occurrences.set(base, occurrence);
      const key = `${base}#${occurrence}`;

      // A resumed run replays what already finished instead of doing it twice.
      const memo = record.memo.find((m) => m.key === key);
      if (memo) {
        if (memo.outcome.ok) return memo.outcome.output;
        throw memo.outcome.error === 'States.Timeout'
          ? new StatesTimeoutError()
          : memo.outcome.error === 'States.HeartbeatTimeout'
            ? new HeartbeatTimeoutError(memo.outcome.cause)
            : new TaskError(memo.outcome.error, memo.outcome.cause);
      }
      const remember = (outcome: ExecutionRecord['memo'][number]['outcome']) => {
        record.memo.push({ key, outcome });
        void persist(runtime);
      };
      const timeoutInSeconds =
        unwrapped.timeoutSeconds !== AWS_DEFAULT_TASK_TIMEOUT_SECONDS ? unwrapped.timeoutSeconds : undefined;
      // AWS records LambdaFunction* events (not Task*) for a plain function ARN Resource; we record Task*
      // for every resource, which the local-cloud tests and tools read uniformly (docs: known differences).
      const scheduled = (parameters: unknown) =>
        addHistory(runtime, 'TaskScheduled', {
          ...parts,
          region: options.region,
          parameters: JSON.stringify(parameters),
          ...(timeoutInSeconds !== undefined ? { timeoutInSeconds } : {}),
          ...(unwrapped.heartbeatSeconds !== undefined
            ? { heartbeatInSeconds: unwrapped.heartbeatSeconds }
            : {}),
        });
      const started = () => addHistory(runtime, 'TaskStarted', parts);

      try {
        let output: unknown;
        if (parsed?.mode === 'callback') {
          let pending = record.pending.find((p) => p.key === key);
          if (pending) {
            // Resumed: the call that handed out the token was made before; wait for the SAME token.
            output = await awaitToken(runtime, pending);
          } else {
            const token = randomBytes(48).toString('base64url');
            const now = Date.now();
            pending = {
              token,
              stateName,
              key,
              timeoutAt: now + unwrapped.timeoutSeconds * 1000,
              ...(unwrapped.heartbeatSeconds !== undefined
                ? {
                    heartbeatSeconds: unwrapped.heartbeatSeconds,
                    heartbeatAt: now + unwrapped.heartbeatSeconds * 1000,
                  }
                : {}),
            };
            record.pending.push(pending);
            const withToken = fillPlaceholders(unwrapped.input, { ...facts, token });
            scheduled(withToken);
            const waiting = awaitToken(runtime, pending);
            // The token is on disk before anyone can see it: a restart can always find it again.
            await persist(runtime);
            if (!current()) return NEVER;
            started();
            let submitted: unknown;
            try {
              submitted = await runner.run(settings.resource, withToken, runtime.machine.config.arn);
            } catch (error) {
              // The call that hands out the token failed: nobody can answer it, so the task fails now.
              closeToken(runtime, token, 'done');
              waiting.catch(() => {});
              throw error;
            }
            if (!current()) return NEVER;
            addHistory(runtime, 'TaskSubmitted', { ...parts, output: JSON.stringify(submitted ?? {}) });
            void persist(runtime);
            output = await waiting;
          }
        } else {
          const input = fillPlaceholders(unwrapped.input, facts);
          scheduled(input);
          started();
          const timer = { handle: undefined as { clear(): void } | undefined };
          const timedOut = new Promise<never>((_, reject) => {
            timer.handle = longTimeout(unwrapped.timeoutSeconds * 1000, () =>
              reject(new StatesTimeoutError()),
            );
          });
          try {
            output = await Promise.race([
              runner.run(settings.resource, input, runtime.machine.config.arn),
              timedOut,
            ]);
          } finally {
            timer.handle?.clear();
          }
        }
        if (!current()) return NEVER;
        const resultBytes = payloadBytes(output);
        if (resultBytes > MAX_PAYLOAD_BYTES)
          throw dataLimitExceeded(`The result of task ${stateName}`, resultBytes);
        addHistory(runtime, 'TaskSucceeded', { ...parts, output: JSON.stringify(output) });
        remember({ ok: true, output });
        return output;
      } catch (error) {
        if (!current() || runtime.record.status !== 'RUNNING') return NEVER;
        const e = error as Error;
        const timedOut = isTimeout(error);
        const cause = e.message;
        addHistory(runtime, timedOut ? 'TaskTimedOut' : 'TaskFailed', { ...parts, error: e.name, cause });
        // A States.Runtime failure ends the execution; nothing to replay.
        if (!(e instanceof TaskError && !e.isRetryable)) remember({ ok: false, error: e.name, cause });
        throw error;
      }
    };
  }

  function recordEngineEvent(runtime: Runtime, event: EngineEvent) {
    const { record, machine } = runtime;
    const state = event.state;
    const at = event.timestamp ?? Date.now();
    // Any state's input or output over the quota ends the execution with States.DataLimitExceeded, which
    // no Catch can handle (the engine knows no such limit: we stop its run).
    const carried =
      event.type === 'StateEntered' ? state?.input : event.type === 'StateExited' ? state?.output : undefined;
    if (state && carried !== undefined && record.status === 'RUNNING') {
      const bytes = payloadBytes(carried);
      if (bytes > MAX_PAYLOAD_BYTES) {
        const what = `The ${event.type === 'StateEntered' ? 'input' : 'output'} of state ${state.name}`;
        finish(runtime, 'FAILED', {
          error: 'States.DataLimitExceeded',
          cause: dataLimitExceeded(what, bytes).message,
        });
        runtime.abort?.();
        return;
      }
    }
    switch (event.type) {
      case 'StateEntered': {
        if (!state) return;
        runtime.visits.set(state.name, { enteredTime: new Date(at).toISOString(), retryCount: 0 });
        if (machine.prepared.topLevelStates.has(state.name) && event.index === undefined) {
          record.current = { stateName: state.name, input: state.input };
          if (runtime.resumingAt === state.name) {
            // A resumed run re-enters the state it was in and keeps its memo. After a restart history
            // already has that entry; after a redrive the state is entered again, visibly.
            runtime.resumingAt = undefined;
            const redriving = runtime.redriving;
            runtime.redriving = false;
            if (!redriving) {
              void persist(runtime);
              return;
            }
            addHistory(
              runtime,
              `${state.type}StateEntered`,
              { name: state.name, input: JSON.stringify(state.input), inputDetails: { truncated: false } },
              at,
            );
            if (state.type === 'Parallel') addHistory(runtime, 'ParallelStateStarted', undefined, at);
            if (state.type === 'Map') addHistory(runtime, 'MapStateStarted', undefined, at);
            void persist(runtime);
            return;
          }
          record.memo = [];
          runtime.occurrences.clear();
        }
        addHistory(
          runtime,
          `${state.type}StateEntered`,
          { name: state.name, input: JSON.stringify(state.input), inputDetails: { truncated: false } },
          at,
        );
        if (state.type === 'Parallel') addHistory(runtime, 'ParallelStateStarted', undefined, at);
        if (state.type === 'Map') addHistory(runtime, 'MapStateStarted', undefined, at);
        void persist(runtime);
        return;
      }
      case 'StateRetried': {
        const visit = state ? runtime.visits.get(state.name) : undefined;
        if (visit) visit.retryCount++;
        return;
      }
      case 'StateExited': {
        if (!state) return;
        if (state.type === 'Parallel' || state.type === 'Map')
          addHistory(runtime, `${state.type}StateSucceeded`, undefined, at);
        addHistory(
          runtime,
          `${state.type}StateExited`,
          { name: state.name, output: JSON.stringify(state.output), outputDetails: { truncated: false } },
          at,
        );
        return;
      }
      case 'StateFailed': {
        if (state && (state.type === 'Parallel' || state.type === 'Map')) {
          addHistory(runtime, `${state.type}StateFailed`, undefined, at);
          // The iterations or branches still running are stopped: their waiting tasks' tokens die.
          runtime.scopeEpochs.set(state.name, (runtime.scopeEpochs.get(state.name) ?? 0) + 1);
          for (const pending of [...record.pending]) {
            if (machine.prepared.enclosing.get(pending.stateName)?.includes(state.name))
              closeToken(runtime, pending.token, 'done');
          }
          void persist(runtime);
        }
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        addHistory(runtime, event.type, { name: event.parentState?.name, index: event.index }, at);
        return;
      default:
        // ParallelBranch* and Execution* events have no counterpart (we write Execution* ourselves).
        return;
    }
  }

  async function launch(runtime: Runtime) {
    const { record, machine } = runtime;
    const generation = ++runtime.generation;
    const resume = record.current;
    runtime.resumingAt = resume?.stateName;
    runtime.occurrences.clear();
    const definition = resume
      ? startingAt(machine.prepared.engineDefinition, resume.stateName)
      : machine.prepared.engineDefinition;
    const engine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
    const handlers = Object.fromEntries(
      [...machine.prepared.tasks.keys()].map((name) => [name, taskHandler(runtime, name, generation)]),
    );
    const originalInput = JSON.parse(record.input) as unknown;
    const run = engine.run((resume ? resume.input : originalInput) as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      noThrowOnAbort: true,
      context: engineContext({
        executionArn: record.executionArn,
        executionName: record.name,
        roleArn: ROLE(options.account),
        originalInput,
        startTime: new Date(record.startDate).toISOString(),
        stateMachineArn: machine.config.arn,
        stateMachineName: machine.config.name,
        redriveCount: record.redriveCount ?? 0,
        ...(record.redriveDate !== undefined
          ? { redriveTime: new Date(record.redriveDate).toISOString() }
          : {}),
      }) as never,
    });
    runtime.abort = run.abort;
    const executionTimeout = machine.prepared.executionTimeoutSeconds;
    const executionTimer =
      executionTimeout === undefined
        ? undefined
        : // A redrive starts the execution's own timeout afresh, as in AWS.
          longTimeout((record.redriveDate ?? record.startDate) + executionTimeout * 1000 - Date.now(), () => {
            if (generation !== runtime.generation) return;
            finish(runtime, 'TIMED_OUT', {
              error: 'States.Timeout',
              cause: 'The execution ran longer than its TimeoutSeconds',
            });
            run.abort();
          });

    const drained = (async () => {
      for await (const event of run.eventLogs) {
        if (generation !== runtime.generation || stopped) break;
        recordEngineEvent(runtime, event as EngineEvent);
      }
    })().catch((error: Error) => log(`event log: ${error.message}`));

    try {
      const output = await run.result.finally(() => executionTimer?.clear());
      // The engine closes its event log when a run ends: record the last states before the closing event.
      await drained;
      if (generation === runtime.generation && !stopped) finish(runtime, 'SUCCEEDED', { output });
    } catch (error) {
      await drained;
      if (generation !== runtime.generation || stopped) return;
      const cause = (error as Error & { cause?: Error }).cause ?? (error as Error);
      finish(runtime, 'FAILED', { error: cause.name, cause: cause.message });
    }
  }

  function newRuntime(record: ExecutionRecord, machine: Machine): Runtime {
    return {
      record,
      machine,
      generation: 0,
      waiters: new Map(),
      occurrences: new Map(),
      visits: new Map(),
      scopeEpochs: new Map(),
      onFinish: [],
    };
  }

  /**
   * RedriveExecution: an unsuccessful Standard execution continues from the state where it stopped, with
   * that state's input, the same ARN and history. Tasks that had succeeded inside that state (a Map's other
   * iterations, a Parallel's other branches) are replayed, not re-run; failed ones run again with their
   * retries counted afresh; waiting tasks get new tokens.
   */
  function redriveExecution(input: Record<string, unknown>) {
    const runtime = executionFor(input.executionArn);
    const { record, machine } = runtime;
    const clientToken = input.clientToken;
    if (
      clientToken !== undefined &&
      (typeof clientToken !== 'string' || clientToken.length < 1 || clientToken.length > 64)
    ) {
      throw sfnError(
        'ValidationException',
        "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length between 1 and 64",
      );
    }
    const now = Date.now();
    const earlier =
      typeof clientToken === 'string'
        ? record.redrives?.find((r) => r.clientToken === clientToken && now - r.at < REDRIVE_TOKEN_MS)
        : undefined;
    if (earlier) return { redriveDate: epochSeconds(earlier.at) };
    const reason = notRedrivableReason(record, machine.config.type, now);
    if (reason) throw sfnError('ExecutionNotRedrivable', `Execution Not Redrivable: ${reason}`);

    record.status = 'RUNNING';
    record.redriveCount = (record.redriveCount ?? 0) + 1;
    record.redriveDate = now;
    record.redrives = [
      ...(record.redrives ?? []),
      { clientToken: typeof clientToken === 'string' ? clientToken : randomUUID(), at: now },
    ].slice(-10);
    delete record.stopDate;
    delete record.output;
    delete record.error;
    delete record.cause;
    // What failed runs again; what succeeded is replayed.
    record.memo = record.memo.filter((m) => m.outcome.ok);
    runtime.redriving = record.current !== undefined;
    addHistory(runtime, 'ExecutionRedriven', { redriveCount: record.redriveCount }, now);
    log(
      `execution ${record.name} redriven (${record.redriveCount}) at ${record.current?.stateName ?? 'its start'}`,
    );
    void persist(runtime);
    void launch(runtime);
    return { redriveDate: epochSeconds(now) };
  }

  function machineFor(stateMachineArn: unknown): Machine {
    if (typeof stateMachineArn !== 'string' || !STATE_MACHINE_ARN.test(stateMachineArn)) {
      throw sfnError('InvalidArn', `Invalid Arn: '${String(stateMachineArn)}'`);
    }
    const machine = machines.get(stateMachineArn);
    if (!machine)
      throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return machine;
  }

  function executionFor(executionArn: unknown): Runtime {
    if (typeof executionArn !== 'string' || !EXECUTION_ARN.test(executionArn)) {
      throw sfnError('InvalidArn', `Invalid Arn: '${String(executionArn)}'`);
    }
    const runtime = executions.get(executionArn);
    if (!runtime) throw sfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return runtime;
  }

  async function startExecution(
    input: { stateMachineArn?: unknown; name?: unknown; input?: unknown },
    internal: { attachToFinished?: boolean } = {},
  ) {
    const machine = machineFor(input.stateMachineArn);
    const name = input.name === undefined || input.name === null ? randomUUID() : input.name;
    if (!isValidExecutionName(name)) throw sfnError('InvalidName', `Invalid Name: '${String(name)}'`);
    const text =
      input.input === undefined || input.input === null
        ? '{}'
        : typeof input.input === 'string'
          ? input.input
          : JSON.stringify(input.input);
    try {
      JSON.parse(text);
    } catch (error) {
      throw sfnError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      );
    }
    if (Buffer.byteLength(text) > 256 * 1024) {
      throw sfnError('InvalidExecutionInput', 'Execution input is larger than 256 KB');
    }
    const executionArn = executionArnOf(machine.config.arn, name);
    const existing = executions.get(executionArn);
    if (existing) {
      // AWS (Standard): the same name and input while RUNNING is idempotent; otherwise the name is taken.
      const sameInput = existing.record.input === text;
      if (sameInput && (existing.record.status === 'RUNNING' || internal.attachToFinished)) {
        return { executionArn, startDate: epochSeconds(existing.record.startDate) };
      }
      throw sfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.config.arn,
      name,
      input: text,
      status: 'RUNNING',
      startDate: Date.now(),
      history: [],
      pending: [],
      memo: [],
      closedTokens: {},
    };
    const runtime = newRuntime(record, machine);
    executions.set(executionArn, runtime);
    addHistory(runtime, 'ExecutionStarted', {
      input: text,
      inputDetails: { truncated: false },
      roleArn: ROLE(options.account),
    });
    await persist(runtime);
    log(`execution ${name} started on ${machine.config.name}`);
    void launch(runtime);
    return { executionArn, startDate: epochSeconds(record.startDate) };
  }

  /**
   * Like ownerOfToken, but a token that is pending in a resumed (or refreshed) execution whose engine run
   * has not re-attached to it yet is given a moment to do so, instead of being refused.
   */
  async function ownerOfTokenSoon(token: unknown): Promise<ReturnType<typeof ownerOfToken>> {
    for (let i = 0; ; i++) {
      try {
        return ownerOfToken(token);
      } catch (error) {
        const arn = typeof token === 'string' ? tokenOwners.get(token) : undefined;
        const stillPending = arn && executions.get(arn)?.record.pending.some((p) => p.token === token);
        if (!stillPending || i >= 100 || stopped) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  /** The waiting task a token belongs to, or the error AWS gives for that token. */
  function ownerOfToken(token: unknown): { runtime: Runtime; waiter: Waiter; pending: PendingTask } {
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) {
      throw sfnError('InvalidToken', 'Invalid Token: the task token must be 1 to 1024 characters');
    }
    const arn = tokenOwners.get(token);
    const runtime = arn ? executions.get(arn) : undefined;
    const waiter = runtime?.waiters.get(token);
    const pending = runtime?.record.pending.find((p) => p.token === token);
    if (runtime && waiter && pending) return { runtime, waiter, pending };
    // AWS answers TaskTimedOut for every token whose task is closed — answered, timed out, or ended with
    // its execution ("the task token has either expired or the task associated with the token has
    // already been closed"); TaskDoesNotExist is about activities, which the local cloud does not run.
    for (const r of executions.values()) {
      if (r.record.closedTokens[token])
        throw sfnError(
          'TaskTimedOut',
          'Task Timed Out: Provided task does not exist anymore or it has already been closed',
        );
    }
    throw sfnError('InvalidToken', 'Invalid Token: no task has this token');
  }

  // Pick up where a previous run of the local cloud left off.
  const stored = await store.loadAll((file, error) =>
    log(`skipping unreadable execution file ${file}: ${error.message}`),
  );
  for (const record of stored) {
    const machine = machines.get(record.stateMachineArn);
    if (!machine) {
      log(`skipping stored execution ${record.executionArn}: its state machine is no longer defined`);
      continue;
    }
    const runtime = newRuntime(record, machine);
    executions.set(record.executionArn, runtime);
    for (const pending of record.pending) tokenOwners.set(pending.token, record.executionArn);
  }
  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    StartExecution: (input) => startExecution(input),
    DescribeExecution: (input) => {
      const { record, machine } = executionFor(input.executionArn);
      return describeExecutionOutput(record, machine.config.type);
    },
    RedriveExecution: (input) => redriveExecution(input),
    ListExecutions: (input) => {
      const machine = machineFor(input.stateMachineArn);
      const filter = input.statusFilter;
      if (
        filter !== undefined &&
        !['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'].includes(String(filter))
      ) {
        throw sfnError(
          'ValidationException',
          `1 validation error detected: Value '${String(filter)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set`,
        );
      }
      const redriveFilter = input.redriveFilter;
      if (redriveFilter !== undefined && !['REDRIVEN', 'NOT_REDRIVEN'].includes(String(redriveFilter))) {
        throw sfnError(
          'ValidationException',
          `1 validation error detected: Value '${String(redriveFilter)}' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set`,
        );
      }
      const redriven = (r: ExecutionRecord) => (r.redriveCount ?? 0) > 0;
      const all = [...executions.values()]
        .map((r) => r.record)
        .filter(
          (r) =>
            r.stateMachineArn === machine.config.arn &&
            (filter === undefined || r.status === filter) &&
            (redriveFilter === undefined || redriven(r) === (redriveFilter === 'REDRIVEN')),
        )
        .sort((a, b) => b.startDate - a.startDate || b.name.localeCompare(a.name));
      const { page, nextToken } = paginate(all, input);
      return { executions: page.map(executionListItem), ...(nextToken ? { nextToken } : {}) };
    },
    GetExecutionHistory: (input) => {
      const { record } = executionFor(input.executionArn);
      const events = input.reverseOrder === true ? [...record.history].reverse() : record.history;
      const { page, nextToken } = paginate(events, input);
      return { events: page.map(historyEventToAws), ...(nextToken ? { nextToken } : {}) };
    },
    StopExecution: (input) => {
      const runtime = executionFor(input.executionArn);
      if (runtime.record.status === 'RUNNING') {
        finish(runtime, 'ABORTED', {
          ...(typeof input.error === 'string' ? { error: input.error } : {}),
          ...(typeof input.cause === 'string' ? { cause: input.cause } : {}),
        });
        runtime.abort?.();
      }
      return { stopDate: epochSeconds(runtime.record.stopDate ?? Date.now()) };
    },
    SendTaskSuccess: async (input) => {
      // The API's own constraint on output (UTF-8 bytes), checked before the token is looked at.
      if (typeof input.output === 'string' && Buffer.byteLength(input.output) > MAX_PAYLOAD_BYTES) {
        throw sfnError(
          'ValidationException',
          `1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
        );
      }
      const owner = await ownerOfTokenSoon(input.taskToken);
      let output: unknown;
      try {
        if (typeof input.output !== 'string') throw new Error('output must be a string');
        output = JSON.parse(input.output);
      } catch (error) {
        throw sfnError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
      }
      closeToken(owner.runtime, owner.pending.token, 'done');
      void persist(owner.runtime);
      owner.waiter.resolve(output);
      return {};
    },
    SendTaskFailure: async (input) => {
      // SendTaskFailure's constraints: error at most 256 characters, cause at most 32,768.
      for (const [field, max] of [
        ['error', 256],
        ['cause', 32_768],
      ] as const) {
        const value = input[field];
        if (typeof value === 'string' && value.length > max) {
          throw sfnError(
            'ValidationException',
            `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
          );
        }
      }
      const owner = await ownerOfTokenSoon(input.taskToken);
      closeToken(owner.runtime, owner.pending.token, 'done');
      void persist(owner.runtime);
      owner.waiter.reject(
        new TaskError(
          typeof input.error === 'string' ? input.error : '',
          typeof input.cause === 'string' ? input.cause : '',
        ),
      );
      return {};
    },
    SendTaskHeartbeat: async (input) => {
      const owner = await ownerOfTokenSoon(input.taskToken);
      if (owner.pending.heartbeatSeconds !== undefined) {
        owner.pending.heartbeatAt = Date.now() + owner.pending.heartbeatSeconds * 1000;
        owner.waiter.rearmHeartbeat();
        void persist(owner.runtime);
      }
      return {};
    },
    DescribeStateMachine: (input) => {
      const { config } = machineFor(input.stateMachineArn);
      return {
        stateMachineArn: config.arn,
        name: config.name,
        status: 'ACTIVE',
        definition: JSON.stringify(config.definition),
        roleArn: ROLE(options.account),
        type: config.type,
        creationDate: 0,
      };
    },
    ListStateMachines: (input) => {
      const all = [...machines.values()].map(({ config }) => ({
        stateMachineArn: config.arn,
        name: config.name,
        type: config.type,
        creationDate: 0,
      }));
      const { page, nextToken } = paginate(all, input);
      return { stateMachines: page, ...(nextToken ? { nextToken } : {}) };
    },
  };
  /** The ARN an operation acts on, as IAM sees it: the state machine, or the execution. */
  function resourceOf(operation: string, input: Record<string, unknown>): string | undefined {
    if (typeof input.executionArn === 'string') return input.executionArn;
    if (typeof input.stateMachineArn === 'string') return input.stateMachineArn;
    if (operation.startsWith('SendTask')) {
      // Task responses are authorised on the state machine whose execution handed the token out.
      const owner = typeof input.taskToken === 'string' ? tokenOwners.get(input.taskToken) : undefined;
      return owner ? executions.get(owner)?.record.stateMachineArn : undefined;
    }
    return operation.startsWith('List') ? '*' : undefined;
  }
  const guard = options.guard;
  const before = options.beforeOperation;
  const server = await startAwsJsonServer({
    ...(guard
      ? {
          authorize: (operation: string, input: Record<string, unknown>, request: SignedRequest) => {
            const resource = resourceOf(operation, input);
            // No resource (an unknown token or ARN): only the signer is checked; the operation answers.
            return guard(request, resource ? [{ action: `states:${operation}`, resource }] : []);
          },
        }
      : {}),
    targetPrefix: 'AWSStepFunctions',
    jsonVersion: '1.0',
    ...(options.port ? { port: options.port } : {}),
    logger: log,
    operations: before
      ? Object.fromEntries(
          Object.entries(operations).map(([name, operation]) => [
            name,
            async (input: Record<string, unknown>) => {
              await before(name);
              return operation(input);
            },
          ]),
        )
      : operations,
  });

  for (const runtime of executions.values()) {
    if (runtime.record.status !== 'RUNNING') continue;
    log(`resuming execution ${runtime.record.name} at ${runtime.record.current?.stateName ?? 'its start'}`);
    void launch(runtime);
  }

  return {
    endpoint: server.endpoint,
    async stop() {
      stopped = true;
      for (const runtime of executions.values()) {
        runtime.generation++;
        for (const waiter of runtime.waiters.values()) for (const t of waiter.timers) t.clear();
        runtime.waiters.clear();
        runtime.abort?.();
      }
      await server.stop();
      await store.flush();
      runner.destroy();
    },
  };
}

/** The events aws-local-stepfunctions yields from run().eventLogs that we translate into history. */
interface EngineEvent {
  type: string;
  timestamp?: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  index?: number;
  parentState?: { name: string; type: string };
}
