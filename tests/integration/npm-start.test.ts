// `npm start` as a user runs it: it comes up, serves the API from the synthesized stack, keeps its data
// across a restart, and Ctrl-C leaves no process behind (DynamoDB Local is a JVM that must not linger).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamodb-local.js';
import { projectRoot } from '../../local/paths.js';

let home: string;
let portBase: number;

function javaProcessesUsing(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `DynamoDBLocal.*${dir}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** A base port whose next `count` ports are all free right now (npm start binds base … base+5). */
async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = ((await freePort()) % 20_000) + 30_000;
    const free = await Promise.all(
      Array.from(
        { length: count },
        (_, i) =>
          new Promise<boolean>((resolve) => {
            const probe = createServer();
            probe.once('error', () => resolve(false));
            probe.listen(base + i, '127.0.0.1', () => probe.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return base;
  }
  throw new Error('no run of free ports found');
}

/** Whether something accepts connections on a loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function openPorts(): Promise<number[]> {
  const ports = Array.from({ length: 6 }, (_, i) => portBase + i);
  const open = await Promise.all(ports.map(listening));
  return ports.filter((_, i) => open[i]);
}

/** Waits up to `ms` for every port to close and every JVM of this home to go; what is left otherwise. */
async function everythingStopped(ms: number): Promise<{ ports: number[]; java: string[] }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = { ports: await openPorts(), java: javaProcessesUsing(home) };
    if ((left.ports.length === 0 && left.java.length === 0) || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `npm start` itself (npm → node → java), as a user, a process manager or CI runs it. */
function viaNpm(): ChildProcess {
  return spawn('npm', ['start', '--', '--port-base', String(portBase), '--quiet'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      SKILLCERT_HOME: home,
      SKILLCERT_CACHE_DIR: join(projectRoot, '.skillcert', 'cache'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function start(how: 'node' | 'npm' = 'node'): Promise<{ child: ChildProcess; output: () => string }> {
  const child =
    how === 'npm'
      ? viaNpm()
      : spawn(
          process.execPath,
          ['--import', 'tsx', 'local/main.ts', '--port-base', String(portBase), '--quiet'],
          {
            cwd: projectRoot,
            env: {
              ...process.env,
              SKILLCERT_HOME: home,
              SKILLCERT_CACHE_DIR: join(projectRoot, '.skillcert', 'cache'),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
  let text = '';
  child.stdout?.on('data', (c: Buffer) => {
    text += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    text += c.toString();
  });
  const deadline = Date.now() + 120_000;
  while (!/ready in [\d.]+ s/.test(text)) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${text}`);
    if (Date.now() > deadline) throw new Error(`npm start not ready in time:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => text };
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'skillcert-start-'));
  portBase = await freePortRun(6);
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('npm start', () => {
  it('serves the synthesized API, prints how to sign in, and stops everything on Ctrl-C', async () => {
    const { child, output } = await start();
    try {
      expect(output()).toContain(`HTTP API        http://127.0.0.1:${portBase}`);
      expect(output()).toMatch(/Get a token:\n\s+curl -s http:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/token/);
      const jwks = await fetch(`http://127.0.0.1:${portBase}/.well-known/jwks.json`);
      expect(jwks.status).toBe(200);
      const body = (await jwks.json()) as { keys: { kty: string; crv: string; kid: string }[] };
      expect(body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256' });
      expect(javaProcessesUsing(home)).toHaveLength(1);

      // A fresh data folder: the dev candidate finds a session he can sit, and the output says so.
      expect(output()).toContain(
        "Seeded on this fresh data folder: exam lathe-operator-level-4 and session 'welcome'",
      );
      const [, issuer, clientId] =
        /curl -s (\S+)\/oauth2\/token -d grant_type=password -d client_id=(\S+)/.exec(output()) ?? [];
      const tokenResponse = await fetch(`${issuer}/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: clientId as string,
          username: 'zhangwei',
          password: 'Candidate-123!',
        }),
      });
      const { access_token } = (await tokenResponse.json()) as { access_token: string };
      const sessions = await fetch(`http://127.0.0.1:${portBase}/sessions`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(sessions.status).toBe(200);
      const listed = ((await sessions.json()) as { sessions: { sessionId: string; eligible: boolean }[] })
        .sessions;
      expect(listed.find((s) => s.sessionId === 'welcome')).toMatchObject({ eligible: true });
      const attempt = await fetch(`http://127.0.0.1:${portBase}/sessions/welcome/attempts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(attempt.status).toBe(201);
    } finally {
      expect(await interrupt(child)).toBe(0);
    }
    expect(javaProcessesUsing(home)).toEqual([]);
  });

  it('keeps its keys across a restart: the published key id is the same', async () => {
    const kid = async () => {
      const response = await fetch(`http://127.0.0.1:${portBase}/.well-known/jwks.json`);
      return ((await response.json()) as { keys: { kid: string }[] }).keys[0]?.kid;
    };
    const first = await start();
    const before = await kid();
    expect(await interrupt(first.child)).toBe(0);
    const second = await start();
    try {
      expect(await kid()).toBe(before);
      // Not a fresh data folder: nothing is seeded again.
      expect(second.output()).not.toContain('Seeded');
    } finally {
      expect(await interrupt(second.child)).toBe(0);
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the top `npm start` process stops everything it started, Java included, within seconds',
    async (signal) => {
      const { child } = await start('npm');
      expect(await openPorts()).toHaveLength(6);
      expect(javaProcessesUsing(home)).toHaveLength(1);
      child.kill(signal); // the npm process only, not its process group
      expect(await everythingStopped(10_000)).toEqual({ ports: [], java: [] });
    },
  );

  it('leaves no JVM behind even when the local cloud is killed outright (SIGKILL)', async () => {
    const { child } = await start();
    expect(javaProcessesUsing(home)).toHaveLength(1);
    child.kill('SIGKILL'); // no handler runs: DynamoDB Local sees its stdin close and exits
    expect(await everythingStopped(10_000)).toEqual({ ports: [], java: [] });
  });
});
