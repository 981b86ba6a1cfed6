import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaRuntime, ResourceNotFoundException } from '../../../local/lambda-runtime.js';
import type { LocalFunction } from '../../../local/model.js';

// Bundled assets are plain ES modules; these stand in for what esbuild writes into cdk.out.
const ASSETS: Record<string, string> = {
  echo: `
    let calls = 0;
    export const handler = async (event, context) => {
      calls += 1;
      return {
        event,
        calls,
        env: { TABLE_NAME: process.env.TABLE_NAME, AWS_REGION: process.env.AWS_REGION },
        context: {
          functionName: context.functionName,
          invokedFunctionArn: context.invokedFunctionArn,
          awsRequestId: context.awsRequestId,
          remaining: context.getRemainingTimeInMillis(),
        },
        when: new Date(0),
      };
    };`,
  failing: `
    class GradingError extends Error { constructor(m) { super(m); this.name = 'GradingError'; } }
    export const handler = async () => { throw new GradingError('paper has no items'); };`,
  slow: `
    let calls = 0;
    export const handler = async (event) => {
      calls += 1;
      await new Promise((r) => setTimeout(r, event.ms));
      return { calls };
    };`,
  callback: `
    export const handler = (event, context, callback) => { setTimeout(() => callback(null, { doubled: event.n * 2 }), 5); };`,
  broken: `export const somethingElse = 1;`,
  clock: `
    export const handler = async (event, context) => ({
      now: Date.now(),
      iso: new Date().toISOString(),
      parsed: new Date('2020-01-01T00:00:00Z').toISOString(),
      isDate: new Date() instanceof Date,
      remaining: context.getRemainingTimeInMillis(),
    });`,
};

let root: string;
let runtime: LambdaRuntime;

function fn(name: string, overrides: Partial<LocalFunction> = {}): LocalFunction {
  return {
    logicalId: `${name}Function`,
    functionName: `Stack-${name}`,
    arn: `arn:aws:lambda:ap-southeast-1:000000000000:function:Stack-${name}`,
    handler: 'index.handler',
    assetDir: join(root, name),
    runtime: 'nodejs24.x',
    timeoutSeconds: 3,
    memoryMb: 256,
    environment: { TABLE_NAME: `table-of-${name}` },
    ...overrides,
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lambda-runtime-'));
  for (const [name, code] of Object.entries(ASSETS)) {
    await mkdir(join(root, name));
    await writeFile(join(root, name, 'index.mjs'), code);
  }
  runtime = new LambdaRuntime({
    functions: [
      fn('echo'),
      fn('failing'),
      fn('slow', { timeoutSeconds: 1 }),
      fn('callback'),
      fn('broken'),
      fn('clock'),
    ],
    environmentOverlay: { AWS_REGION: 'ap-southeast-1' },
    maxConcurrencyPerFunction: 2,
  });
});

afterAll(async () => {
  await runtime.stop();
  await rm(root, { recursive: true, force: true });
});

describe('LambdaRuntime', () => {
  it('runs the asset with its own template environment and a realistic context', async () => {
    const outcome = await runtime.invoke('Stack-echo', { attemptId: 'a-1' });
    expect(outcome.ok).toBe(true);
    const payload = (outcome as { payload: Record<string, unknown> }).payload as {
      event: unknown;
      env: Record<string, string>;
      context: { functionName: string; invokedFunctionArn: string; awsRequestId: string; remaining: number };
      when: unknown;
    };
    expect(payload.event).toEqual({ attemptId: 'a-1' });
    expect(payload.env).toEqual({ TABLE_NAME: 'table-of-echo', AWS_REGION: 'ap-southeast-1' });
    expect(payload.context.functionName).toBe('Stack-echo');
    expect(payload.context.invokedFunctionArn).toBe(fn('echo').arn);
    expect(payload.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.context.remaining).toBeGreaterThan(2000);
    expect(payload.context.remaining).toBeLessThanOrEqual(3000);
    // The result crosses as JSON, as Lambda serialises it.
    expect(payload.when).toBe('1970-01-01T00:00:00.000Z');
  });

  it('keeps a warm sandbox between invocations and finds functions by name, ARN or logical id', async () => {
    const keys = ['Stack-echo', fn('echo').arn, 'echoFunction', `${fn('echo').arn}:$LATEST`];
    const calls: number[] = [];
    for (const key of keys) {
      const outcome = await runtime.invoke(key, {});
      calls.push((outcome as { payload: { calls: number } }).payload.calls);
    }
    // Module state survives: the same sandbox served every call after the first cold start.
    expect(calls).toEqual([
      calls[0],
      (calls[0] as number) + 1,
      (calls[0] as number) + 2,
      (calls[0] as number) + 3,
    ]);
  });

  it('reports a thrown error with its type, as Lambda does for an unhandled error', async () => {
    const outcome = await runtime.invoke('Stack-failing', {});
    expect(outcome).toMatchObject({
      ok: false,
      errorType: 'GradingError',
      errorMessage: 'paper has no items',
    });
  });

  it('supports callback-style handlers', async () => {
    expect(await runtime.invoke('Stack-callback', { n: 21 })).toEqual({ ok: true, payload: { doubled: 42 } });
  });

  it('fails a missing handler export with Runtime.HandlerNotFound', async () => {
    expect(await runtime.invoke('Stack-broken', {})).toMatchObject({
      ok: false,
      errorType: 'Runtime.HandlerNotFound',
    });
  });

  it('times out a slow invocation and recycles its sandbox', async () => {
    const timedOut = await runtime.invoke('Stack-slow', { ms: 5000 });
    expect(timedOut).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout' });
    expect((timedOut as { errorMessage: string }).errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
    // A fresh sandbox: module state starts again from zero.
    expect(await runtime.invoke('Stack-slow', { ms: 1 })).toEqual({ ok: true, payload: { calls: 1 } });
  });

  it('runs concurrent invocations in separate sandboxes up to the limit', async () => {
    const before = runtime.stats().slowFunction?.coldStarts ?? 0;
    const outcomes = await Promise.all([1, 2, 3].map(() => runtime.invoke('Stack-slow', { ms: 200 })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // One warm sandbox plus one new one reach the limit of two; the third call waited for either.
    const after = runtime.stats().slowFunction?.coldStarts ?? 0;
    expect(after - before).toBe(1);
  });

  it('rejects an unknown function with ResourceNotFoundException', async () => {
    await expect(runtime.invoke('Stack-nope', {})).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('lets a test pin the functions’ clock, warm sandboxes included, and release it', async () => {
    const before = await runtime.invoke('Stack-clock', {});
    expect(before.ok && (before.payload as { now: number }).now).toBeGreaterThan(Date.parse('2026-01-01'));
    runtime.clock.pin('2026-12-31T17:30:00Z');
    const pinned = await runtime.invoke('Stack-clock', {});
    expect(pinned).toMatchObject({
      ok: true,
      payload: {
        now: Date.parse('2026-12-31T17:30:00Z'),
        iso: '2026-12-31T17:30:00.000Z',
        parsed: '2020-01-01T00:00:00.000Z',
        isDate: true,
      },
    });
    // The remaining time stays real: a pinned clock does not time an invocation out.
    expect((pinned as { payload: { remaining: number } }).payload.remaining).toBeGreaterThan(1000);
    expect(runtime.clock.now().toISOString()).toBe('2026-12-31T17:30:00.000Z');
    runtime.clock.release();
    const after = await runtime.invoke('Stack-clock', {});
    expect(Math.abs((after as { payload: { now: number } }).payload.now - Date.now())).toBeLessThan(5_000);
  });
});
