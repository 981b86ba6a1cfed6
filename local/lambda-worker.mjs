// One Lambda sandbox: a worker thread that loads a function's bundled asset once (the cold start) and
// then serves invocations one at a time, as a Lambda execution environment does. Plain JavaScript so
// it runs under any loader (tsx, vitest, plain node). The worker's process.env is the function's own.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { assetDir, handler, functionName, functionArn, memoryMb, logGroupName, clock } = workerData;

// The cloud's clock (tests pin it at the edges: New Year's Eve, 29 February, the minute a session
// opens). A shared buffer: [0] is 1 while pinned, [1] the pinned instant in ms. While pinned, Date.now()
// and new Date() read the pinned instant; everything else about Date is untouched. The invocation's
// remaining time is real time, as Lambda's is.
const realNow = Date.now;
if (clock) {
  const pinned = new Float64Array(clock);
  const now = () => (pinned[0] === 1 ? pinned[1] : realNow());
  const RealDate = Date;
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) =>
      Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
    apply: () => new RealDate(now()).toString(),
    get: (target, property, receiver) => (property === 'now' ? now : Reflect.get(target, property, receiver)),
  });
}

function errorPayload(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name && error.name !== 'Error' ? error.name : error.constructor?.name || 'Error',
      errorMessage: error.message,
      trace: String(error.stack ?? '').split('\n'),
    };
  }
  return {
    errorType: 'Error',
    errorMessage: typeof error === 'string' ? error : JSON.stringify(error),
    trace: [],
  };
}

async function loadHandler() {
  const dot = handler.lastIndexOf('.');
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const candidates = ['.mjs', '.js', '.cjs'].map((ext) => join(assetDir, modulePath + ext));
  const file = candidates.find((c) => existsSync(c));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}' in ${assetDir}`), {
      name: 'Runtime.ImportModuleError',
    });
  }
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${modulePath}.${exportName} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return fn;
}

const initStarted = performance.now();
const ready = loadHandler();
// The cold start's module initialisation time, for the benchmarks.
ready.then(
  () => parentPort.postMessage({ init: performance.now() - initStarted }),
  () => {},
);
// An init failure is reported to each invocation (as Lambda does), not as an unhandled rejection.
ready.catch(() => {});

parentPort.on('message', async (message) => {
  const { requestId, event, deadline } = message;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId,
    logGroupName,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - realNow()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  try {
    const fn = await ready;
    const result =
      fn.length >= 3
        ? await new Promise((resolve, reject) => {
            // Callback-style handler (event, context, callback).
            const maybe = fn(event, context, (err, value) => (err ? reject(err) : resolve(value)));
            if (maybe && typeof maybe.then === 'function') maybe.then(resolve, reject);
          })
        : await fn(event, context);
    // Lambda returns the JSON serialisation of the result, so Dates become strings and undefined drops out.
    const payload = result === undefined ? null : JSON.parse(JSON.stringify(result));
    parentPort.postMessage({ requestId, ok: true, payload });
  } catch (error) {
    parentPort.postMessage({ requestId, ok: false, ...errorPayload(error) });
  }
});
