// Two regions when the other is slow to change or away.
//
// Zigong verifies Neijiang's certificates with Neijiang's status lists, which it keeps for a short while
// (the test stacks bound it at TEST_STACK_OPTIONS.partnerStatusListCacheSeconds): a repeated verification
// does not fetch them again, a suspension at Neijiang (no notice is sent for one) is seen once the bound has
// passed, and a revocation is seen as soon as Neijiang's notice has reached Zigong, before the bound.
// Neijiang's API is reached through a counting proxy, so the test sees every status list fetch.
//
// Zigong's recognition of a Neijiang certificate is told to Neijiang by a stored notice, delivered with
// retries: while Neijiang's webhook is down (its port refuses connections) the attempts fail and are
// recorded, and once it is back the notice arrives, once. A recognition voided meanwhile (Neijiang revoked
// the certificate) is never told: its notice is withdrawn.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local/cloud.js';
import { RegionClient, regionOf, registerPartners, setUpExam, sitAndMark } from '../../scripts/story.js';
import { eventually } from '../support/eventually.js';
import { revocationNoticeTaken, startTestRegion, TEST_STACK_OPTIONS } from '../support/regions.js';

const BOUND_MS = TEST_STACK_OPTIONS.partnerStatusListCacheSeconds * 1000;

let neijiang: LocalCloud;
let zigong: LocalCloud;
let nj: RegionClient;
let zg: RegionClient;
let proxy: Server;
/** Every status list request Zigong made to Neijiang: its path and when it arrived. */
const fetches: { path: string; at: number }[] = [];
let certificate: { number: string; jws: string };
/** Neijiang's webhook as Zigong's registry names it: a port that can be closed (down) and opened again. */
let webhook: Server;
let webhookPort: number;
const webhookHits: number[] = [];

beforeAll(async () => {
  [neijiang, zigong] = [await startTestRegion('neijiang'), await startTestRegion('zigong')];
  nj = new RegionClient(regionOf('neijiang', neijiang));
  zg = new RegionClient(regionOf('zigong', zigong));
  await Promise.all([nj.signIn('liumin'), zg.signIn('liumin')]);
  await registerPartners(
    { client: nj, nameZh: '内江', nameEn: 'Neijiang', domain: 'neijiang.skillcert.example' },
    { client: zg, nameZh: '自贡', nameEn: 'Zigong', domain: 'zigong.skillcert.example' },
    {
      id: 'nj-zg-cache',
      occupationCodes: ['6-18-01-01'],
      levels: [5, 4, 3],
      validFrom: '2026-01-01',
      validUntil: '2029-12-31',
    },
  );
  // Zigong reaches Neijiang's API through a proxy that records status list requests and passes everything on.
  const target = new URL(neijiang.endpoints.api);
  proxy = forwardingServer(target, (request) => {
    if (request.url?.startsWith('/status/')) fetches.push({ path: request.url, at: Date.now() });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  webhook = webhookServer(target);
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  webhookPort = (webhook.address() as AddressInfo).port;
  await zg.call('liumin', 'PUT', '/admin/partners/neijiang', {
    nameZh: '内江',
    nameEn: 'Neijiang',
    did: 'did:web:neijiang.skillcert.example',
    publicUrl: 'https://neijiang.skillcert.example',
    apiUrl: proxied,
    jwksUrl: `${neijiang.endpoints.api}/.well-known/jwks.json`,
    webhookUrl: `http://127.0.0.1:${webhookPort}/partner-notices`,
    status: 'active',
  });
  certificate = await sitAndMark(nj, await setUpExam(nj));
}, 240_000);

afterAll(async () => {
  await Promise.all([neijiang?.stop(), zigong?.stop()]);
  await new Promise((resolve) => proxy?.close(resolve));
  if (webhook?.listening) await new Promise((resolve) => webhook.close(resolve));
});

/** Passes every request on to Neijiang's API, counting them. */
function webhookServer(target: URL) {
  return forwardingServer(target, () => webhookHits.push(Date.now()));
}

/** An HTTP server that passes every request on to `target` as it is, telling `onRequest` first. */
function forwardingServer(target: URL, onRequest: (request: IncomingMessage) => void) {
  return createServer((request, response) => {
    onRequest(request);
    const forward = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: request.url,
        method: request.method,
        headers: { ...request.headers, host: target.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forward.on('error', () => {
      response.writeHead(502);
      response.end();
    });
    request.pipe(forward);
  });
}

async function verifyAtZigong() {
  const answer = await zg.request(undefined, 'POST', '/credentials/verify', {
    verifiableCredential: certificate.jws,
  });
  expect(answer.status).toBe(200);
  return answer.body as { status: string; reasons: string[]; statusDetail?: { reason: string } };
}

function setStatus(action: 'suspend' | 'reinstate' | 'revoke', reason: string) {
  return nj.call('liumin', 'POST', `/admin/certificates/${certificate.number}/status`, { action, reason });
}

describe('a recognition told to its issuer, retried while the issuer is down', () => {
  it('stores the notice with the recognition, records failed attempts, and delivers it once the issuer is back', async () => {
    await zg.signInPartner();
    // Neijiang's webhook goes down: connections to its port are refused.
    await new Promise((resolve) => webhook.close(resolve));
    const recognition = await zg.request('partner', 'POST', '/recognitions', { credential: certificate.jws });
    expect(recognition.status).toBe(201);
    const recognitionId = String(recognition.body.recognitionId);
    const db = DynamoDBDocumentClient.from(zigong.dynamoClient);
    const zgTable = zigong.model.tables[0]?.tableName as string;
    const noticeKey = { pk: `NOTICE#recognition-${recognitionId}`, sk: 'NOTICE' };
    const failed = await eventually(
      async () => {
        const notice = (await db.send(new GetCommand({ TableName: zgTable, Key: noticeKey }))).Item;
        return notice && notice.attempts >= 1 ? notice : undefined;
      },
      'a failed attempt to be recorded',
      20_000,
      50,
    );
    expect(failed).toMatchObject({
      kind: 'recognition',
      partnerCode: 'neijiang',
      status: 'pending',
      recognitionId,
      jws: recognition.body.endorsement,
    });
    expect(String(failed.lastError)).toMatch(/ECONNREFUSED|refused|connect/i);
    const activityOf = async () =>
      (
        (await nj.call('zhangwei', 'GET', `/me/certificates/${certificate.number}/activity?limit=100`))
          .items as { kind: string; region: string; regionName?: { zh: string; en: string } }[]
      ).filter((i) => i.kind === 'recognition');
    expect(await activityOf()).toEqual([]);

    // Back on the same port: the workflow's next retry reaches it.
    await new Promise<void>((resolve) => webhook.listen(webhookPort, '127.0.0.1', resolve));
    const delivered = await eventually(
      async () => {
        const notice = (await db.send(new GetCommand({ TableName: zgTable, Key: noticeKey }))).Item;
        return notice?.status === 'delivered' ? notice : undefined;
      },
      'the notice to be delivered',
      30_000,
    );
    expect(delivered.attempts).toBeGreaterThanOrEqual(2);
    expect(await activityOf()).toEqual([
      expect.objectContaining({ region: 'zigong', regionName: { zh: '自贡', en: 'Zigong' } }),
    ]);
    // Asking again changes nothing: no second notice, no second entry.
    const again = await zg.request('partner', 'POST', '/recognitions', { credential: certificate.jws });
    expect(again.status).toBe(200);
    expect(await activityOf()).toHaveLength(1);
  });
});

describe('partner status lists, kept for a while', () => {
  it('fetches both lists once and reuses them: a repeated verification makes no fetch', async () => {
    const before = fetches.length;
    expect((await verifyAtZigong()).status).toBe('valid');
    const first = fetches.slice(before);
    // One certificate names the revocation list; its suspension list is read beside it.
    expect(first.map((f) => f.path.split('/').at(-1)).sort()).toEqual(['revocation', 'suspension']);
    expect((await verifyAtZigong()).status).toBe('valid');
    expect((await verifyAtZigong()).status).toBe('valid');
    expect(fetches.length).toBe(before + 2);
  });

  it('sees a suspension (which sends no notice) once the bound has passed, by fetching again', async () => {
    // Zigong took each list's time just before asking for it: the proxy saw it a moment later.
    const cachedAt = Math.min(...fetches.map((f) => f.at)) - 250;
    const before = fetches.length;
    expect((await setStatus('suspend', 'Under review')).status).toBe('suspended');
    const seen = await eventually(
      async () => ((await verifyAtZigong()).status === 'suspended' ? Date.now() : undefined),
      'Zigong to see the suspension',
      BOUND_MS + 15_000,
      200,
    );
    const refetches = fetches.slice(before);
    expect(refetches.length).toBeGreaterThanOrEqual(1);
    // Fetched again because the kept lists expired, not on every request: never before the bound.
    expect(refetches[0]?.at).toBeGreaterThanOrEqual(cachedAt + BOUND_MS);
    expect(seen).toBeGreaterThanOrEqual(refetches[0]?.at as number);
  });

  it('sees a revocation as soon as Neijiang’s notice has reached Zigong, before the bound', async () => {
    expect((await setStatus('reinstate', 'No fault found')).status).toBe('active');
    await eventually(
      async () => ((await verifyAtZigong()).status === 'valid' ? true : undefined),
      'Zigong to see the reinstatement',
      BOUND_MS + 15_000,
      200,
    );
    // Zigong now keeps the lists that say valid, fetched just now.
    const cachedAt = Math.max(...fetches.map((f) => f.at));
    const before = fetches.length;
    expect((await setStatus('revoke', 'Forged work record')).status).toBe('revoked');
    await revocationNoticeTaken(zigong, certificate.jws, BOUND_MS);
    const verdict = await verifyAtZigong();
    const refetchedAt = fetches.slice(before)[0]?.at;
    expect(verdict.status).toBe('revoked');
    expect(verdict.statusDetail?.reason).toMatch(/Forged work record/);
    // The lists were fetched afresh while the kept ones were still within the bound: the notice bypassed them.
    expect(refetchedAt).toBeDefined();
    expect(refetchedAt as number).toBeLessThan(cachedAt + BOUND_MS);
  });
});

describe('a recognition voided before its issuer could be told', () => {
  it('is never told: its notice is withdrawn when the issuer is back, and the holder sees no recognition', async () => {
    await zg.signInPartner();
    // A second certificate, recognised while Neijiang's webhook is down.
    const second = await sitAndMark(nj, await setUpExam(nj));
    await new Promise((resolve) => webhook.close(resolve));
    const recognition = await zg.request('partner', 'POST', '/recognitions', { credential: second.jws });
    expect(recognition.status).toBe(201);
    const recognitionId = String(recognition.body.recognitionId);
    const db = DynamoDBDocumentClient.from(zigong.dynamoClient);
    const zgTable = zigong.model.tables[0]?.tableName as string;
    const noticeOf = async () =>
      (
        await db.send(
          new GetCommand({
            TableName: zgTable,
            Key: { pk: `NOTICE#recognition-${recognitionId}`, sk: 'NOTICE' },
          }),
        )
      ).Item;
    await eventually(
      async () => ((await noticeOf())?.attempts >= 1 ? true : undefined),
      'a failed attempt to be recorded',
      20_000,
      50,
    );
    // Neijiang revokes it; its notice reaches Zigong (whose webhook is up), which voids the recognition.
    await nj.call('liumin', 'POST', `/admin/certificates/${second.number}/status`, {
      action: 'revoke',
      reason: 'Certificate obtained by impersonation',
    });
    await eventually(
      async () => {
        const r = await zg.request('partner', 'GET', `/recognitions/${recognitionId}`);
        return r.body.status === 'void' ? true : undefined;
      },
      'Zigong to void the recognition',
      30_000,
    );
    // Back up: the next retry finds the recognition void and withdraws the notice instead of sending it.
    const hitsBefore = webhookHits.length;
    await new Promise<void>((resolve) => webhook.listen(webhookPort, '127.0.0.1', resolve));
    const withdrawn = await eventually(
      async () => {
        const notice = await noticeOf();
        return notice?.status === 'withdrawn' ? notice : undefined;
      },
      'the notice to be withdrawn',
      30_000,
    );
    expect(String(withdrawn.withdrawnReason)).toContain(recognitionId);
    expect(withdrawn.gsi1pk).toBeUndefined();
    expect(webhookHits.length).toBe(hitsBefore);
    const activity = await nj.call('zhangwei', 'GET', `/me/certificates/${second.number}/activity?limit=100`);
    expect((activity.items as { kind: string }[]).filter((i) => i.kind === 'recognition')).toEqual([]);
  });
});
