// Issue 11's hardening classes, tried through the whole local cloud (the neijiang stack): every listener
// is on loopback, routing treats encoded and dot segments as API Gateway does, and partner URLs cannot
// point the region at its own network (server-side request forgery).
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRegistryStore } from '../../functions/adapters/dynamodb-registry-store.js';
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
      cloud.endpoints.s3,
      cloud.endpoints.dynamodb, // the fault proxy
      cloud.meter?.endpoint as string,
    ]) {
      expect(ports, endpoint).toContain(Number(new URL(endpoint).port));
    }
    // DynamoDB Local itself, a JVM child of this process.
    expect(sockets.some((s) => s.pid !== process.pid)).toBe(true);
    expect(sockets.length).toBeGreaterThanOrEqual(8);
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

describe('partner URLs cannot point the region at its own network', () => {
  const entry = (urls: Record<string, string>) => ({
    nameZh: '宜宾',
    nameEn: 'Yibin',
    did: 'did:web:yibin.skillcert.example',
    publicUrl: 'https://yibin.skillcert.example',
    apiUrl: 'https://yibin.skillcert.example',
    jwksUrl: 'https://yibin.skillcert.example/.well-known/jwks.json',
    webhookUrl: 'https://yibin.skillcert.example/partner-notices',
    ...urls,
  });

  async function putPartner(admin: string, code: string, body: unknown) {
    const response = await fetch(`${cloud.endpoints.api}/admin/partners/${code}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('refuses every non-public or non-https partner URL at the admin route, naming the field', async () => {
    const admin = await token('liumin');
    const refused: [Record<string, string>, RegExp][] = [
      [{ jwksUrl: 'http://169.254.169.254/latest/meta-data/iam' }, /jwksUrl must be https/],
      [{ jwksUrl: 'https://169.254.169.254/latest/meta-data/iam' }, /jwksUrl must not name a loopback/],
      [{ webhookUrl: 'http://10.0.0.1/x' }, /webhookUrl must be https/],
      [{ webhookUrl: 'https://10.0.0.1/x' }, /webhookUrl must not name a loopback/],
      [{ apiUrl: 'https://[fd00:ec2::254]' }, /apiUrl must not name a loopback/],
      // 127.0.0.2 in decimal: the URL parser reads it as an address, and it is not the allowed one
      [{ apiUrl: 'https://2130706434' }, /apiUrl must not name a loopback/],
      [{ apiUrl: 'https://0xa9fea9fe' }, /apiUrl must not name a loopback/],
      [{ publicUrl: 'https://[::ffff:192.168.0.1]' }, /publicUrl must not name a loopback/],
      [{ jwksUrl: 'https://localhost/jwks' }, /jwksUrl must name a public host/],
      // On the local cloud exactly 127.0.0.1 is allowed, over http: not another loopback address or name.
      [{ apiUrl: 'http://127.0.0.2:4400' }, /apiUrl must be https/],
      [{ apiUrl: 'http://localhost:4400' }, /apiUrl must be https/],
    ];
    for (const [urls, problem] of refused) {
      const answer = await putPartner(admin, 'yibin', entry(urls));
      expect([urls, answer.status, JSON.stringify(answer.body)]).toEqual([
        urls,
        400,
        expect.stringMatching(problem),
      ]);
    }
    const listed = await fetch(`${cloud.endpoints.api}/admin/partners`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(JSON.stringify(await listed.json())).not.toContain('yibin');

    // The regions the local cloud runs itself answer on 127.0.0.1: those are entered.
    const local = await putPartner(admin, 'yibin', entry({ apiUrl: 'http://127.0.0.1:4400' }));
    expect(local.status).toBe(200);
  });

  it('checks again when it fetches: a partner entered before the rule is not fetched', async () => {
    // A partner "key set" on another loopback address, counting what reaches it.
    let hits = 0;
    const trap = createServer((_request, response) => {
      hits++;
      response.end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.2', resolve));
    const port = (trap.address() as AddressInfo).port;
    try {
      const table = cloud.model.tables[0]?.tableName as string;
      const registry = new DynamoDbRegistryStore(table, cloud.dynamoClient);
      const did = 'did:web:luzhou.skillcert.example';
      for (const jwksUrl of [
        `http://127.0.0.2:${port}/.well-known/jwks.json`,
        `http://2130706434:${port}/.well-known/jwks.json`,
        'http://169.254.169.254/latest/meta-data/',
      ]) {
        // Written straight to the table, as a record from before the rule would be.
        await registry.putPartner({
          code: 'luzhou',
          nameZh: '泸州',
          nameEn: 'Luzhou',
          did,
          publicUrl: 'https://luzhou.skillcert.example',
          apiUrl: 'https://luzhou.skillcert.example',
          jwksUrl,
          status: 'active',
        });
        const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        const jws = `${b64({ alg: 'ES256', kid: `${did}#k1`, typ: 'vc+jwt' })}.${b64({ issuer: did })}.AAAA`;
        const response = await fetch(`${cloud.endpoints.api}/credentials/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ verifiableCredential: jws }),
        });
        const body = JSON.stringify(await response.json());
        expect([jwksUrl, response.status, body]).toEqual([
          jwksUrl,
          502,
          expect.stringMatching(/must be https/),
        ]);
      }
      expect(hits).toBe(0);
    } finally {
      await new Promise((resolve) => trap.close(resolve));
    }
  });
});
