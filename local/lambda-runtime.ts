// Runs the stack's bundled Lambda functions. Each function gets a small pool of child processes, each one
// a "sandbox" with the function's own environment (its time zone and locale included: a worker thread
// would share ours), loaded once and reused (warm starts), serving one invocation at a time like a
// Lambda execution environment. A timed-out sandbox is thrown away, as Lambda does.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { InvokeOptions, InvokeOutcome, LambdaInvoker } from './contracts.js';
import type { LocalFunction } from './model.js';

export interface LambdaRuntimeOptions {
  functions: LocalFunction[];
  /** Added on top of each function's template environment (SDK endpoints, credentials, local signer). */
  environmentOverlay: Record<string, string>;
  /** Sandboxes per function; more concurrent invocations wait in line. */
  maxConcurrencyPerFunction?: number;
  /** Receives each line a function writes to stdout/stderr, prefixed with its logical id. */
  logger?: (line: string) => void;
}

/**
 * The clock every sandbox reads: real time unless a test pins it (`pin`). Each invocation carries it and
 * every change is sent to the live sandboxes, so a pin applies to the very next Date.now() in any function.
 */
export class SandboxClock {
  private pinnedAt: number | null = null;
  private readonly listeners = new Set<(pinnedAt: number | null) => void>();

  /** From now on every function reads this instant until `release` (or the next pin). */
  pin(instant: Date | string): void {
    const t = new Date(instant).getTime();
    if (Number.isNaN(t)) throw new RangeError(`Not an instant: ${String(instant)}`);
    this.pinnedAt = t;
    for (const listener of this.listeners) listener(t);
  }

  /** Back to real time. */
  release(): void {
    this.pinnedAt = null;
    for (const listener of this.listeners) listener(null);
  }

  now(): Date {
    return new Date(this.pinnedAt ?? Date.now());
  }

  /** The pinned instant in ms, or null for real time (what a sandbox is told). */
  pinned(): number | null {
    return this.pinnedAt;
  }

  onChange(listener: (pinnedAt: number | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Environment variables Lambda sets itself; CloudFormation refuses a function that sets one (the template
 * translator does too: template.ts). Source: the Lambda developer guide, "Defined runtime
 * environment variables".
 */
export const RESERVED_LAMBDA_VARIABLES = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
] as const;

/** Lambda's synchronous invocation payload limit, request and response alike (6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** The Lambda Invoke API refused the request itself (Lambda.<name> in Step Functions). */
export class LambdaServiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export class ResourceNotFoundException extends Error {
  override name = 'ResourceNotFoundException';
}

interface Sandbox {
  worker: ChildProcess;
  busy: boolean;
  /** The invocation it is running, if any. */
  requestId?: string | undefined;
}

interface Pending {
  resolve: (outcome: InvokeOutcome) => void;
}

interface WorkerReply {
  requestId: string;
  ok: boolean;
  payloadText?: string;
  errorType?: string;
  errorMessage?: string;
  trace?: string[];
}

const WORKER_PATH = fileURLToPath(new URL('./lambda-worker.mjs', import.meta.url));

class FunctionPool {
  private readonly sandboxes: Sandbox[] = [];
  private readonly queue: (() => void)[] = [];
  private readonly pending = new Map<string, Pending>();
  invocations = 0;
  coldStarts = 0;
  /** Module initialisation time of each cold start, in milliseconds. */
  readonly initMs: number[] = [];
  /** Wall time spent in invocations, in milliseconds (a stand-in for billed duration). */
  busyMs = 0;

  constructor(
    readonly fn: LocalFunction,
    private readonly environment: Record<string, string>,
    private readonly maxConcurrency: number,
    private readonly clock: SandboxClock,
    private readonly logger?: (line: string) => void,
  ) {}

  private spawn(): Sandbox {
    this.coldStarts++;
    const worker = fork(WORKER_PATH, [], {
      // Only the function's environment, as in Lambda: TZ, LANG and NODE_OPTIONS take effect here.
      env: {
        ...this.environment,
        // One log stream per execution environment, named as Lambda names them.
        AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`,
      },
      // Loaders of the parent (tsx, vitest) are not needed: the asset is plain bundled JavaScript.
      execPath: process.execPath,
      execArgv: [`--max-old-space-size=${Math.max(64, this.fn.memoryMb)}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    worker.send({
      type: 'init',
      assetDir: this.fn.assetDir,
      handler: this.fn.handler,
      runtime: this.fn.runtime,
      functionName: this.fn.functionName,
      functionArn: this.fn.arn,
      memoryMb: this.fn.memoryMb,
    });
    const sandbox: Sandbox = { worker, busy: false };
    const stopListening = this.clock.onChange((pinnedAt) => {
      if (worker.connected) worker.send({ type: 'clock', pinnedAt }, () => {});
    });
    const forward = (stream: NodeJS.ReadableStream | null) => {
      let buffered = '';
      stream?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.logger?.(`[${this.fn.logicalId}] ${line}`);
      });
    };
    forward(worker.stdout);
    forward(worker.stderr);
    worker.on('message', (reply: WorkerReply | { init: number }) => {
      if ('init' in reply) {
        this.initMs.push(reply.init);
        return;
      }
      const waiting = this.pending.get(reply.requestId);
      if (!waiting) return;
      this.pending.delete(reply.requestId);
      waiting.resolve(reply.ok ? this.response(reply.requestId, reply.payloadText ?? 'null') : failed(reply));
    });
    let gone = false;
    const exited = (error?: Error) => {
      if (gone) return;
      gone = true;
      stopListening();
      this.discard(sandbox, error);
    };
    worker.on('error', (error) => exited(error));
    worker.on('exit', () => exited());
    this.sandboxes.push(sandbox);
    return sandbox;
  }

  /** A function's answer, unless it is over Lambda's response limit (then the error Lambda gives). */
  private response(requestId: string, text: string): InvokeOutcome {
    if (Buffer.byteLength(text) > MAX_SYNC_PAYLOAD_BYTES) {
      return {
        ok: false,
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `RequestId: ${requestId} Response payload size exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).`,
      };
    }
    return { ok: true, payload: JSON.parse(text) as unknown };
  }

  /** Removes a sandbox that died; any invocation it was running fails as Lambda reports a crash. */
  private remove(sandbox: Sandbox) {
    const index = this.sandboxes.indexOf(sandbox);
    if (index >= 0) this.sandboxes.splice(index, 1);
  }

  private discard(sandbox: Sandbox, error?: Error) {
    this.remove(sandbox);
    const running = sandbox.requestId;
    if (running) {
      const waiting = this.pending.get(running);
      this.pending.delete(running);
      waiting?.resolve({
        ok: false,
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${running} Error: Runtime exited${error ? `: ${error.message}` : ''}`,
      });
    }
    this.queue.shift()?.();
  }

  private async acquire(): Promise<Sandbox> {
    for (;;) {
      const idle = this.sandboxes.find((s) => !s.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.sandboxes.length < this.maxConcurrency) {
        const fresh = this.spawn();
        fresh.busy = true;
        return fresh;
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
  }

  private release(sandbox: Sandbox) {
    sandbox.busy = false;
    sandbox.requestId = undefined;
    this.queue.shift()?.();
  }

  async invoke(event: unknown, options: InvokeOptions): Promise<InvokeOutcome> {
    // The Invoke API refuses an oversized request before any function runs.
    const size = Buffer.byteLength(JSON.stringify(event ?? null));
    if (size > MAX_SYNC_PAYLOAD_BYTES) {
      throw new LambdaServiceError(
        'RequestTooLargeException',
        `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
      );
    }
    this.invocations++;
    const sandbox = await this.acquire();
    const requestId = randomUUID();
    const timeoutSeconds = options.timeoutSeconds ?? this.fn.timeoutSeconds;
    const deadline = Date.now() + timeoutSeconds * 1000;
    sandbox.requestId = requestId;
    const outcome = new Promise<InvokeOutcome>((resolve) => this.pending.set(requestId, { resolve }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<InvokeOutcome>((resolve) => {
      timer = setTimeout(() => {
        this.pending.delete(requestId);
        sandbox.requestId = undefined;
        // Lambda recycles a sandbox that ran out of time; its module state is gone. Take it out of
        // the pool now so no later invocation is handed a worker that is shutting down.
        this.remove(sandbox);
        sandbox.worker.kill('SIGKILL');
        resolve({
          ok: false,
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
        });
      }, timeoutSeconds * 1000);
    });
    sandbox.worker.send({ type: 'invoke', requestId, event, deadline, clock: this.clock.pinned() });
    const started = performance.now();
    try {
      return await Promise.race([outcome, timedOut]);
    } finally {
      this.busyMs += performance.now() - started;
      clearTimeout(timer);
      if (this.sandboxes.includes(sandbox)) this.release(sandbox);
    }
  }

  async stop() {
    await Promise.all(
      this.sandboxes.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.worker.exitCode !== null || s.worker.signalCode !== null) return resolve();
            s.worker.once('exit', () => resolve());
            s.worker.kill('SIGKILL');
          }),
      ),
    );
    this.sandboxes.length = 0;
  }
}

function failed(reply: WorkerReply): InvokeOutcome {
  return {
    ok: false,
    errorType: reply.errorType ?? 'Error',
    errorMessage: reply.errorMessage ?? '',
    ...(reply.trace ? { trace: reply.trace } : {}),
  };
}

/**
 * A function's process environment: its template environment (free of reserved keys: the translator
 * refuses them), the local overlay (endpoints, credentials, region), and what Lambda sets itself — which
 * nothing above can override, as in Lambda.
 */
export function lambdaEnvironment(
  fn: LocalFunction,
  overlay: Record<string, string>,
): Record<string, string> {
  return {
    // Unreserved, so a template may change them, as in Lambda.
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin:/bin',
    ...fn.environment,
    ...overlay,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName ?? `/aws/lambda/${fn.functionName}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: fn.assetDir,
    LAMBDA_RUNTIME_DIR: fn.assetDir,
    _HANDLER: fn.handler,
    TZ: ':UTC',
  };
}

export class LambdaRuntime implements LambdaInvoker {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly byKey = new Map<string, FunctionPool>();
  /** What time it is inside the functions; tests pin it (docs/local-cloud.md). */
  readonly clock = new SandboxClock();

  constructor(options: LambdaRuntimeOptions) {
    for (const fn of options.functions) {
      const environment = lambdaEnvironment(fn, options.environmentOverlay);
      const pool = new FunctionPool(
        fn,
        environment,
        options.maxConcurrencyPerFunction ?? 4,
        this.clock,
        options.logger,
      );
      this.pools.set(fn.logicalId, pool);
      for (const key of [fn.logicalId, fn.functionName, fn.arn]) this.byKey.set(key, pool);
    }
  }

  private pool(functionNameOrArn: string): FunctionPool {
    // Qualified ARNs (":$LATEST", ":alias") name the same local function.
    const unqualified = functionNameOrArn.replace(/^(arn:aws:lambda:[^:]+:[^:]+:function:[^:]+):.+$/, '$1');
    const pool = this.byKey.get(functionNameOrArn) ?? this.byKey.get(unqualified);
    if (!pool) throw new ResourceNotFoundException(`Function not found: ${functionNameOrArn}`);
    return pool;
  }

  invoke(functionNameOrArn: string, payload: unknown, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    try {
      return this.pool(functionNameOrArn).invoke(payload, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Invocation and cold-start counts per function logical id (used by benchmarks). */
  stats(): Record<
    string,
    { invocations: number; coldStarts: number; initMs: number[]; busyMs: number; memoryMb: number }
  > {
    return Object.fromEntries(
      [...this.pools].map(([id, p]) => [
        id,
        {
          invocations: p.invocations,
          coldStarts: p.coldStarts,
          initMs: [...p.initMs],
          busyMs: p.busyMs,
          memoryMb: p.fn.memoryMb,
        },
      ]),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.stop()));
  }
}
