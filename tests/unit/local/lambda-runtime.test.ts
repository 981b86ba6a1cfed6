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
  // What a minifier makes of a class that does not set its name: the class is 'a', its name 'Error'.
  minified: `
    class a extends Error {}
    export const handler = async (event) => {
      if (event.kind === 'class') throw new a('no name of its own');
      if (event.kind === 'string') throw 'a plain string';
      if (event.kind === 'object') throw { code: 42 };
      return 'unreachable';
    };`,
  zone: `
    export const handler = async () => ({
      parsed: new Date('2026-01-01T00:00').toISOString(),
      offset: new Date(2026, 0, 1).getTimezoneOffset(),
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      locale: Intl.DateTimeFormat().resolvedOptions().locale,
      local: new Date(Date.UTC(2026, 0, 1, 16)).toLocaleString(),
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) =>
        k === 'TZ' || k === 'LANG' || k === 'NODE_OPTIONS' || k === '_HANDLER' || k.startsWith('AWS_LAMBDA_') ||
        k === 'AWS_EXECUTION_ENV' || k === 'LAMBDA_TASK_ROOT' || k === 'AWS_REGION' || k === 'AWS_DEFAULT_REGION')),
      sourceMaps: process.execArgv.concat(process.env.NODE_OPTIONS ?? '').join(' '),
    });`,
  big: `
    export const handler = async (event) => ({ text: 'x'.repeat(event.bytes) });`,
  slow: `
    let calls = 0;
    export const handler = async (event) => {
      calls += 1;
      await new Promise((r) => setTimeout(r, event.ms));
      return { calls };
    };`,
  callback: `
    export const handler = (event, context, callback) => { setTimeout(() => callback(null, { doubled: event.n * 2 }), 5); };`,
  asyncCallback: `
    export const handler = async (event, context, callback) => ({ doubled: event.n * 2 });`,
  broken: `export const somethingElse = 1;`,
  clock: `
    export const handler = async (event, context) => ({
      now: Date.now(),
      iso: new Date().toISOString(),
      parsed: new Date('2020-01-01T00:00:00Z').toISOString(),
      isDate: new Date() instanceof Date,
      locale: Intl.DateTimeFormat().resolvedOptions().locale,
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

// The host runs in Beijing time (CI runs in UTC and could not catch a function that parses in the
// host's zone); Node applies a TZ change at once, to this process only.
const hostZone = process.env.TZ;

beforeAll(async () => {
  process.env.TZ = 'Asia/Shanghai';
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
      fn('asyncCallback'),
      // Node.js 22 still runs callback handlers (on-demand).
      fn('callback22', { assetDir: join(root, 'callback'), runtime: 'nodejs22.x' }),
      fn('broken'),
      fn('clock'),
      fn('minified'),
      fn('zone', { environment: { NODE_OPTIONS: '--enable-source-maps', LANG: 'zh_CN.UTF-8' } }),
      fn('big'),
    ],
    environmentOverlay: { AWS_REGION: 'ap-southeast-1', AWS_DEFAULT_REGION: 'ap-southeast-1' },
    maxConcurrencyPerFunction: 2,
  });
});

afterAll(async () => {
  if (hostZone === undefined) delete process.env.TZ;
  else process.env.TZ = hostZone;
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

  it('names an unhandled error by its name property or, for a non-Error, its typeof — as the Node.js runtime does', async () => {
    // A minified class without a name of its own is 'Error', never its mangled class name 'a'.
    expect(await runtime.invoke('Stack-minified', { kind: 'class' })).toMatchObject({
      ok: false,
      errorType: 'Error',
      errorMessage: 'no name of its own',
    });
    expect(await runtime.invoke('Stack-minified', { kind: 'string' })).toMatchObject({
      ok: false,
      errorType: 'string',
      errorMessage: 'a plain string',
    });
    expect(await runtime.invoke('Stack-minified', { kind: 'object' })).toMatchObject({
      ok: false,
      errorType: 'object',
      errorMessage: '[object Object]',
    });
  });

  it('refuses callback-style handlers on nodejs24.x at init, as the runtime does, and runs them on nodejs22.x', async () => {
    for (const name of ['Stack-callback', 'Stack-asyncCallback']) {
      const outcome = await runtime.invoke(name, { n: 21 });
      expect(outcome).toMatchObject({ ok: false, errorType: 'Runtime.CallbackHandlerDeprecated' });
      expect((outcome as { errorMessage: string }).errorMessage).toMatch(/nodejs24\.x .*async/);
    }
    expect(await runtime.invoke('Stack-callback22', { n: 21 })).toEqual({
      ok: true,
      payload: { doubled: 42 },
    });
  });

  it('runs functions in UTC with Lambda’s locale and reserved variables, whatever the host’s zone', async () => {
    // The test itself is in Beijing time: the same parse here is eight hours earlier.
    expect(new Date('2026-01-01T00:00').toISOString()).toBe('2025-12-31T16:00:00.000Z');
    const outcome = await runtime.invoke('Stack-zone', {});
    const payload = (outcome as { payload: Record<string, unknown> }).payload as {
      parsed: string;
      offset: number;
      zone: string;
      locale: string;
      env: Record<string, string>;
      sourceMaps: string;
    };
    // A date-time without an offset is local time: in Lambda that is UTC.
    expect(payload.parsed).toBe('2026-01-01T00:00:00.000Z');
    expect(payload.offset).toBe(0);
    expect(payload.zone).toBe('UTC');
    // LANG is the function's (here the template's zh_CN): the default locale follows it.
    expect(payload.locale).toBe('zh-CN');
    expect(payload.env).toMatchObject({
      TZ: ':UTC',
      // Unreserved: the template's own value wins, as in Lambda.
      LANG: 'zh_CN.UTF-8',
      NODE_OPTIONS: '--enable-source-maps',
      _HANDLER: 'index.handler',
      AWS_REGION: 'ap-southeast-1',
      AWS_DEFAULT_REGION: 'ap-southeast-1',
      AWS_LAMBDA_FUNCTION_NAME: 'Stack-zone',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/Stack-zone',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      LAMBDA_TASK_ROOT: join(root, 'zone'),
    });
    expect(payload.env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    // NODE_OPTIONS from the environment applies to the function's own Node, as in Lambda.
    expect(payload.sourceMaps).toContain('--enable-source-maps');
    // Without a LANG of its own a function gets Lambda's en_US.UTF-8, whatever the host's locale.
    const plain = await runtime.invoke('Stack-clock', {});
    expect(plain).toMatchObject({ ok: true, payload: { locale: 'en-US' } });
  });

  it('applies Lambda’s 6 MB limit to the request and the response of a synchronous invocation', async () => {
    const limit = 6 * 1024 * 1024;
    expect(await runtime.invoke('Stack-big', { bytes: limit - 100 })).toMatchObject({ ok: true });
    const tooLarge = await runtime.invoke('Stack-big', { bytes: limit });
    expect(tooLarge).toMatchObject({ ok: false, errorType: 'Function.ResponseSizeTooLarge' });
    await expect(runtime.invoke('Stack-big', { bytes: 1, padding: 'y'.repeat(limit) })).rejects.toMatchObject(
      {
        name: 'RequestTooLargeException',
      },
    );
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
