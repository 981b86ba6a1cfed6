// DynamoDB Local, AWS's own engine, run from the jar that ships inside the npm package
// amplify-dynamodb-simulator. We fetch only its tarball with `npm pack` (installing the package would
// pull 347 MB of dependencies we never use), check it against a pinned integrity, and unpack the
// emulator folder into a cache that survives `npm ci`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheDir as defaultCacheDir } from './paths.js';

const execFileAsync = promisify(execFile);

/**
 * The jar's own main listens on every interface (Jetty's `new Server(port)`, no host option or property),
 * so we start it through this launcher, which binds the connector to 127.0.0.1 (docs/security.md).
 */
const LOOPBACK_LAUNCHER = fileURLToPath(new URL('./java/LoopbackDynamoDbLocal.java', import.meta.url));

/** The pinned source of the DynamoDB Local jar: the npm tarball's integrity and the jar's own sha256. */
export const DYNAMODB_LOCAL_SOURCE = {
  packageName: 'amplify-dynamodb-simulator',
  version: '2.9.30',
  integrity:
    'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==',
  jarSha256: '454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7',
} as const;

export type DynamoDbLocalStorage = { inMemory: true } | { dataDir: string };

export interface DynamoDbLocalOptions {
  port?: number;
  cacheDir?: string;
  /** Receives DynamoDB Local's own output lines (default: dropped unless it fails to start). */
  logger?: (line: string) => void;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

async function fileDigest(path: string, algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64') {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest(encoding);
}

/**
 * Makes sure the emulator is unpacked in the cache and returns its folder. Safe to call from several
 * processes at once: each unpacks into its own temporary folder and the first rename wins.
 */
export async function ensureDynamoDbLocal(cacheDir = defaultCacheDir()): Promise<string> {
  const { packageName, version, integrity, jarSha256 } = DYNAMODB_LOCAL_SOURCE;
  const target = join(cacheDir, `dynamodb-local-${version}`);
  const marker = join(target, '.verified');
  if (existsSync(marker)) return target;

  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, '.fetch-'));
  try {
    try {
      await execFileAsync(
        'npm',
        ['pack', `${packageName}@${version}`, '--pack-destination', work, '--silent'],
        {
          cwd: work,
          maxBuffer: 16 * 1024 * 1024,
        },
      );
    } catch (error) {
      throw new Error(
        `Could not fetch ${packageName}@${version} with npm pack (it carries the DynamoDB Local jar): ${(error as Error).message}`,
      );
    }
    const tarball = join(work, `${packageName}-${version}.tgz`);
    const actual = `sha512-${await fileDigest(tarball, 'sha512', 'base64')}`;
    if (actual !== integrity) {
      throw new Error(
        `${packageName}@${version} tarball integrity mismatch: expected ${integrity}, got ${actual}`,
      );
    }
    const unpacked = join(work, 'emulator');
    await mkdir(unpacked);
    await execFileAsync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=2', 'package/emulator']);
    const jarDigest = await fileDigest(join(unpacked, 'DynamoDBLocal.jar'), 'sha256', 'hex');
    if (jarDigest !== jarSha256) {
      throw new Error(`DynamoDBLocal.jar sha256 mismatch: expected ${jarSha256}, got ${jarDigest}`);
    }
    await writeFile(join(unpacked, '.verified'), `${integrity}\n`);
    try {
      await rename(unpacked, target);
    } catch (error) {
      // Another process finished first; its copy passed the same checks.
      if (!existsSync(marker)) throw error;
    }
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(endpoint: string, child: ChildProcess, output: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      // Any well-formed answer from the engine means it is up; credentials are not checked locally.
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/local/dynamodb/aws4_request',
        },
        body: '{}',
        signal: AbortSignal.timeout(1000),
      });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(
    `DynamoDB Local did not start (${exited ?? `no answer within ${timeoutMs} ms`}). Its output:\n${output.join('\n')}`,
  );
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function killAllOnExit() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last line of defence: never leave a JVM behind when the Node process goes away.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** Starts DynamoDB Local on a loopback port (bound to 127.0.0.1 only), in memory (tests) or on disk under dataDir (npm start). */
export async function startDynamoDbLocal(
  storage: DynamoDbLocalStorage,
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  const emulatorDir = await ensureDynamoDbLocal(options.cacheDir);
  const port = options.port ?? (await freePort());
  const storageArgs = 'inMemory' in storage ? ['-inMemory'] : ['-dbPath', storage.dataDir];
  if ('dataDir' in storage) await mkdir(storage.dataDir, { recursive: true });

  const child = spawn(
    'java',
    [
      // A small, quick-starting JVM: the engine serves one developer, not a fleet.
      '-Xms64m',
      '-Xmx768m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
      // A plain IPv4 socket on 127.0.0.1 (not an IPv4-mapped one on an IPv6 socket).
      '-Djava.net.preferIPv4Stack=true',
      '-cp',
      `${join(emulatorDir, 'DynamoDBLocal.jar')}:${join(emulatorDir, 'DynamoDBLocal_lib', '*')}`,
      // Java's source-file mode (JDK 11+): compiled in memory at start, nothing to build or ship.
      LOOPBACK_LAUNCHER,
      '-port',
      String(port),
      '-sharedDb',
      '-disableTelemetry',
      ...storageArgs,
    ],
    // stdin is a pipe we never write to: the launcher exits when it closes, i.e. when this process dies.
    { cwd: emulatorDir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  running.add(child);
  killAllOnExit();
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      if (output.length < 200) output.push(line);
      options.logger?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(
        new Error(`Could not run java for DynamoDB Local (a Java 17+ JDK must be on PATH): ${error.message}`),
      ),
    ),
  );

  const endpoint = `http://127.0.0.1:${port}`;
  await Promise.race([waitUntilServing(endpoint, child, output, 30_000), spawnError]);

  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          running.delete(child);
          resolve();
          return;
        }
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          running.delete(child);
          resolve();
        });
        child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}
