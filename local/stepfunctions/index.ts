// The local Step Functions service: aws-local-stepfunctions runs the ASL, this file gives it what AWS
// has and the engine lacks — the JSON API the real @aws-sdk/client-sfn speaks, execution names with
// AWS's semantics, history, task tokens, timeouts enforced outside the engine, and executions that
// survive a restart (see docs/local-stepfunctions.md).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { AwsServiceError, startAwsJsonServer } from '../aws-json-server.js';
import type { LocalStateMachine } from '../model.js';
import {
  type AslDefinition,
  longTimeout,
  type PreparedDefinition,
  prepareDefinition,
  startingAt,
  TASK_TOKEN_PLACEHOLDER,
} from './definition.js';
import { createTaskRunner, TaskError, type TaskIntegrations } from './integrations.js';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  type ExecutionStore,
  FileExecutionStore,
  type HistoryEvent,
  MemoryExecutionStore,
  type PendingTask,
} from './store.js';

export type { TaskIntegrations } from './integrations.js';

export interface StepFunctionsServiceOptions {
  port?: number;
  region: string;
  account: string;
  stateMachines: LocalStateMachine[];
  integrations: TaskIntegrations;
  store: { kind: 'memory' } | { kind: 'file'; dir: string };
  logger?: (line: string) => void;
}

interface Machine {
  config: LocalStateMachine;
  prepared: PreparedDefinition;
}

interface Waiter {
  resolve(output: unknown): void;
  reject(error: Error): void;
  timers: { clear(): void }[];
}

interface Runtime {
  record: ExecutionRecord;
  machine: Machine;
  abort?: () => void;
  waiters: Map<string, Waiter>;
  occurrences: Map<string, number>;
  /** The state a resumed run starts in: its first entry keeps the replay memo. */
  resumingAt?: string | undefined;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;
const EXECUTION_ARN = /^arn:aws:states:[^:]+:\d{12}:execution:([^:]+):([^:]+)$/;
const STATE_MACHINE_ARN = /^arn:aws:states:[^:]+:\d{12}:stateMachine:[^:]+$/;

type TimeoutErrorClass = new () => Error;

/**
 * The engine only treats its own StatesTimeoutError as a timeout when matching `States.TaskFailed`
 * (which, in AWS, matches every task error except States.Timeout). The class is not exported, so we
 * obtain it once by letting the engine time out a task, and throw instances of it for our timeouts.
 */
async function engineTimeoutErrorClass(): Promise<TimeoutErrorClass> {
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
  const run = probe.run(
    {},
    { overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => {}) } } },
  );
  try {
    await run.result;
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    if (cause?.name === 'States.Timeout') return cause.constructor as TimeoutErrorClass;
  }
  throw new Error(
    'aws-local-stepfunctions did not report States.Timeout as expected; check the engine version',
  );
}

/** AWS-style paging: maxResults (default 100, at most 1000) and an opaque nextToken. */
function paginate<T>(items: T[], input: Record<string, unknown>): { page: T[]; nextToken?: string } {
  const max = Math.min(Number(input.maxResults ?? 100) || 100, 1000);
  const start = input.nextToken ? Number(Buffer.from(String(input.nextToken), 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new AwsServiceError('InvalidToken', 'Invalid nextToken');
  const page = items.slice(start, start + max);
  return start + max < items.length
    ? { page, nextToken: Buffer.from(String(start + max)).toString('base64url') }
    : { page };
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
}

function resourceType(resource: string): { resourceType: string; resource: string } {
  const m = /^arn:aws:states:::([^:]+(?::[^:]+)?):(.+)$/.exec(resource);
  if (m?.[1] && m[2]) return { resourceType: m[1], resource: m[2] };
  return { resourceType: 'lambda', resource };
}

export async function startStepFunctionsService(options: StepFunctionsServiceOptions) {
  const log = options.logger ?? (() => {});
  const StatesTimeoutError = await engineTimeoutErrorClass();
  const store: ExecutionStore =
    options.store.kind === 'file' ? new FileExecutionStore(options.store.dir) : new MemoryExecutionStore();
  const machines = new Map<string, Machine>();
  for (const config of options.stateMachines) {
    // Validate once, as CreateStateMachine would; runs skip re-validation.
    new StateMachine(config.definition as never, {
      validationOptions: { checkArn: false, checkPaths: true },
    });
    machines.set(config.arn, { config, prepared: prepareDefinition(config.definition as AslDefinition) });
  }
  const executions = new Map<string, Runtime>();
  const tokenOwners = new Map<string, string>();
  let stopped = false;

  const runner = createTaskRunner(options.integrations, {
    region: options.region,
    startExecution: async (input) => {
      const out = await startExecution({
        stateMachineArn: input.StateMachineArn,
        input: input.Input,
        name: input.Name,
      });
      return { ExecutionArn: out.executionArn, StartDate: new Date(out.startDate * 1000) };
    },
  });

  function persist(runtime: Runtime): Promise<void> {
    return store
      .save(runtime.record)
      .catch((error: Error) => log(`could not persist execution: ${error.message}`));
  }

  function addHistory(runtime: Runtime, type: string, details?: Record<string, unknown>) {
    const history = runtime.record.history;
    const previous = history[history.length - 1];
    history.push({
      id: history.length + 1,
      previousEventId: previous ? previous.id : 0,
      timestamp: Date.now(),
      type,
      ...(details ? { details } : {}),
    });
  }

  function finish(
    runtime: Runtime,
    status: ExecutionStatus,
    fields: { output?: unknown; error?: string; cause?: string },
  ) {
    const record = runtime.record;
    if (record.status !== 'RUNNING') return;
    record.status = status;
    record.stopDate = Date.now();
    if (fields.output !== undefined) record.output = JSON.stringify(fields.output);
    if (fields.error !== undefined) record.error = fields.error;
    if (fields.cause !== undefined) record.cause = fields.cause;
    for (const pending of record.pending) {
      record.closedTokens[pending.token] = 'done';
      tokenOwners.delete(pending.token);
    }
    for (const waiter of runtime.waiters.values()) for (const t of waiter.timers) t.clear();
    runtime.waiters.clear();
    record.pending = [];
    record.memo = [];
    record.current = undefined;
    const type = {
      SUCCEEDED: 'ExecutionSucceeded',
      FAILED: 'ExecutionFailed',
      TIMED_OUT: 'ExecutionTimedOut',
      ABORTED: 'ExecutionAborted',
      RUNNING: 'ExecutionStarted',
    }[status];
    addHistory(
      runtime,
      type,
      status === 'SUCCEEDED' ? { output: record.output } : { error: record.error, cause: record.cause },
    );
    log(`execution ${record.name} ${status}${record.error ? ` (${record.error})` : ''}`);
    void persist(runtime);
  }

  /** Waits for SendTaskSuccess/Failure on a pending task, enforcing its timeout and heartbeat. */
  function awaitToken(runtime: Runtime, pending: PendingTask): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timers: [] };
      const fail = (error: Error, why: 'timed-out') => {
        for (const t of waiter.timers) t.clear();
        runtime.waiters.delete(pending.token);
        runtime.record.pending = runtime.record.pending.filter((p) => p.token !== pending.token);
        runtime.record.closedTokens[pending.token] = why;
        tokenOwners.delete(pending.token);
        void persist(runtime);
        reject(error);
      };
      const armHeartbeat = () => {
        if (pending.heartbeatAt === undefined) return;
        waiter.timers.push(
          longTimeout(pending.heartbeatAt - Date.now(), () =>
            fail(
              new TaskError('States.HeartbeatTimeout', 'No heartbeat within HeartbeatSeconds'),
              'timed-out',
            ),
          ),
        );
      };
      waiter.timers.push(
        longTimeout(pending.timeoutAt - Date.now(), () => {
          const error = new StatesTimeoutError();
          fail(error, 'timed-out');
        }),
      );
      armHeartbeat();
      (waiter as Waiter & { rearmHeartbeat?: () => void }).rearmHeartbeat = () => {
        waiter.timers.pop()?.clear();
        armHeartbeat();
      };
      runtime.waiters.set(pending.token, waiter);
      tokenOwners.set(pending.token, runtime.record.executionArn);
    });
  }

  function taskHandler(runtime: Runtime, stateName: string) {
    const settings = runtime.machine.prepared.tasks.get(stateName);
    if (!settings) throw new Error(`No task settings for ${stateName}`);
    const parsed = runner.parse(settings.resource);
    return async (input: unknown): Promise<unknown> => {
      // The engine calls us synchronously, before our event-log reader has seen this state's
      // StateEntered; one macrotask later it has, so the replay memo below belongs to this visit.
      await new Promise((resolve) => setImmediate(resolve));
      const record = runtime.record;
      const base = createHash('sha256')
        .update(`${stateName}\n${JSON.stringify(input)}`)
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
          : new TaskError(memo.outcome.error, memo.outcome.cause);
      }

      const remember = (outcome: ExecutionRecord['memo'][number]['outcome']) => {
        record.memo.push({ key, outcome });
        void persist(runtime);
      };
      try {
        let output: unknown;
        if (parsed?.mode === 'callback') {
          let pending = record.pending.find((p) => p.key === key);
          if (!pending) {
            const token = randomBytes(48).toString('base64url');
            const now = Date.now();
            pending = {
              token,
              stateName,
              key,
              timeoutAt: now + settings.timeoutSeconds * 1000,
              ...(settings.heartbeatSeconds !== undefined
                ? {
                    heartbeatSeconds: settings.heartbeatSeconds,
                    heartbeatAt: now + settings.heartbeatSeconds * 1000,
                  }
                : {}),
            };
            record.pending.push(pending);
            const withToken = JSON.parse(JSON.stringify(input).replaceAll(TASK_TOKEN_PLACEHOLDER, token));
            addHistory(runtime, 'TaskScheduled', {
              ...resourceType(settings.resource),
              region: options.region,
              parameters: JSON.stringify(withToken),
            });
            const waiting = awaitToken(runtime, pending);
            await persist(runtime);
            try {
              await runner.run(settings.resource, withToken);
            } catch (error) {
              // The call that hands out the token failed: nobody can answer it, so the task fails now.
              runtime.waiters.get(token)?.timers.forEach((t) => {
                t.clear();
              });
              runtime.waiters.delete(token);
              record.pending = record.pending.filter((p) => p.token !== token);
              record.closedTokens[token] = 'done';
              tokenOwners.delete(token);
              waiting.catch(() => {});
              throw error;
            }
            addHistory(runtime, 'TaskSubmitted', { ...resourceType(settings.resource) });
            void persist(runtime);
            output = await waiting;
          } else {
            output = await awaitToken(runtime, pending);
          }
        } else {
          addHistory(runtime, 'TaskScheduled', {
            ...resourceType(settings.resource),
            region: options.region,
            parameters: JSON.stringify(input),
          });
          let timer: { clear(): void } | undefined;
          const timedOut = new Promise<never>((_, reject) => {
            timer = longTimeout(settings.timeoutSeconds * 1000, () => reject(new StatesTimeoutError()));
          });
          try {
            output = await Promise.race([runner.run(settings.resource, input), timedOut]);
          } finally {
            timer?.clear();
          }
        }
        addHistory(runtime, 'TaskSucceeded', {
          ...resourceType(settings.resource),
          output: JSON.stringify(output),
        });
        remember({ ok: true, output });
        return output;
      } catch (error) {
        const e = error as Error;
        if (runtime.record.status === 'RUNNING' && !stopped) {
          addHistory(runtime, e.name === 'States.Timeout' ? 'TaskTimedOut' : 'TaskFailed', {
            ...resourceType(settings.resource),
            error: e.name,
            cause: e.message,
          });
          remember({ ok: false, error: e.name, cause: e.message });
        }
        throw error;
      }
    };
  }

  async function launch(runtime: Runtime) {
    const { record, machine } = runtime;
    const resume = record.current;
    runtime.resumingAt = resume?.stateName;
    const definition = resume
      ? startingAt(machine.prepared.engineDefinition, resume.stateName)
      : machine.prepared.engineDefinition;
    const engine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
    const handlers = Object.fromEntries(
      [...machine.prepared.tasks.keys()].map((name) => [name, taskHandler(runtime, name)]),
    );
    const originalInput = JSON.parse(record.input) as unknown;
    const run = engine.run((resume ? resume.input : originalInput) as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          RoleArn: `arn:aws:iam::${options.account}:role/local-state-machine-role`,
          OriginalInput: originalInput,
          OriginalStartTime: new Date(record.startDate).toISOString(),
        },
        StateMachine: { Id: machine.config.arn, Name: machine.config.name },
      } as never,
    });
    runtime.abort = run.abort;
    const executionTimeout = machine.prepared.executionTimeoutSeconds;
    const executionTimer =
      executionTimeout === undefined
        ? undefined
        : longTimeout(record.startDate + executionTimeout * 1000 - Date.now(), () => {
            finish(runtime, 'TIMED_OUT', {
              error: 'States.Timeout',
              cause: 'The execution ran longer than its TimeoutSeconds',
            });
            run.abort();
          });

    void (async () => {
      for await (const event of run.eventLogs) {
        const e = event as {
          type: string;
          state?: { name: string; type: string; input?: unknown; output?: unknown };
          index?: number;
        };
        if (runtime.record.status !== 'RUNNING') break;
        if (e.type === 'StateEntered' && e.state) {
          if (machine.prepared.topLevelStates.has(e.state.name)) {
            record.current = { stateName: e.state.name, input: e.state.input };
            if (runtime.resumingAt === e.state.name) runtime.resumingAt = undefined;
            else {
              record.memo = [];
              runtime.occurrences.clear();
            }
          }
          addHistory(runtime, `${e.state.type}StateEntered`, {
            name: e.state.name,
            input: JSON.stringify(e.state.input),
          });
          void persist(runtime);
        } else if (e.type === 'StateExited' && e.state) {
          addHistory(runtime, `${e.state.type}StateExited`, {
            name: e.state.name,
            output: JSON.stringify(e.state.output),
          });
        } else if (e.type.startsWith('MapIteration') || e.type.startsWith('ParallelBranch')) {
          addHistory(
            runtime,
            e.type,
            e.index !== undefined ? { name: e.state?.name, index: e.index } : undefined,
          );
        }
      }
    })().catch((error: Error) => log(`event log: ${error.message}`));

    try {
      const output = await run.result.finally(() => executionTimer?.clear());
      if (runtime.record.status === 'RUNNING' && !stopped) finish(runtime, 'SUCCEEDED', { output });
    } catch (error) {
      if (stopped || runtime.record.status !== 'RUNNING') return;
      const cause = (error as Error & { cause?: Error }).cause ?? (error as Error);
      if ((error as Error).name === 'ExecutionTimeoutError') {
        finish(runtime, 'TIMED_OUT', {
          error: 'States.Timeout',
          cause: 'The execution ran longer than its TimeoutSeconds',
        });
      } else {
        finish(runtime, 'FAILED', { error: cause.name, cause: cause.message });
      }
    }
  }

  function newRuntime(record: ExecutionRecord, machine: Machine): Runtime {
    return { record, machine, waiters: new Map(), occurrences: new Map() };
  }

  function machineFor(stateMachineArn: unknown): Machine {
    if (typeof stateMachineArn !== 'string' || !STATE_MACHINE_ARN.test(stateMachineArn)) {
      throw new AwsServiceError('InvalidArn', `Invalid Arn: '${String(stateMachineArn)}'`);
    }
    const machine = machines.get(stateMachineArn);
    if (!machine)
      throw new AwsServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    return machine;
  }

  function executionFor(executionArn: unknown): Runtime {
    if (typeof executionArn !== 'string' || !EXECUTION_ARN.test(executionArn)) {
      throw new AwsServiceError('InvalidArn', `Invalid Arn: '${String(executionArn)}'`);
    }
    const runtime = executions.get(executionArn);
    if (!runtime)
      throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return runtime;
  }

  async function startExecution(input: { stateMachineArn?: unknown; name?: unknown; input?: unknown }) {
    const machine = machineFor(input.stateMachineArn);
    const name = input.name === undefined ? randomUUID() : input.name;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new AwsServiceError('InvalidName', `Invalid Name: '${String(name)}'`);
    }
    const text =
      input.input === undefined
        ? '{}'
        : typeof input.input === 'string'
          ? input.input
          : JSON.stringify(input.input);
    try {
      JSON.parse(text);
    } catch {
      throw new AwsServiceError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: not valid JSON',
      );
    }
    if (Buffer.byteLength(text) > 256 * 1024) {
      throw new AwsServiceError('InvalidExecutionInput', 'Execution input is larger than 256 KB');
    }
    const executionArn = `arn:aws:states:${options.region}:${options.account}:execution:${machine.config.name}:${name}`;
    const existing = executions.get(executionArn);
    if (existing) {
      // AWS: same name and input while RUNNING is idempotent; otherwise the name is taken.
      if (existing.record.status === 'RUNNING' && existing.record.input === text) {
        return { executionArn, startDate: existing.record.startDate / 1000 };
      }
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
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
      roleArn: `arn:aws:iam::${options.account}:role/local-state-machine-role`,
    });
    await persist(runtime);
    log(`execution ${name} started on ${machine.config.name}`);
    void launch(runtime);
    return { executionArn, startDate: record.startDate / 1000 };
  }

  function describe(record: ExecutionRecord) {
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: seconds(record.startDate),
      ...(record.stopDate ? { stopDate: seconds(record.stopDate) } : {}),
    };
  }

  function ownerOfToken(token: unknown): { runtime: Runtime; waiter: Waiter; pending: PendingTask } {
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) {
      throw new AwsServiceError('InvalidToken', 'Invalid Token');
    }
    const arn = tokenOwners.get(token);
    const runtime = arn ? executions.get(arn) : undefined;
    const waiter = runtime?.waiters.get(token);
    const pending = runtime?.record.pending.find((p) => p.token === token);
    if (runtime && waiter && pending) return { runtime, waiter, pending };
    for (const r of executions.values()) {
      if (r.record.closedTokens[token] === 'timed-out')
        throw new AwsServiceError('TaskTimedOut', 'Task Timed Out');
      if (r.record.closedTokens[token]) throw new AwsServiceError('TaskDoesNotExist', 'Task Does Not Exist');
    }
    throw new AwsServiceError('InvalidToken', 'Invalid Token');
  }

  function closeToken({ runtime, waiter, pending }: ReturnType<typeof ownerOfToken>) {
    for (const t of waiter.timers) t.clear();
    runtime.waiters.delete(pending.token);
    runtime.record.pending = runtime.record.pending.filter((p) => p.token !== pending.token);
    runtime.record.closedTokens[pending.token] = 'done';
    tokenOwners.delete(pending.token);
  }

  const server = await startAwsJsonServer({
    targetPrefix: 'AWSStepFunctions',
    jsonVersion: '1.0',
    ...(options.port ? { port: options.port } : {}),
    logger: log,
    operations: {
      StartExecution: (input) => startExecution(input),
      DescribeExecution: (input) => {
        const { record } = executionFor(input.executionArn);
        return {
          ...describe(record),
          input: record.input,
          inputDetails: { included: true },
          ...(record.output !== undefined
            ? { output: record.output, outputDetails: { included: true } }
            : {}),
          ...(record.error !== undefined ? { error: record.error } : {}),
          ...(record.cause !== undefined ? { cause: record.cause } : {}),
        };
      },
      ListExecutions: (input) => {
        const machine = machineFor(input.stateMachineArn);
        const filter = input.statusFilter as string | undefined;
        const all = [...executions.values()]
          .map((r) => r.record)
          .filter((r) => r.stateMachineArn === machine.config.arn && (!filter || r.status === filter))
          .sort((a, b) => b.startDate - a.startDate || b.name.localeCompare(a.name));
        const { page, nextToken } = paginate(all, input);
        return { executions: page.map(describe), ...(nextToken ? { nextToken } : {}) };
      },
      GetExecutionHistory: (input) => {
        const { record } = executionFor(input.executionArn);
        const events = input.reverseOrder ? [...record.history].reverse() : record.history;
        const { page: slice, nextToken } = paginate(events, input);
        const page = slice.map((e: HistoryEvent) => ({
          id: e.id,
          previousEventId: e.previousEventId,
          timestamp: e.timestamp / 1000,
          type: e.type,
          ...(e.details ? { [detailsKey(e.type)]: e.details } : {}),
        }));
        return { events: page, ...(nextToken ? { nextToken } : {}) };
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
        return { stopDate: seconds(runtime.record.stopDate ?? Date.now()) };
      },
      SendTaskSuccess: (input) => {
        const owner = ownerOfToken(input.taskToken);
        let output: unknown;
        try {
          output = JSON.parse(String(input.output));
        } catch {
          throw new AwsServiceError('InvalidOutput', 'Invalid Output: not valid JSON');
        }
        closeToken(owner);
        void persist(owner.runtime);
        owner.waiter.resolve(output);
        return {};
      },
      SendTaskFailure: (input) => {
        const owner = ownerOfToken(input.taskToken);
        closeToken(owner);
        void persist(owner.runtime);
        owner.waiter.reject(new TaskError(String(input.error ?? ''), String(input.cause ?? '')));
        return {};
      },
      SendTaskHeartbeat: (input) => {
        const owner = ownerOfToken(input.taskToken);
        if (owner.pending.heartbeatSeconds !== undefined) {
          owner.pending.heartbeatAt = Date.now() + owner.pending.heartbeatSeconds * 1000;
          (owner.waiter as Waiter & { rearmHeartbeat?: () => void }).rearmHeartbeat?.();
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
          roleArn: `arn:aws:iam::${options.account}:role/local-state-machine-role`,
          type: config.type,
          creationDate: 0,
        };
      },
      ListStateMachines: () => ({
        stateMachines: [...machines.values()].map(({ config }) => ({
          stateMachineArn: config.arn,
          name: config.name,
          type: config.type,
          creationDate: 0,
        })),
      }),
    },
  });

  // Pick up where a previous run of the local cloud left off.
  for (const record of await store.loadAll()) {
    const machine = machines.get(record.stateMachineArn);
    if (!machine) continue;
    const runtime = newRuntime(record, machine);
    executions.set(record.executionArn, runtime);
    if (record.status === 'RUNNING') {
      log(`resuming execution ${record.name} at ${record.current?.stateName ?? 'its start'}`);
      void launch(runtime);
    }
  }

  return {
    endpoint: server.endpoint,
    async stop() {
      stopped = true;
      for (const runtime of executions.values()) {
        for (const waiter of runtime.waiters.values()) for (const t of waiter.timers) t.clear();
        runtime.abort?.();
      }
      await server.stop();
      if (store instanceof FileExecutionStore) await store.flush();
      runner.destroy();
    },
  };
}
