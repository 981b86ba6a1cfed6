// Issue 11's hardening classes, tried through the whole local cloud (the neijiang stack): every listener
// is on loopback, and routing treats encoded and dot segments as API Gateway does.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { DEV_USERS } from '../../local/dev-identities.js';
import { synthesizeRegion } from '../../local/synth.js';
import { listeningSockets, processTree } from '../support/listening-sockets.js';

let cloud: LocalCloud;

async function token(username: string): Promise<string> {
  const [pool] = cloud.model.userPools;
  const client = pool?.clients.find((c) => !c.generateSecret)?.clientId as string;
  const user = DEV_USERS.find((u) => u.username === username);
  const response = await fetch(`${pool?.issuer}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: client,
      username,
      password: user?.password as string,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A request with the path sent exactly as written (fetch would resolve `..` and `%2e%2e` itself). */
function raw(method: string, path: string, bearer: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(cloud.endpoints.api);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { authorization: `Bearer ${bearer}` } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const stack = synthesizeRegion({ region: 'neijiang' });
  cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    // The benchmarks' metering proxy and the tests' fault proxy are listeners too: check them as well.
    meterDynamoDb: true,
    faults: true,
  });
});

afterAll(async () => {
  await cloud?.stop();
});

describe('every service of the local cloud binds to loopback', () => {
  it('lists every listening socket of this process and DynamoDB Local: all on 127.0.0.1', () => {
    const sockets = listeningSockets(processTree(process.pid));
    const ports = new Set(sockets.map((s) => s.port));
    for (const endpoint of [
      cloud.endpoints.api,
      cloud.endpoints.oidc,
      cloud.endpoints.stepFunctions,
      cloud.endpoints.eventBridge,
      cloud.endpoints.dynamodb, // the fault proxy
      cloud.meter?.endpoint as string,
    ]) {
      expect(ports, endpoint).toContain(Number(new URL(endpoint).port));
    }
    // DynamoDB Local itself, a JVM child of this process.
    expect(sockets.some((s) => s.pid !== process.pid)).toBe(true);
    expect(sockets.length).toBeGreaterThanOrEqual(7);
    expect(sockets.filter((s) => s.address !== '127.0.0.1')).toEqual([]);
  });
});

describe('routing matches API Gateway on encoded and dot segments', () => {
  it('never serves `…/{attemptId}/%2e%2e` (or any spelling of it) as the reviews list', async () => {
    const assessor = await token('liqiang');
    const list = await raw('GET', '/assessor/reviews', assessor);
    expect(list.status).toBe(200);
    for (const path of [
      '/assessor/reviews/a-1/%2e%2e',
      '/assessor/reviews/a-1/%2E%2E',
      '/assessor/reviews/a-1/%2e%2E',
      '/assessor/reviews/a-1/..',
      '/assessor/reviews/a-1/.',
      '/assessor/reviews/a-1/%252e%252e',
      '/assessor/reviews/%2e%2e/%2e%2e',
      '/assessor/reviews/a-1/1/%2e%2e',
      '/assessor/reviews/a-1/1%2F..',
    ]) {
      const answer = await raw('GET', path, assessor);
      expect([path, answer.status >= 400 && answer.status < 500], answer.body).toEqual([path, true]);
      expect(answer.body).not.toBe(list.body);
    }
  });

  it('does not reach a route by climbing out of another one', async () => {
    const candidate = await token('zhangwei');
    // `/me/attempts/..` would be `/me` if dot-segments were resolved.
    const me = await raw('GET', '/me', candidate);
    expect(me.status).toBe(200);
    for (const path of ['/me/attempts/..', '/me/attempts/%2e%2e', '/me/attempts/%2E%2E/']) {
      const answer = await raw('GET', path, candidate);
      expect([path, answer.status]).toEqual([path, 404]);
    }
  });
});
