// A revocation reaches every partner region that relied on the certificate, or an admin sees that it did
// not and why. Two regions on the local cloud plus stand-in partners: Luzhou's webhook fails until told
// otherwise, Yibin is suspended at the moment of revocation, Chongqing has no webhook. Faults are
// injected where timing matters: a delivery round that gives up (three retries in these tests), a notice
// signed with a key since declared compromised, and a recognition whose status-list read is held back
// while the revocation notice is processed.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCertificateReader } from '../../functions/adapters/dynamodb-certificate-reader.js';
import { DynamoDbRegistryStore } from '../../functions/adapters/dynamodb-registry-store.js';
import { newStatusListSeed } from '../../functions/adapters/dynamodb-status-lists.js';
import { HttpPartnerDirectory } from '../../functions/adapters/http-partner-directory.js';
import { LocalProofSigner, LocalSigner } from '../../functions/adapters/local-signer.js';
import { calendarDate, recognitionId } from '../../functions/domain/index.js';
import { receiveNotice } from '../../functions/partners/notices.js';
import { recognise } from '../../functions/partners/recognition.js';
import { RegionCredentialSigner } from '../../functions/shared/credential-signer.js';
import { signCompactJws } from '../../functions/shared/signing.js';
import type { LocalCloud } from '../../local/cloud.js';
import { RegionClient, regionOf, registerPartners, setUpExam, sitAndMark } from '../../scripts/story.js';
import { eventually } from '../support/eventually.js';
import { revocationNoticeTaken, startTestRegion } from '../support/regions.js';

const NJ_DID = 'did:web:neijiang.skillcert.example';
const AGREEMENT = {
  id: 'nj-zg-notices',
  occupationCodes: ['6-18-01-01'],
  levels: [5, 4, 3],
  validFrom: '2026-01-01',
  validUntil: '2029-12-31',
};

let root: string;
let neijiang: LocalCloud;
let zigong: LocalCloud;
let nj: RegionClient;
let zg: RegionClient;
const servers: Server[] = [];

/** A stand-in partner webhook: records what it receives, answers 200 when `ok`, else 503. */
interface StandIn {
  url: string;
  received: string[];
  ok: boolean;
}

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function standIn(ok: boolean): Promise<StandIn> {
  const state: StandIn = { url: '', received: [], ok };
  state.url = await listen(
    createServer((request, response) => {
      let body = '';
      request.on('data', (c: Buffer) => {
        body += c.toString();
      });
      request.on('end', () => {
        state.received.push(body);
        response.writeHead(state.ok ? 200 : 503, { 'content-type': 'application/json' });
        response.end(state.ok ? '{"acknowledged":true}' : '{"error":"busy"}');
      });
    }),
  );
  return state;
}

/**
 * Neijiang's API as Zigong reaches it, through a gate: while the gate is closed, a status-list answer
 * is fetched from Neijiang at once but handed to Zigong only when the gate opens.
 */
const gate = { closed: false, held: 0, open: () => {}, opened: Promise.resolve() };
function closeGate() {
  gate.closed = true;
  gate.held = 0;
  gate.opened = new Promise<void>((resolve) => {
    gate.open = () => {
      gate.closed = false;
      resolve();
    };
  });
}

async function gatedProxy(target: string): Promise<string> {
  return listen(
    createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const c of request) chunks.push(c as Buffer);
      const upstream = await fetch(`${target}${request.url}`, {
        method: request.method ?? 'GET',
        headers: { accept: String(request.headers.accept ?? '*/*') },
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      if (gate.closed && request.url?.startsWith('/status/')) {
        gate.held += 1;
        await gate.opened;
      }
      response.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      });
      response.end(body);
    }),
  );
}

let luzhou: StandIn;
let yibin: StandIn;
let chongqing: StandIn;

function partner(code: string, nameZh: string, nameEn: string, url: string, extra: Record<string, unknown>) {
  return nj.call('liumin', 'PUT', `/admin/partners/${code}`, {
    nameZh,
    nameEn,
    did: `did:web:${code}.skillcert.example`,
    publicUrl: `https://${code}.skillcert.example`,
    apiUrl: url,
    jwksUrl: `${url}/.well-known/jwks.json`,
    ...extra,
  });
}

async function earnCertificate() {
  return sitAndMark(nj, await setUpExam(nj));
}

function revoke(number: string, reason: string) {
  return nj.call('liumin', 'POST', `/admin/certificates/${number}/status`, { action: 'revoke', reason });
}

type Row = {
  partnerCode: string;
  told: boolean;
  state: string;
  round: number;
  attempts: number;
  gaveUpAt?: string;
  noticeId?: string;
  why: { en: string; zh: string };
};

async function report(number: string) {
  const body = await nj.call('liumin', 'GET', `/admin/certificates/${number}/notices`);
  const rows = body.partners as Row[];
  return {
    told: body.told as string[],
    notTold: body.notTold as string[],
    row: (code: string) => rows.find((r) => r.partnerCode === code) as Row,
  };
}

async function sweep(cloud: LocalCloud) {
  const rule = cloud.model.schedules.find((r) => r.logicalId.startsWith('PartnersDispatchNoticesSchedule'));
  const outcome = await cloud.lambda.invoke(rule?.targets[0]?.functionName as string, {});
  if (!outcome.ok) throw new Error(`sweep failed: ${outcome.errorMessage}`);
  return outcome.payload as { dispatched: string[]; restarted: { noticeId: string; round: number }[] };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skillcert-notices-'));
  [neijiang, zigong] = [await startTestRegion('neijiang'), await startTestRegion('zigong')];
  nj = new RegionClient(regionOf('neijiang', neijiang));
  zg = new RegionClient(regionOf('zigong', zigong));
  await Promise.all([nj.signIn('liumin'), zg.signIn('liumin'), zg.signInPartner()]);
  await registerPartners(
    { client: nj, nameZh: '内江', nameEn: 'Neijiang', domain: 'neijiang.skillcert.example' },
    { client: zg, nameZh: '自贡', nameEn: 'Zigong', domain: 'zigong.skillcert.example' },
    AGREEMENT,
  );
  // Zigong reaches Neijiang's status lists through the gate.
  const proxy = await gatedProxy(nj.region.api);
  const entry = (await zg.call('liumin', 'GET', '/admin/partners')).partners as { code: string }[];
  await zg.call('liumin', 'PUT', '/admin/partners/neijiang', {
    ...(entry.find((p) => p.code === 'neijiang') as object),
    code: undefined,
    apiUrl: proxy,
  });
  [luzhou, yibin, chongqing] = [await standIn(false), await standIn(true), await standIn(true)];
  await partner('luzhou', '泸州', 'Luzhou', luzhou.url, { webhookUrl: `${luzhou.url}/partner-notices` });
  await partner('yibin', '宜宾', 'Yibin', yibin.url, {
    webhookUrl: `${yibin.url}/partner-notices`,
    status: 'suspended',
  });
  await partner('chongqing', '重庆', 'Chongqing', chongqing.url, {});
}, 300_000);

afterEach(() => {
  neijiang?.clock.release();
  if (gate.closed) gate.open();
});

afterAll(async () => {
  await Promise.all([neijiang?.stop(), zigong?.stop()]);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await rm(root, { recursive: true, force: true });
});

describe('a revocation reaches every partner region, or the admin sees why not', () => {
  let number: string;

  it('makes a notice for every partner in the registry, holds those that cannot take one, and shows who was told and why', async () => {
    number = (await earnCertificate()).number;
    const revoked = await revoke(number, 'Certificate obtained with forged work records');
    const notices = revoked.notices as { partner: string; dispatched: boolean; held?: string }[];
    expect(notices.map((n) => n.partner).sort()).toEqual(['chongqing', 'luzhou', 'yibin', 'zigong']);
    expect(notices.find((n) => n.partner === 'yibin')).toMatchObject({ held: 'partner-suspended' });
    expect(notices.find((n) => n.partner === 'chongqing')).toMatchObject({ held: 'no-webhook' });

    const seen = await eventually(async () => {
      const r = await report(number);
      return r.row('zigong').state === 'delivered' ? r : undefined;
    }, 'Zigong to acknowledge');
    expect(seen.told).toEqual(['zigong']);
    expect(seen.notTold).toEqual(['chongqing', 'luzhou', 'yibin']);
    expect(seen.row('yibin')).toMatchObject({
      told: false,
      state: 'held',
      why: { en: expect.stringMatching(/suspended/), zh: expect.stringMatching(/暂停/) },
    });
    expect(seen.row('chongqing').why.en).toMatch(/no webhook/);
    expect(yibin.received).toEqual([]);
    expect(chongqing.received).toEqual([]);
  });

  it('does not leave a notice pending when a delivery round gives up: the sweep starts the next round', async () => {
    const given = await eventually(
      async () => {
        const row = (await report(number)).row('luzhou');
        return row.gaveUpAt ? row : undefined;
      },
      'Luzhou’s first round to give up',
      60_000,
    );
    // 1 + 3 attempts, then the round's execution failed; the notice is still pending, and says so.
    expect(given).toMatchObject({ state: 'pending', round: 1, attempts: 4, told: false });
    expect(given.why.en).toMatch(/round 1 gave up .* after 4 attempt/);
    expect(given.why.zh).toMatch(/停止重试/);
    const sfn = new SFNClient({
      endpoint: neijiang.endpoints.stepFunctions,
      region: neijiang.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const machine = neijiang.model.stateMachines.find((m) =>
      m.logicalId.startsWith('PartnersNoticeDelivery'),
    );
    const arnOf = (name: string) => `${machine?.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const first = await sfn.send(
      new DescribeExecutionCommand({ executionArn: arnOf(given.noticeId as string) }),
    );
    expect(first.status).toBe('FAILED');

    // Luzhou is back. The sweep, five minutes on, starts round 2 under a name of its own.
    luzhou.ok = true;
    neijiang.clock.pin(new Date(Date.now() + 5 * 60_000));
    const swept = await sweep(neijiang);
    expect(swept.restarted).toEqual([{ noticeId: given.noticeId, round: 2 }]);
    neijiang.clock.release();
    const delivered = await eventually(async () => {
      const row = (await report(number)).row('luzhou');
      return row.state === 'delivered' ? row : undefined;
    }, 'Luzhou to acknowledge in round 2');
    expect(delivered).toMatchObject({ told: true, round: 2, attempts: 5 });
    // The acknowledgement is recorded by the round's last step; the execution closes a moment after.
    const second = await eventually(async () => {
      const described = await sfn.send(
        new DescribeExecutionCommand({ executionArn: arnOf(`${given.noticeId}-r2`) }),
      );
      return described.status === 'RUNNING' ? undefined : described;
    }, 'round 2 to close');
    expect(second.status).toBe('SUCCEEDED');
    expect(new Set(luzhou.received).size).toBe(1); // the same signed bytes in both rounds
  });

  it('tells a partner that was suspended at the revocation once it is active again, and one without a webhook once it has one', async () => {
    const back = await partner('yibin', '宜宾', 'Yibin', yibin.url, {
      webhookUrl: `${yibin.url}/partner-notices`,
      status: 'active',
    });
    expect(back.releasedNotices).toHaveLength(1);
    await partner('chongqing', '重庆', 'Chongqing', chongqing.url, {
      webhookUrl: `${chongqing.url}/partner-notices`,
    });
    const all = await eventually(async () => {
      const r = await report(number);
      return r.notTold.length === 0 ? r : undefined;
    }, 'every partner to be told');
    expect(all.told).toEqual(['chongqing', 'luzhou', 'yibin', 'zigong']);
    for (const stand of [yibin, chongqing]) {
      expect(stand.received).toHaveLength(1);
      expect(decodeJwt(stand.received[0] as string)).toMatchObject({
        type: 'CertificateRevocationNotice',
        certificate: { number },
      });
    }
  });

  it('signs a notice again with the current key when the key that signed it was declared compromised', async () => {
    // A key Neijiang signed with before, retired and then declared compromised: its ledger record is
    // published with compromisedAt, and Zigong refuses anything it signed.
    const oldKey = new LocalSigner(join(root, 'old-keys'), 'old-key');
    const thumbprint = await oldKey.keyId();
    const table = neijiang.model.tables[0]?.tableName as string;
    const db = DynamoDBDocumentClient.from(neijiang.dynamoClient);
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: 'SIGNING_KEY',
          sk: thumbprint,
          thumbprint,
          kid: `${NJ_DID}#${thumbprint}`,
          publicJwk: await oldKey.publicJwk(),
          recordedAt: '2025-01-01T00:00:00.000Z',
          signsUntil: '2025-06-01T00:00:00.000Z',
          compromisedAt: '2025-05-01T00:00:00.000Z',
          compromiseReason: 'key material leaked',
        },
      }),
    );
    const id = 'signed-before-compromise';
    const createdAt = new Date(Date.now() - 120_000).toISOString();
    const claims = {
      jti: id,
      type: 'CertificateRevocationNotice',
      iss: NJ_DID,
      aud: 'did:web:zigong.skillcert.example',
      iat: Math.floor(Date.parse(createdAt) / 1000),
      certificate: {
        id: 'https://neijiang.skillcert.example/certificates/NJ-2025-4-000009-X',
        number: 'NJ-2025-4-000009-X',
      },
      revokedAt: createdAt,
      reason: 'Revoked before the key was declared compromised',
    };
    const oldJws = await signCompactJws(oldKey, NJ_DID, claims, 'notice+jwt');
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: `NOTICE#${id}`,
          sk: 'NOTICE',
          gsi1pk: 'NOTICES#pending',
          gsi1sk: `${createdAt}#${id}`,
          id,
          partnerCode: 'zigong',
          certificateNumber: claims.certificate.number,
          claims,
          jws: oldJws,
          createdAt,
          status: 'pending',
          attempts: 0,
        },
      }),
    );
    // Zigong refuses the stored bytes.
    expect((await zg.request(undefined, 'POST', '/partner-notices', oldJws)).status).toBe(401);
    expect((await sweep(neijiang)).dispatched).toContain(id);
    const stored = await eventually(async () => {
      const notice = (
        await db.send(new GetCommand({ TableName: table, Key: { pk: `NOTICE#${id}`, sk: 'NOTICE' } }))
      ).Item;
      return notice?.status === 'delivered' ? notice : undefined;
    }, 'the notice to be delivered');
    const kid = decodeProtectedHeader(stored.jws as string).kid as string;
    expect(kid).not.toBe(`${NJ_DID}#${thumbprint}`);
    expect(kid.startsWith(`${NJ_DID}#`)).toBe(true);
    expect(decodeJwt(stored.jws as string)).toMatchObject({ jti: id, reason: claims.reason });
  });

  it('voids a recognition made while the revocation notice was being processed', async () => {
    const certificate = await earnCertificate();
    closeGate();
    // Zigong verifies the certificate: its status-list read leaves Neijiang while it is still valid…
    const asked = zg.request('partner', 'POST', '/recognitions', { credential: certificate.jws });
    await eventually(
      async () => (gate.held > 0 ? true : undefined),
      'Zigong to read the status list',
      10_000,
      20,
    );
    // …and meanwhile Neijiang revokes it and Zigong takes the notice (no recognition exists yet).
    await revoke(certificate.number, 'Examiner collusion');
    await revocationNoticeTaken(zigong, certificate.jws, 10_000);
    gate.open();
    const answer = await asked;
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ details: { rule: 'certificate-not-valid' } });
    expect(String(answer.body.message)).toMatch(/Examiner collusion/);
    // Asked again later, it is refused; verification at Zigong says revoked, with the notice's reason.
    const again = await zg.request('partner', 'POST', '/recognitions', { credential: certificate.jws });
    expect(again.status === 422 || again.body.status === 'void').toBe(true);
    const verdict = await zg.request(undefined, 'POST', '/credentials/verify', {
      verifiableCredential: certificate.jws,
    });
    expect(verdict.body).toMatchObject({ status: 'revoked', statusDetail: { reason: /Examiner collusion/ } });
  });

  it('voids a recognition when the notice lands between its revocation check and its write', async () => {
    // Zigong's own use case on its own table, with a fault injected at the one moment that matters:
    // signing the endorsement, after the check for a heard revocation and before the record is written,
    // is when Neijiang's notice arrives.
    const certificate = await earnCertificate();
    const zgTable = zigong.model.tables[0]?.tableName as string;
    const region = {
      code: 'zigong',
      did: 'did:web:zigong.skillcert.example',
      nameZh: '自贡',
      nameEn: 'Zigong',
      publicUrl: 'https://zigong.skillcert.example',
      timeZone: 'Asia/Shanghai',
    };
    const registry = new DynamoDbRegistryStore(zgTable, zigong.dynamoClient);
    // The local cloud's policy, as its functions have it: partner regions answer on 127.0.0.1.
    const directory = new HttpPartnerDirectory({ policy: { loopbackHosts: ['127.0.0.1'] } });
    const zigongKey = new LocalSigner(zigong.keysDir, zigong.model.signingKeys[0]?.keyId as string);
    const number = certificate.number;
    const notice = await signCompactJws(
      new LocalSigner(neijiang.keysDir, neijiang.model.signingKeys[0]?.keyId as string),
      NJ_DID,
      {
        jti: `late-${number}`,
        type: 'CertificateRevocationNotice',
        iss: NJ_DID,
        aud: region.did,
        iat: Math.floor(Date.now() / 1000),
        certificate: { id: decodeJwt(certificate.jws).id, number },
        revokedAt: new Date().toISOString(),
        reason: 'Revoked while the recognition was being written',
      },
      'notice+jwt',
    );
    let told: unknown;
    const proofKey = zigong.model.signingKeys.find((k) => k.keySpec === 'ECC_NIST_EDWARDS25519');
    const zigongSigner = new RegionCredentialSigner({
      signer: zigongKey,
      proofSigner: new LocalProofSigner(zigong.keysDir, proofKey?.keyId as string),
      issuerDid: region.did,
    });
    const credentials = {
      async sign(credential: Record<string, unknown>) {
        told ??= await receiveNotice({ region, registry, directory, now: () => new Date() }, notice);
        return zigongSigner.sign(credential);
      },
    };
    const deps = {
      region,
      certificates: new DynamoDbCertificateReader(zgTable, zigong.dynamoClient),
      registry,
      directory,
      ownKeys: async () => [],
      now: () => new Date(),
      credentials,
      newSeed: newStatusListSeed,
    };
    await expect(recognise(deps, { credential: certificate.jws, clientId: 'test' })).rejects.toMatchObject({
      statusCode: 422,
      details: { rule: 'certificate-not-valid' },
    });
    expect(told).toMatchObject({ acknowledged: true, voided: [] }); // nothing to void when it landed
    const id = recognitionId('zigong', decodeJwt(certificate.jws).id as string);
    expect(await registry.getRecognition(id)).toMatchObject({
      status: 'void',
      voidReason: 'Certificate revoked by Neijiang: Revoked while the recognition was being written',
    });
  });

  it('keeps an agreement that ends on a day in force for the whole of that day in Beijing', async () => {
    const certificate = await earnCertificate();
    // A day after the certificate was issued, in Beijing; both regions' clocks at noon that day there.
    const day = calendarDate(new Date(Date.now() + 86_400_000), 'Asia/Shanghai');
    const noon = `${day}T12:00:00+08:00`;
    const put = await zg.call('liumin', 'PUT', `/admin/agreements/${AGREEMENT.id}`, {
      partnerCode: 'neijiang',
      occupationCodes: AGREEMENT.occupationCodes,
      levels: AGREEMENT.levels,
      validFrom: AGREEMENT.validFrom,
      validUntil: day,
    });
    // Stored as instants: from midnight on 1 January 2026 to the last millisecond of that day, Beijing time.
    expect(put).toMatchObject({
      validFrom: '2025-12-31T16:00:00.000Z',
      validUntil: new Date(Date.parse(`${day}T23:59:59.999+08:00`)).toISOString(),
    });
    const refused = await zg.request('liumin', 'PUT', `/admin/agreements/${AGREEMENT.id}`, {
      partnerCode: 'neijiang',
      occupationCodes: AGREEMENT.occupationCodes,
      levels: AGREEMENT.levels,
      validFrom: '01/01/2026',
      validUntil: day,
    });
    expect(refused.status).toBe(400);
    // The body's own check names the field (docs/security.md, "Strict input everywhere").
    expect(refused.body.message).toMatch(/^validFrom must be a real calendar date/);
    expect(refused.body.messageZh).toMatch(/^validFrom 须为真实的日历日期/);
    // At noon on its last day (04:00 UTC: past midnight UTC of that date) the agreement still admits.
    neijiang.clock.pin(noon);
    zigong.clock.pin(noon);
    try {
      const recognised = await zg.request('partner', 'POST', '/recognitions', {
        credential: certificate.jws,
      });
      expect(recognised.status, JSON.stringify(recognised.body)).toBe(201);
      expect(decodeJwt(String(recognised.body.endorsement)).validUntil).toBe(put.validUntil);
    } finally {
      zigong.clock.release();
    }
  });
});
