// Runs the stack's bundled Lambda functions in-process. Each function gets a small pool of worker
// threads, each one a "sandbox" with the function's own environment, loaded once and reused (warm
// starts), serving one invocation at a time like a Lambda execution environment. A timed-out sandbox is
// thrown away, as Lambda does.
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
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
 * The clock every sandbox reads: real time unless a test pins it (`pin`), shared with the workers so
 * a pin applies to the very next Date.now() in any function, warm or cold.
 */
export class SandboxClock {
  readonly buffer = new SharedArrayBuffer(16);
  private readonly cells = new Float64Array(this.buffer);

  /** From now on every function reads this instant until `release` (or the next pin). */
  pin(instant: Date | string): void {
    const t = new Date(instant).getTime();
    if (Number.isNaN(t)) throw new RangeError(`Not an instant: ${String(instant)}`);
    this.cells[1] = t;
    this.cells[0] = 1;
  }

  /** Back to real time. */
  release(): void {
    this.cells[0] = 0;
  }

  now(): Date {
    return new Date(this.cells[0] === 1 ? (this.cells[1] as number) : Date.now());
  }
}

export class ResourceNotFoundException extends Error {
  override name = 'ResourceNotFoundException';
}

interface Sandbox {
  worker: Worker;
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
  payload?: unknown;
  errorType?: string;
  errorMessage?: string;
  trace?: string[];
}

const WORKER_URL = new URL('./lambda-worker.mjs', import.meta.url);

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
    const worker = new Worker(WORKER_URL, {
      env: this.environment,
      // Loaders of the parent (tsx, vitest) are not needed: the asset is plain bundled JavaScript.
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, this.fn.memoryMb) },
      workerData: {
        assetDir: this.fn.assetDir,
        handler: this.fn.handler,
        functionName: this.fn.functionName,
        functionArn: this.fn.arn,
        memoryMb: this.fn.memoryMb,
        logGroupName: `/aws/lambda/${this.fn.functionName}`,
        clock: this.clock.buffer,
      },
    });
    const sandbox: Sandbox = { worker, busy: false };
    const forward = (stream: NodeJS.ReadableStream) => {
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
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
      waiting.resolve(
        reply.ok
          ? { ok: true, payload: reply.payload ?? null }
          : {
              ok: false,
              errorType: reply.errorType ?? 'Error',
              errorMessage: reply.errorMessage ?? '',
              ...(reply.trace ? { trace: reply.trace } : {}),
            },
      );
    });
    worker.on('error', (error) => this.discard(sandbox, error));
    worker.on('exit', () => this.discard(sandbox));
    this.sandboxes.push(sandbox);
    return sandbox;
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
        void sandbox.worker.terminate();
        resolve({
          ok: false,
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
        });
      }, timeoutSeconds * 1000);
    });
    sandbox.worker.postMessage({ requestId, event, deadline });
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
    await Promise.all(this.sandboxes.map((s) => s.worker.terminate()));
    this.sandboxes.length = 0;
  }
}

export class LambdaRuntime implements LambdaInvoker {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly byKey = new Map<string, FunctionPool>();
  /** What time it is inside the functions; tests pin it (docs/local-cloud.md). */
  readonly clock = new SandboxClock();

  constructor(options: LambdaRuntimeOptions) {
    for (const fn of options.functions) {
      const environment = {
        ...fn.environment,
        ...options.environmentOverlay,
        AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
        AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
        LAMBDA_TASK_ROOT: fn.assetDir,
        TZ: ':UTC',
      };
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
