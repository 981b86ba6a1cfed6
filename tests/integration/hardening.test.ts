// Issue 11's hardening classes, tried through the whole local cloud (the neijiang stack): every listener
// is on loopback, routing treats encoded and dot segments as API Gateway does, partner URLs cannot
// point the region at its own network (server-side request forgery), public routes never sign or write
// per request, and every body is strict and bounded with messages that name the field.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRegistryStore } from '../../functions/adapters/dynamodb-registry-store.js';
import { SIGNING_KEY_PK } from '../../functions/adapters/dynamodb-signing-key-ledger.js';
import { StatusList } from '../../functions/domain/index.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { DEV_USERS } from '../../local/dev-identities.js';
import { synthesizeRegion } from '../../local/synth.js';
import { eventually, RegionClient, regionOf, setUpExam, sitAndMark } from '../../scripts/story.js';
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

// ---- public routes never sign or write per request ----

function table() {
  return {
    db: DynamoDBDocumentClient.from(cloud.dynamoClient),
    name: cloud.model.tables[0]?.tableName as string,
  };
}

async function partition(pk: string) {
  const { db, name } = table();
  const out = await db.send(
    new QueryCommand({
      TableName: name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return out.Items ?? [];
}

async function itemCount() {
  const { db, name } = table();
  return (await db.send(new ScanCommand({ TableName: name, Select: 'COUNT' }))).Count ?? 0;
}

describe('public routes never sign or write per request', () => {
  let client: RegionClient;
  let certificate: { number: string; jws: string };

  it('serves the key set and DID document on a fresh region without writing the key ledger', async () => {
    const before = await itemCount();
    for (const path of ['/.well-known/jwks.json', '/.well-known/did.json', '/.well-known/jwks.json']) {
      const response = await fetch(`${cloud.endpoints.api}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    }
    const keys = (await (await fetch(`${cloud.endpoints.api}/.well-known/jwks.json`)).json()) as {
      keys: unknown[];
    };
    expect(keys.keys.length).toBe(2); // the ES256 and Ed25519 keys, from KMS before their first use
    expect(await partition(SIGNING_KEY_PK)).toEqual([]);
    expect(await itemCount()).toBe(before);
  });

  it('answers 404 for any status list no credential named, signing and writing nothing', async () => {
    const before = await itemCount();
    for (const list of [
      '0001',
      '9999',
      '2026',
      'certificates-1',
      'certificates-999999',
      'recognitions-1',
      'endorsements-2026',
    ]) {
      for (const purpose of ['revocation', 'suspension']) {
        const response = await fetch(`${cloud.endpoints.api}/status/neijiang/${list}/${purpose}`);
        expect(response.status, `${list}/${purpose}`).toBe(404);
        expect(await response.json()).toMatchObject({
          message: 'No such status list',
          messageZh: expect.any(String),
        });
      }
    }
    for (const path of ['/status/zigong/certificates-1/revocation', '/status/neijiang/certificates-1/other'])
      expect((await fetch(`${cloud.endpoints.api}${path}`)).status, path).toBe(404);
    expect(await partition('STATUSLIST#SIGNED')).toEqual([]);
    expect(await itemCount()).toBe(before);
  });

  it('serves a list signed when its first certificate was issued, the same bytes however often it is asked for', async () => {
    client = new RegionClient(regionOf('neijiang', cloud));
    await client.signIn('liumin');
    const sessionId = await setUpExam(client);
    certificate = await sitAndMark(client, sessionId);
    // Signed by the issuing step right after the certificate commits, so a moment after it is visible.
    const signed = await eventually(async () => {
      const found = await partition('STATUSLIST#SIGNED');
      return found.length >= 2 ? found : undefined;
    }, 'both lists to be signed');
    expect(signed.map((i) => i.sk).sort()).toEqual([
      'neijiang/certificates-1#revocation',
      'neijiang/certificates-1#suspension',
    ]);
    const bodies = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${cloud.endpoints.api}/status/neijiang/certificates-1/revocation`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/vc+jwt');
      expect(response.headers.get('cache-control')).toMatch(/^public, max-age=(300|29\d)$/);
      bodies.add(await response.text());
    }
    expect(bodies.size).toBe(1);
    expect(await partition('STATUSLIST#SIGNED')).toEqual(signed);
  }, 240_000);

  it('shows a revocation in the served list as soon as the admin request returns', async () => {
    // OB 3.0: one credentialStatus, the revocation entry (the suspension bit sits at the same index).
    const entry = (
      decodeJwt(certificate.jws) as {
        credentialStatus: { statusPurpose: string; statusListIndex: string; statusListCredential: string };
      }
    ).credentialStatus;
    expect(entry.statusPurpose).toBe('revocation');
    const revoked = await client.call('liumin', 'POST', `/admin/certificates/${certificate.number}/status`, {
      action: 'revoke',
      reason: 'Exam misconduct established by the evaluation committee',
    });
    expect(revoked).toMatchObject({ status: 'revoked', statusListsPublished: true });
    const path = new URL(entry.statusListCredential).pathname;
    const list = decodeJwt(await (await fetch(`${cloud.endpoints.api}${path}`)).text()) as {
      credentialSubject: { encodedList: string };
      validFrom: string;
      validUntil: string;
    };
    expect(StatusList.decode(list.credentialSubject.encodedList).get(Number(entry.statusListIndex))).toBe(
      true,
    );
    expect(Date.parse(list.validUntil) - Date.parse(list.validFrom)).toBe(24 * 3600 * 1000);
  });
});

// ---- strict input everywhere ----

describe('bad input is refused, naming the field and why, and changes nothing', () => {
  let admin: RegionClient;
  const person = { name: '王五', employer: '自贡机械厂', trainingOrg: '', roles: ['candidate'] };

  beforeAll(async () => {
    admin = new RegionClient(regionOf('neijiang', cloud));
    await admin.signIn('liumin');
  });

  async function refused(path: string, body: unknown, field: string, why: RegExp, method = 'PUT') {
    const reply = await admin.request('liumin', method, path, body);
    expect(reply.status, `${path} ${JSON.stringify(body)}`).toBe(400);
    const details = reply.body.details as { field: string; message: string; messageZh: string }[];
    expect(
      details.map((d) => d.field),
      JSON.stringify(reply.body),
    ).toContain(field);
    const problem = details.find((d) => d.field === field);
    expect(problem?.message).toMatch(why);
    expect(problem?.messageZh).toMatch(/[\u4e00-\u9fff]/);
    expect(reply.body.message).not.toBe('Invalid input');
    return reply;
  }

  it('refuses people with a negative or absurd years of work, unknown roles, and names that do not belong on a certificate', async () => {
    await refused(
      '/admin/people/p-years',
      { ...person, yearsOfWork: { '6-18-01-01': -3 } },
      'yearsOfWork.6-18-01-01',
      /at least 0/,
    );
    await refused(
      '/admin/people/p-years',
      { ...person, yearsOfWork: { '6-18-01-01': 500 } },
      'yearsOfWork.6-18-01-01',
      /at most 60/,
    );
    await refused('/admin/people/p-role', { ...person, roles: ['candidate', 'root'] }, 'roles.1', /one of/);
    await refused('/admin/people/p-extra', { ...person, isAdmin: true }, 'isAdmin', /not a field/);
    for (const name of ['王五\u202E', 'Wang\u0000Wu', 'Wang\u200BWu', 'Wang\uD800', '\u2066Wang\u2069'])
      await refused(
        '/admin/people/p-name',
        { ...person, name },
        'name',
        /control|surrogate|bidirectional|invisible/,
      );
    for (const sub of ['p-years', 'p-role', 'p-extra', 'p-name'])
      expect((await admin.request('liumin', 'GET', `/admin/people/${sub}`)).status, sub).toBe(404);
  });

  it('refuses the same resident ID for a second person with a 409, and keeps nothing of the second', async () => {
    const id = '51100219900307123X'; // 张伟's, registered by the story above
    const first = await admin.request('liumin', 'PUT', '/admin/people/p-twin', { ...person, nationalId: id });
    expect(first.status).toBe(409);
    expect(first.body.message).toMatch(/already registered to another person/);
    expect(first.body.messageZh).toMatch(/已登记/);
    expect(JSON.stringify(first.body)).not.toContain(id);
    expect((await admin.request('liumin', 'GET', '/admin/people/p-twin')).status).toBe(404);
    // The holder keeps their ID.
    await admin.signIn('zhangwei');
    const me = await admin.call('zhangwei', 'GET', '/me');
    expect(await admin.call('liumin', 'GET', `/admin/people/${String(me.sub)}`)).toMatchObject({
      identityRegistered: true,
    });
  });

  it('refuses sessions with unknown fields, impossible or far-off dates, and seat limits below one', async () => {
    const session = {
      examId: 'lathe-operator-level-4',
      opensAt: '2027-03-01T08:00:00+08:00',
      closesAt: '2027-03-01T12:00:00+08:00',
      seatLimit: 30,
      location: '内江',
    };
    await refused('/admin/sessions/s-bad', { ...session, graceSeconds: 0 }, 'graceSeconds', /not a field/);
    await refused(
      '/admin/sessions/s-bad',
      { ...session, opensAt: '2026-02-31T08:00:00+08:00' },
      'opensAt',
      /real calendar day/,
    );
    await refused(
      '/admin/sessions/s-bad',
      { ...session, closesAt: '9999-12-31T08:00:00Z' },
      'closesAt',
      /between 2000 and 2099/,
    );
    for (const seatLimit of [0, -5, 1.5])
      await refused(
        '/admin/sessions/s-bad',
        { ...session, seatLimit },
        'seatLimit',
        /at least 1|whole number/,
      );
    await refused(
      '/admin/occupations/6-18-01-09',
      { nameZh: '车工\u202E', nameEn: 'Lathe' },
      'nameZh',
      /bidirectional/,
    );
    await refused(
      '/admin/certificates/NJ-2026-4-000001-Q/status',
      { action: 'revoke', reason: 'ok\u202Eok', notify: false },
      'notify',
      /not a field/,
      'POST',
    );
    // A path parameter with a bidi override is refused by name too.
    const path = await admin.request(
      'liumin',
      'PUT',
      `/admin/sessions/${encodeURIComponent('s\u202Eevil')}`,
      session,
    );
    expect(path.status).toBe(400);
    expect(path.body.message).toMatch(/^sessionId contains a bidirectional control/);
    const sessions = (await admin.call('zhangwei', 'GET', '/sessions?limit=100')).sessions as {
      sessionId: string;
    }[];
    expect(sessions.map((s) => s.sessionId)).not.toContain('s-bad');
  });
});
