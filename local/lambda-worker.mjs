// One Lambda sandbox: a child process that loads a function's bundled asset once (the cold start) and
// then serves invocations one at a time, as a Lambda execution environment does. A process, not a worker
// thread, because a thread shares its process's time zone, locale and Node options: here TZ, LANG and
// NODE_OPTIONS are the function's own, as in Lambda (docs/local-cloud.md). Plain JavaScript so it runs
// under any loader. The parent (local/lambda-runtime.ts) talks to it over the IPC channel.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The cloud's clock (tests pin it at the edges: New Year's Eve, 29 February, the minute a session
// opens). While pinned, Date.now() and new Date() read the pinned instant; everything else about Date is
// untouched. The parent sends the clock with every invocation and whenever it changes. The invocation's
// remaining time is real time, as Lambda's is.
const realNow = Date.now;
let pinnedAt = null;
const now = () => (pinnedAt === null ? realNow() : pinnedAt);
const RealDate = Date;
globalThis.Date = new Proxy(RealDate, {
  construct: (target, args, newTarget) =>
    Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
  apply: () => new RealDate(now()).toString(),
  get: (target, property, receiver) => (property === 'now' ? now : Reflect.get(target, property, receiver)),
});

// The Node.js runtime's error document: `name` as it is (a minifier may rename classes, never a name
// property), or for a thrown non-Error its typeof and String().
function errorPayload(error) {
  try {
    if (error instanceof Error) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: String(error.stack ?? '').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return { errorType: 'handled', errorMessage: 'the thrown value could not be read', trace: [] };
  }
}

function runtimeError(name, message) {
  return Object.assign(new Error(message), { name });
}

// Runtimes from nodejs24.x on refuse callback-style handlers (three parameters) at init; streaming
// handlers are the exception, and older runtimes still accept them.
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
function refusesCallbacks(runtime) {
  const m = /^nodejs(\d+)\.x$/.exec(runtime ?? '');
  return !m || Number(m[1]) >= 24;
}

async function loadHandler({ assetDir, handler, runtime }) {
  const dot = handler.lastIndexOf('.');
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const candidates = ['.mjs', '.js', '.cjs'].map((ext) => join(assetDir, modulePath + ext));
  const file = candidates.find((c) => existsSync(c));
  if (!file) {
    throw runtimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
  }
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') {
    throw runtimeError('Runtime.HandlerNotFound', `${modulePath}.${exportName} is undefined or not exported`);
  }
  if (fn.length >= 3 && !fn[STREAMING] && refusesCallbacks(runtime)) {
    throw runtimeError(
      'Runtime.CallbackHandlerDeprecated',
      `${handler} takes a callback (event, context, callback): the ${runtime} runtime no longer runs ` +
        'callback-based handlers; write it as an async (event, context) handler',
    );
  }
  return fn;
}

let config;
let ready;

process.on('message', async (message) => {
  if (message.type === 'clock') {
    pinnedAt = message.pinnedAt;
    return;
  }
  if (message.type === 'init') {
    config = message;
    const initStarted = performance.now();
    ready = loadHandler(config);
    // The cold start's module initialisation time, for the benchmarks.
    ready.then(
      () => process.send({ init: performance.now() - initStarted }),
      () => {},
    );
    // An init failure is reported to each invocation (as Lambda does), not as an unhandled rejection.
    ready.catch(() => {});
    return;
  }
  const { requestId, event, deadline, clock } = message;
  pinnedAt = clock;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: config.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: config.functionArn,
    memoryLimitInMB: String(config.memoryMb),
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - realNow()),
  };
  try {
    const fn = await ready;
    const result =
      fn.length >= 3
        ? // Callback-style handler (event, context, callback): only runtimes before nodejs24.x get here.
          await new Promise((resolve, reject) => {
            const maybe = fn(event, context, (err, value) => (err ? reject(err) : resolve(value)));
            if (maybe && typeof maybe.then === 'function') maybe.then(resolve, reject);
          })
        : await fn(event, context);
    // Lambda returns the JSON serialisation of the result, so Dates become strings and undefined drops out.
    let text;
    try {
      text = result === undefined ? 'null' : JSON.stringify(result);
    } catch (error) {
      throw runtimeError('Runtime.JSONStringifyError', `Unable to stringify response body: ${error.message}`);
    }
    process.send({ requestId, ok: true, payloadText: text ?? 'null' });
  } catch (error) {
    process.send({ requestId, ok: false, ...errorPayload(error) });
  }
});

// The parent is gone (even killed with SIGKILL): a sandbox never outlives its local cloud.
process.on('disconnect', () => process.exit(0));
