// Two regions on one machine, each a deployment of the same CDK app with its own keys, data and ports:
// Neijiang issues a certificate, Zigong verifies and recognises it over HTTP, Neijiang suspends and
// revokes it, the revocation notice reaches Zigong (which voids its recognition) and a third partner
// whose webhook fails at first gets it after retries.
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { base64url, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSigner } from '../../functions/adapters/local-signer.js';
import { credentialJsonOf, signCompactJws, signCredentialJwt } from '../../functions/shared/signing.js';
import type { LocalCloud } from '../../local/cloud.js';
import { RegionClient, regionOf, registerPartners, setUpExam, sitAndMark } from '../../scripts/story.js';
import { eventually } from '../support/eventually.js';
import { startTestRegion, TEST_STACK_OPTIONS } from '../support/regions.js';

const NJ_DID = 'did:web:neijiang.skillcert.example';
const ZG_DID = 'did:web:zigong.skillcert.example';
const AGREEMENT = {
  id: 'nj-zg-2026',
  occupationCodes: ['6-18-01-01'],
  levels: [5, 4, 3],
  validFrom: '2026-01-01T00:00:00Z',
  validUntil: '2029-12-31T23:59:59Z',
};

let root: string;
let neijiang: LocalCloud;
let zigong: LocalCloud;
let nj: RegionClient;
let zg: RegionClient;
let certificate: { number: string; jws: string };
/** Luzhou stands in as a partner whose webhook fails twice before it acknowledges. */
let luzhouWebhook: Server;
const luzhouReceived: string[] = [];

/** Signs any payload with Neijiang's real certificate key (the local cloud keeps it in a file). */
function neijiangSigner() {
  const key = neijiang.model.signingKeys.find((k) => k.keySpec === 'ECC_NIST_P256');
  return new LocalSigner(neijiang.keysDir, key?.keyId as string);
}

function tamper(jws: string, edit: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const decoded = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
  edit(decoded);
  return `${header}.${base64url.encode(JSON.stringify(decoded))}.${signature}`;
}

/** The certificate, edited and signed again with Neijiang's real key (its JWT claims made to agree). */
async function resign(edit: (credential: Record<string, unknown>) => void): Promise<string> {
  const credential = credentialJsonOf(certificate.jws);
  edit(credential);
  return signCredentialJwt(neijiangSigner(), NJ_DID, credential);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skillcert-partners-'));
  [neijiang, zigong] = [await startTestRegion('neijiang'), await startTestRegion('zigong')];
  nj = new RegionClient(regionOf('neijiang', neijiang));
  zg = new RegionClient(regionOf('zigong', zigong));
  await Promise.all([nj.signIn('liumin'), zg.signIn('liumin'), zg.signInPartner(), nj.signInPartner()]);
  await registerPartners(
    { client: nj, nameZh: '内江', nameEn: 'Neijiang', domain: 'neijiang.skillcert.example' },
    { client: zg, nameZh: '自贡', nameEn: 'Zigong', domain: 'zigong.skillcert.example' },
    AGREEMENT,
  );

  let calls = 0;
  luzhouWebhook = createServer((request, response) => {
    let body = '';
    request.on('data', (c: Buffer) => {
      body += c.toString();
    });
    request.on('end', () => {
      luzhouReceived.push(body);
      calls += 1;
      response.writeHead(calls <= 2 ? 503 : 200, { 'content-type': 'application/json' });
      response.end(calls <= 2 ? '{"error":"busy"}' : '{"acknowledged":true}');
    });
  });
  await new Promise<void>((resolve) => luzhouWebhook.listen(0, '127.0.0.1', resolve));
  const luzhouUrl = `http://127.0.0.1:${(luzhouWebhook.address() as AddressInfo).port}`;
  await nj.call('liumin', 'PUT', '/admin/partners/luzhou', {
    nameZh: '泸州',
    nameEn: 'Luzhou',
    did: 'did:web:luzhou.skillcert.example',
    publicUrl: 'https://luzhou.skillcert.example',
    apiUrl: luzhouUrl,
    jwksUrl: `${luzhouUrl}/.well-known/jwks.json`,
    webhookUrl: `${luzhouUrl}/partner-notices`,
  });

  const sessionId = await setUpExam(nj);
  certificate = await sitAndMark(nj, sessionId);
}, 240_000);

afterAll(async () => {
  await Promise.all([neijiang?.stop(), zigong?.stop()]);
  await new Promise((resolve) => luzhouWebhook?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe('public verification, no sign-in', () => {
  it('verifies a certificate by number with only what a verifier needs, and says not-found for an unknown one', async () => {
    const { status, body } = await nj.request(
      undefined,
      'GET',
      `/verify/${certificate.number}?name=${encodeURIComponent('张伟')}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      verified: true,
      status: 'valid',
      certificate: {
        number: certificate.number,
        holderName: '张伟 Zhang Wei',
        occupationCode: '6-18-01-01',
        level: 4,
      },
    });
    // Never an ID number, nor the salted hash that stands for it.
    expect(JSON.stringify(body)).not.toMatch(/51100219900307123X|sha256\$|identityHash|salt/);

    const missing = await nj.request(
      undefined,
      'GET',
      `/verify/NJ-2026-4-999999-0?name=${encodeURIComponent('张伟')}`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      verified: false,
      status: 'not-found',
      reasons: ['No certificate numbered NJ-2026-4-999999-0 is held by that name'],
      reasonsZh: ['没有该姓名持有的编号为 NJ-2026-4-999999-0 的证书'],
    });
    expect((await nj.request(undefined, 'GET', '/verify/not%20a%20number')).status).toBe(400);
    // The number alone is refused, naming the field; a wrong name is as not-found as a wrong number.
    const nameless = await nj.request(undefined, 'GET', `/verify/${certificate.number}`);
    expect(nameless.status).toBe(400);
    expect(nameless.body.message).toMatch(/^name:/);
    const wrongName = await nj.request(
      undefined,
      'GET',
      `/verify/${certificate.number}?name=${encodeURIComponent('李四')}`,
    );
    expect(wrongName.status).toBe(404);
    expect(JSON.stringify(wrongName.body)).not.toContain('张伟');
  });

  it('answers a holder check yes or no, and nothing else; a bad ID is a 400 and an unknown number a 404', async () => {
    const check = (body: unknown) => nj.request(undefined, 'POST', '/holder-checks', body);
    const yes = await check({ certificateNumber: certificate.number, nationalId: '51100219900307123X' });
    expect(yes).toMatchObject({
      status: 200,
      body: { certificateNumber: certificate.number, matches: true },
    });
    expect(Object.keys(yes.body as object).sort()).toEqual(['certificateNumber', 'matches']);
    // As typed from the card: lower-case x and spaces.
    expect(
      (await check({ certificateNumber: certificate.number, nationalId: '511002 19900307 123x' })).body,
    ).toMatchObject({ matches: true });
    // Another real ID (its check character right): no.
    expect(
      (await check({ certificateNumber: certificate.number, nationalId: '11010519491231002X' })).body,
    ).toEqual({
      certificateNumber: certificate.number,
      matches: false,
    });
    const typo = await check({ certificateNumber: certificate.number, nationalId: '511002199003071231' });
    expect(typo.status).toBe(400);
    expect(JSON.stringify(typo.body)).toMatch(/nationalId.*check character/);
    expect(
      (await check({ certificateNumber: 'NJ-2026-4-999999-0', nationalId: '51100219900307123X' })).status,
    ).toBe(404);
    expect((await check({ certificateNumber: certificate.number })).status).toBe(400);

    // The admin sees that an ID is registered, and the holder id certificates name — never the MAC.
    const sub = String((await nj.call('zhangwei', 'GET', '/me')).sub);
    const person = await nj.call('liumin', 'GET', `/admin/people/${sub}`);
    expect(person).toMatchObject({ identityRegistered: true, holderId: decodeJwt(certificate.jws).sub });
    expect(JSON.stringify(person)).not.toMatch(
      /identityMac|hmac-sha256|identityHash|salt|51100219900307123X/,
    );
    // Registering the person again keeps the holder id; an ID registered again gives the same answer.
    // What the admin's answer adds (read-only facts, the masked ID) is not part of the body it takes.
    const {
      identityRegistered: _r,
      holderId: _h,
      sub: _s,
      maskedNationalId: _m,
      ...profile
    } = person as Record<string, unknown>;
    const again = await nj.call('liumin', 'PUT', `/admin/people/${sub}`, {
      ...profile,
      nationalId: '51100219900307123X',
    });
    expect(again.holderId).toBe(person.holderId);
    expect(
      (await check({ certificateNumber: certificate.number, nationalId: '51100219900307123X' })).body,
    ).toMatchObject({ matches: true });
  });

  it('verifies the signed JSON form too, posted as an object, and refuses it altered', async () => {
    const mine = (await nj.call('zhangwei', 'GET', '/me/certificates')).certificates as {
      number: string;
      credential: Record<string, unknown>;
    }[];
    const json = mine.find((c) => c.number === certificate.number)?.credential as Record<string, unknown>;
    expect(json.proof).toEqual([
      expect.objectContaining({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' }),
    ]);
    const verify = async (credential: unknown, at = nj) =>
      (await at.request(undefined, 'POST', '/credentials/verify', { verifiableCredential: credential })).body;
    expect(await verify(json)).toMatchObject({
      verified: true,
      status: 'valid',
      certificate: { number: certificate.number },
    });
    // Zigong reads Neijiang's Ed25519 key from Neijiang's key set, as it does the ES256 one.
    expect(await verify(json, zg)).toMatchObject({
      verified: true,
      status: 'valid',
      issuerRegion: 'neijiang',
    });
    const altered = structuredClone(json) as { credentialSubject: { name: string } };
    altered.credentialSubject.name = '李四';
    expect(await verify(altered)).toMatchObject({ verified: false, status: 'signature-invalid' });
    const { proof: _proof, ...bare } = json;
    expect(await verify(bare)).toMatchObject({ verified: false, status: 'malformed' });
  });

  it('verifies a posted credential in the VC API style, and refuses each tampering with its own reason', async () => {
    const verify = async (jws: string) =>
      (await nj.request(undefined, 'POST', '/credentials/verify', { verifiableCredential: jws })).body;
    expect(await verify(certificate.jws)).toMatchObject({ verified: true, status: 'valid' });

    const [header, payload, signature] = certificate.jws.split('.') as [string, string, string];
    const flipped = payload.slice(0, 40) + (payload[40] === 'A' ? 'B' : 'A') + payload.slice(41);
    const other = (await nj.request(undefined, 'GET', '/status/neijiang/certificates-1/revocation')).body
      .text as string;
    const headerWith = (h: Record<string, unknown>) =>
      base64url.encode(JSON.stringify({ ...decodeProtectedHeader(certificate.jws), ...h }));
    const year = 365 * 24 * 3_600_000;
    const cases: [string, string, string, RegExp][] = [
      ['a flipped payload byte', `${header}.${flipped}.${signature}`, 'signature-invalid', /altered/],
      ['a swapped signature', `${header}.${payload}.${other.split('.')[2]}`, 'signature-invalid', /altered/],
      [
        'an unknown kid',
        `${headerWith({ kid: `${NJ_DID}#nope` })}.${payload}.${signature}`,
        'unknown-issuer',
        /No published key/,
      ],
      ['alg none', `${headerWith({ alg: 'none' })}.${payload}.`, 'signature-invalid', /not accepted/],
      [
        'a wrong issuer',
        await resign((p) => {
          p.issuer = { id: ZG_DID, type: ['Profile'], name: '自贡' };
        }),
        'unknown-issuer',
        /names issuer did:web:zigong/,
      ],
      [
        'expired',
        await resign((p) => {
          p.validFrom = new Date(Date.now() - 6 * year).toISOString();
          p.validUntil = new Date(Date.now() - year).toISOString();
        }),
        'expired',
        /Expired on/,
      ],
      [
        'not yet valid',
        await resign((p) => {
          p.validFrom = new Date(Date.now() + year).toISOString();
        }),
        'not-yet-valid',
        /Valid from/,
      ],
      [
        'a claim edited after signing',
        tamper(certificate.jws, (p) => {
          p.credentialSubject = {};
        }),
        'signature-invalid',
        /altered/,
      ],
    ];
    for (const [name, jws, status, reason] of cases) {
      const body = await verify(jws);
      expect(body.status, name).toBe(status);
      expect((body.reasons as string[]).join(' '), name).toMatch(reason);
      // The same reasons in Chinese, one for one.
      expect(body.reasonsZh, name).toHaveLength((body.reasons as string[]).length);
      for (const zh of body.reasonsZh as string[]) expect(zh, name).toMatch(/\p{Script=Han}/u);
      expect(body.verified, name).toBe(false);
    }
    const bad = await nj.request(undefined, 'POST', '/credentials/verify', { credential: certificate.jws });
    expect(bad.status).toBe(400);
  });

  it('publishes signed status lists with a cache lifetime, at the URL the certificate names', async () => {
    const named = decodeJwt(certificate.jws).credentialStatus as {
      statusListCredential: string;
      statusListIndex: string;
    };
    // One status object, the revocation entry, in the region's first certificate list, at a drawn index.
    expect(named.statusListCredential).toBe(
      'https://neijiang.skillcert.example/status/neijiang/certificates-1/revocation',
    );
    const response = await fetch(`${nj.region.api}${new URL(named.statusListCredential).pathname}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vc+jwt');
    expect(response.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    const list = decodeJwt(await response.text()) as {
      id: string;
      issuer: string;
      credentialSubject: { ttl: number };
    };
    expect(list.id).toBe(named.statusListCredential);
    expect(decodeProtectedHeader(certificate.jws).typ).toBe('JWT');
    expect(list.issuer).toBe(NJ_DID);
    expect(list.credentialSubject.ttl).toBe(300_000);
    expect((await fetch(`${nj.region.api}/status/zigong/2026/revocation`)).status).toBe(404);
    // Only lists that were handed out are published: no list is signed for a name nobody uses.
    for (const list of [
      'certificates-2',
      'certificates-999999',
      'recognitions-1',
      '1999',
      'endorsements-2026',
    ])
      expect((await fetch(`${nj.region.api}/status/neijiang/${list}/revocation`)).status, list).toBe(404);
    expect((await fetch(`${nj.region.api}/status/neijiang/certificates-1/suspension`)).status).toBe(200);
  });
});

describe('recognition across two deployments', () => {
  it('Zigong verifies the Neijiang certificate against Neijiang’s keys from its registry', async () => {
    const { body } = await zg.request(undefined, 'POST', '/credentials/verify', {
      verifiableCredential: certificate.jws,
    });
    expect(body).toMatchObject({ status: 'valid', issuerRegion: 'neijiang' });
  });

  it('refuses out-of-scope and expired agreements, saying which rule refused', async () => {
    const withAgreement = async (changes: Record<string, unknown>) =>
      zg.call('liumin', 'PUT', `/admin/agreements/${AGREEMENT.id}`, {
        partnerCode: 'neijiang',
        ...AGREEMENT,
        id: undefined,
        ...changes,
      });
    const refusals: [Record<string, unknown>, string][] = [
      [{ levels: [5] }, 'level-out-of-scope'],
      [{ occupationCodes: ['6-18-02-01'] }, 'occupation-out-of-scope'],
      [{ validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' }, 'agreement-expired'],
      [{ status: 'suspended' }, 'agreement-not-active'],
    ];
    for (const [changes, rule] of refusals) {
      await withAgreement(changes);
      const { status, body } = await zg.request('partner', 'POST', '/recognitions', {
        credential: certificate.jws,
      });
      expect(status, rule).toBe(422);
      expect(body.details, rule).toMatchObject({ rule });
    }
    await withAgreement({});
  });

  it('a partner client cannot act for another region, and people cannot ask for recognitions', async () => {
    // Zigong's machine client at Neijiang's API, and Neijiang's at Zigong's: tokens of another deployment.
    expect(
      (await nj.request(zg.tokenOf('partner'), 'POST', '/recognitions', { credential: certificate.jws }))
        .status,
    ).toBe(401);
    expect(
      (await zg.request(nj.tokenOf('partner'), 'POST', '/recognitions', { credential: certificate.jws }))
        .status,
    ).toBe(401);
    // Zigong's admin is a person without the recognize scope; the partner client holds no admin group.
    expect(
      (await zg.request('liumin', 'POST', '/recognitions', { credential: certificate.jws })).status,
    ).toBe(403);
    expect((await zg.request('partner', 'GET', '/admin/partners')).status).toBe(403);
    // A region does not recognise its own certificates.
    const own = await nj.request('partner', 'POST', '/recognitions', { credential: certificate.jws });
    expect(own.status).toBe(422);
    expect(own.body.details).toMatchObject({ rule: 'own-certificate' });
  });

  it('recognises once under concurrent requests and returns a signed EndorsementCredential', async () => {
    const replies = await Promise.all(
      Array.from({ length: 4 }, () =>
        zg.request('partner', 'POST', '/recognitions', { credential: certificate.jws }),
      ),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    const ids = new Set(replies.map((r) => r.body.recognitionId));
    expect(ids.size).toBe(1);
    const endorsements = new Set(replies.map((r) => r.body.endorsement));
    expect(endorsements.size).toBe(1);
    const endorsement = decodeJwt(String(replies[0]?.body.endorsement)) as Record<string, unknown>;
    expect(endorsement.type).toEqual(['VerifiableCredential', 'EndorsementCredential']);
    expect(endorsement.issuer).toMatchObject({ id: ZG_DID });
    expect(endorsement.credentialSubject).toMatchObject({
      type: ['EndorsementSubject'],
      id: decodeJwt(certificate.jws).id,
    });
    // The endorsement verifies against Zigong's published keys (Neijiang's registry knows Zigong).
    const verdict = await nj.request(undefined, 'POST', '/credentials/verify', {
      verifiableCredential: replies[0]?.body.endorsement,
    });
    expect(verdict.body).toMatchObject({ issuerRegion: 'zigong', status: 'valid' });
    const again = await zg.request('partner', 'POST', '/recognitions', { credential: certificate.jws });
    expect(again.status).toBe(200);
    expect(again.body.recognitionId).toBe(replies[0]?.body.recognitionId);

    // Neijiang heard of it (Zigong's notice carried the endorsement to its webhook): the holder's activity and the
    // certificate's public page show the recognition, by region only, once however often it is asked.
    // It is told by a notice Zigong delivers through its notice workflow, a moment after the answer.
    const recognitions = await eventually(async () => {
      const activity = await nj.call('zhangwei', 'GET', `/me/certificates/${certificate.number}/activity`);
      const found = (activity.items as { kind: string; region: string }[]).filter(
        (i) => i.kind === 'recognition',
      );
      return found.length > 0 ? found : undefined;
    }, 'Neijiang to hear of the recognition');
    // Named as Neijiang's registry names Zigong, in both languages, so the page needs no partner list.
    expect(recognitions).toEqual([
      expect.objectContaining({
        kind: 'recognition',
        region: 'zigong',
        regionName: { zh: '自贡', en: 'Zigong' },
      }),
    ]);
    const share = await nj.call('zhangwei', 'POST', `/me/certificates/${certificate.number}/share`);
    const page = await fetch(String(share.url).replace('https://neijiang.skillcert.example', nj.region.api));
    expect(await page.text()).toContain('互认地区: zigong');
    // The webhook refuses an endorsement of a certificate Neijiang did not issue, and one not signed by a partner.
    const forged = await nj.request(undefined, 'POST', '/partner-notices', {
      notice: tamper(String(replies[0]?.body.endorsement), (p) => {
        (p.credentialSubject as { id: string }).id =
          'https://neijiang.skillcert.example/certificates/NJ-2026-4-999999-0';
      }),
    });
    expect(forged.status).toBe(401);
  });
});

describe('the holder’s activity names regions', () => {
  it('names entries recorded before names were kept from the registry, and leaves a region gone from it a code', async () => {
    const db = DynamoDBDocumentClient.from(neijiang.dynamoClient);
    const table = neijiang.model.tables[0]?.tableName as string;
    // Entries as they were recorded before the region's name was kept with them.
    for (const [region, at] of [
      ['zigong', '2026-01-02T08:00:00.000Z'],
      ['wuhan', '2026-01-01T08:00:00.000Z'],
    ] as const)
      await db.send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: `ACTIVITY#${certificate.number}`,
            sk: `ACT#${at}#old-${region}`,
            at,
            kind: 'recognition',
            region,
          },
        }),
      );
    const activity = await nj.call(
      'zhangwei',
      'GET',
      `/me/certificates/${certificate.number}/activity?limit=100`,
    );
    const items = activity.items as { at: string; region: string; regionName?: unknown }[];
    expect(items.find((i) => i.at === '2026-01-02T08:00:00.000Z')).toEqual({
      at: '2026-01-02T08:00:00.000Z',
      kind: 'recognition',
      region: 'zigong',
      regionName: { zh: '自贡', en: 'Zigong' },
    });
    // Not in Neijiang's registry: shown by its code, and nothing else of the registry leaks.
    expect(items.find((i) => i.region === 'wuhan')).toEqual({
      at: '2026-01-01T08:00:00.000Z',
      kind: 'recognition',
      region: 'wuhan',
    });
    // Every other entry names its region too (the page views recorded here, Zigong's recognition).
    expect(items.filter((i) => i.region !== 'wuhan').every((i) => i.regionName !== undefined)).toBe(true);
  });
});

describe('status changes and revocation notices', () => {
  it('suspends and reinstates with a reason; the record and the status bit change together', async () => {
    const suspend = await nj.request('liumin', 'POST', `/admin/certificates/${certificate.number}/status`, {
      action: 'suspend',
      reason: 'Under review after a complaint about the practical assessment',
    });
    expect(suspend.status).toBe(200);
    // Zigong keeps Neijiang's lists for a while (no notice is sent for a suspension): seen within the bound.
    const suspended = await eventually(
      async () => {
        const answer = await zg.request(undefined, 'POST', '/credentials/verify', {
          verifiableCredential: certificate.jws,
        });
        return answer.body.status === 'suspended' ? answer : undefined;
      },
      'Zigong to see the suspension',
      TEST_STACK_OPTIONS.partnerStatusListCacheSeconds * 1000 + 15_000,
    );
    expect(suspended.body.status).toBe('suspended');
    const byNumber = await nj.request(
      undefined,
      'GET',
      `/verify/${certificate.number}?name=${encodeURIComponent('张伟')}`,
    );
    expect(byNumber.body).toMatchObject({ status: 'suspended', statusDetail: { reason: /Under review/ } });

    const twice = await nj.request('liumin', 'POST', `/admin/certificates/${certificate.number}/status`, {
      action: 'suspend',
      reason: 'again',
    });
    expect(twice.status).toBe(409);
    const reinstated = await nj.request(
      'liumin',
      'POST',
      `/admin/certificates/${certificate.number}/status`,
      {
        action: 'reinstate',
        reason: 'Review found no fault',
      },
    );
    expect(reinstated.body).toMatchObject({ status: 'active', previousStatus: 'suspended' });
    expect(
      (await nj.request(undefined, 'GET', `/verify/${certificate.number}?name=${encodeURIComponent('张伟')}`))
        .body.status,
    ).toBe('valid');
    // Bad input changes nothing.
    const bad = await nj.request('liumin', 'POST', `/admin/certificates/${certificate.number}/status`, {
      action: 'delete',
      reason: 'x',
    });
    expect(bad.status).toBe(400);
    expect(
      (
        await nj.request('zhangwei', 'POST', `/admin/certificates/${certificate.number}/status`, {
          action: 'revoke',
          reason: 'I want a new one',
        })
      ).status,
    ).toBe(403);
  });

  it('revokes: partners are notified with signed notices, retried until acknowledged, and recognitions are voided', async () => {
    const recognition = await zg.call('partner', 'POST', '/recognitions', { credential: certificate.jws });
    expect(recognition.status).toBe('active');

    const revoked = await nj.call('liumin', 'POST', `/admin/certificates/${certificate.number}/status`, {
      action: 'revoke',
      reason: 'Exam misconduct established by the evaluation committee',
    });
    expect(revoked.status).toBe('revoked');
    expect((revoked.notices as { partner: string }[]).map((n) => n.partner).sort()).toEqual([
      'luzhou',
      'zigong',
    ]);

    // Zigong hears of it and voids its recognition; its endorsement's own bit is set.
    const voided = await eventually(
      async () => {
        const r = await zg.call('partner', 'GET', `/recognitions/${recognition.recognitionId}`);
        return r.status === 'void' ? r : undefined;
      },
      'the recognition to be voided',
      30_000,
    );
    expect(String(voided.voidReason)).toMatch(/Exam misconduct/);
    // Neijiang may keep Zigong's endorsement list from an earlier verification: the void shows within the bound.
    const endorsementVerdict = await eventually(
      async () => {
        const answer = await nj.request(undefined, 'POST', '/credentials/verify', {
          verifiableCredential: recognition.endorsement,
        });
        return answer.body.status === 'revoked' ? answer : undefined;
      },
      'Neijiang to see the endorsement revoked',
      TEST_STACK_OPTIONS.partnerStatusListCacheSeconds * 1000 + 15_000,
    );
    expect(endorsementVerdict.body.status).toBe('revoked');

    // Verification anywhere now says revoked, with the reason and date: Neijiang from its record,
    // Zigong from the notice it was sent.
    expect(
      (await zg.request(undefined, 'POST', '/credentials/verify', { verifiableCredential: certificate.jws }))
        .body,
    ).toMatchObject({
      status: 'revoked',
      statusDetail: { reason: /Exam misconduct/, since: expect.any(String) },
      reasonsZh: [
        '颁发机构已撤销此证书',
        expect.stringMatching(/收到颁发地区的撤销通知，原因：.*Exam misconduct/),
      ],
    });
    expect(
      (await nj.request(undefined, 'GET', `/verify/${certificate.number}?name=${encodeURIComponent('张伟')}`))
        .body,
    ).toMatchObject({
      status: 'revoked',
      statusDetail: { reason: /Exam misconduct/ },
      reasonsZh: ['颁发机构已撤销此证书', expect.stringMatching(/ 撤销，原因：.*Exam misconduct/)],
    });

    // Luzhou's webhook failed twice; the workflow retried with backoff until it answered 200.
    const notices = await eventually(
      async () => {
        const view = await nj.call('liumin', 'GET', `/admin/certificates/${certificate.number}`);
        const all = view.notices as { partnerCode: string; status: string; attempts: number }[];
        return all.every((n) => n.status === 'delivered') ? all : undefined;
      },
      'every notice to be delivered',
      60_000,
    );
    expect(notices.find((n) => n.partnerCode === 'luzhou')?.attempts).toBe(3);
    expect(notices.find((n) => n.partnerCode === 'zigong')?.attempts).toBe(1);
    expect(luzhouReceived).toHaveLength(3);
    expect(new Set(luzhouReceived).size).toBe(1); // the same signed bytes every time
    const notice = decodeJwt(luzhouReceived[0] as string);
    expect(notice).toMatchObject({
      type: 'CertificateRevocationNotice',
      iss: NJ_DID,
      aud: 'did:web:luzhou.skillcert.example',
      certificate: { number: certificate.number },
    });

    const final = await nj.request('liumin', 'POST', `/admin/certificates/${certificate.number}/status`, {
      action: 'reinstate',
      reason: 'changed my mind',
    });
    expect(final.status).toBe(409);
  });

  it('delivers a notice whose first start was lost once the scheduled sweep runs: nothing is lost', async () => {
    // As if a revocation committed its notice but starting the delivery failed two minutes ago.
    const table = neijiang.model.tables[0]?.tableName as string;
    const createdAt = new Date(Date.now() - 120_000).toISOString();
    const id = 'lost-start-notice';
    const db = DynamoDBDocumentClient.from(neijiang.dynamoClient);
    const claims = {
      jti: id,
      type: 'CertificateRevocationNotice',
      iss: NJ_DID,
      aud: 'did:web:luzhou.skillcert.example',
      iat: Math.floor(Date.parse(createdAt) / 1000),
      certificate: { id: decodeJwt(certificate.jws).id, number: certificate.number },
      revokedAt: createdAt,
      reason: 'lost start',
    };
    // Signed with the region's current key at a first attempt whose start was then lost.
    const lostNotice = await signCompactJws(neijiangSigner(), NJ_DID, claims, 'notice+jwt');
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: `NOTICE#${id}`,
          sk: 'NOTICE',
          gsi1pk: 'NOTICES#pending',
          gsi1sk: `${createdAt}#${id}`,
          id,
          partnerCode: 'luzhou',
          certificateNumber: certificate.number,
          claims,
          jws: lostNotice,
          createdAt,
          status: 'pending',
          attempts: 0,
        },
      }),
    );
    // What the five-minute schedule does, run once now.
    const rule = neijiang.model.schedules.find((r) =>
      r.logicalId.startsWith('PartnersDispatchNoticesSchedule'),
    );
    expect(rule?.expression).toBe('rate(5 minutes)');
    await neijiang.scheduler.trigger(rule?.logicalId as string);
    await eventually(async () => (luzhouReceived.includes(lostNotice) ? true : undefined), 'the lost notice');
    const stored = await eventually(async () => {
      const notice = (
        await db.send(new GetCommand({ TableName: table, Key: { pk: `NOTICE#${id}`, sk: 'NOTICE' } }))
      ).Item;
      return notice?.status === 'delivered' ? notice : undefined;
    }, 'the notice to be delivered');
    expect(stored.gsi1pk).toBeUndefined(); // out of the pending index: never sent again
    // A sweep now finds nothing pending.
    const sweep = rule?.targets[0]?.functionName as string;
    expect(await neijiang.lambda.invoke(sweep, {})).toMatchObject({ ok: true, payload: { dispatched: [] } });
  });

  it('answers 502 naming the partner whose keys cannot be read, and 400 for a notice that is not JSON', async () => {
    await zg.call('liumin', 'PUT', '/admin/partners/yibin', {
      nameZh: '宜宾',
      nameEn: 'Yibin',
      did: 'did:web:yibin.skillcert.example',
      publicUrl: 'https://yibin.skillcert.example',
      apiUrl: 'http://127.0.0.1:1',
      jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json',
    });
    const header = base64url.encode(
      JSON.stringify({ alg: 'ES256', kid: 'did:web:yibin.skillcert.example#k', typ: 'vc+jwt' }),
    );
    const unreachable = await zg.request(undefined, 'POST', '/credentials/verify', {
      verifiableCredential: `${header}.${base64url.encode('{}')}.${'A'.repeat(86)}`,
    });
    expect(unreachable.status).toBe(502);
    expect(unreachable.body).toMatchObject({
      error: 'PartnerUnreachable',
      message: expect.stringMatching(/key set of Yibin \(yibin\)/),
    });
    expect((await zg.request(undefined, 'POST', '/partner-notices', '{"notice": ')).status).toBe(400);
  });

  it('refuses a notice that is forged or addressed to another region, and takes a repeated one once', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forger = {
      keyId: async () => 'forged',
      publicJwk: async () => ({}),
      sign: async (input: Uint8Array) =>
        new Uint8Array(sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' })),
    };
    const claims = {
      jti: 'forged-1',
      type: 'CertificateRevocationNotice',
      iss: NJ_DID,
      aud: ZG_DID,
      iat: Math.floor(Date.now() / 1000),
      certificate: { id: 'https://neijiang.skillcert.example/certificates/X', number: 'X' },
      revokedAt: new Date().toISOString(),
      reason: 'forged',
    };
    const forged = await signCompactJws(forger, NJ_DID, claims, 'notice+jwt');
    expect((await zg.request(undefined, 'POST', '/partner-notices', forged)).status).toBe(401);
    const misaddressed = await signCompactJws(
      neijiangSigner(),
      NJ_DID,
      { ...claims, aud: 'did:web:yibin.skillcert.example' },
      'notice+jwt',
    );
    expect((await zg.request(undefined, 'POST', '/partner-notices', misaddressed)).status).toBe(403);
    expect((await zg.request(undefined, 'POST', '/partner-notices', 'not a notice')).status).toBe(400);
    const genuine = await signCompactJws(
      neijiangSigner(),
      NJ_DID,
      { ...claims, certificate: { id: decodeJwt(certificate.jws).id, number: certificate.number } },
      'notice+jwt',
    );
    const replay = await zg.request(undefined, 'POST', '/partner-notices', genuine);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ acknowledged: true, voided: [] });
  });
});
