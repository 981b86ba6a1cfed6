import { base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCredential,
  formatCertificateNumber,
  jwtClaimsOf,
  MIN_STATUS_LIST_BITS,
  StatusList,
  statusListCredential,
  type Verdict,
  type VerificationKey,
  verifyCredential,
} from '../../../functions/domain/index.js';
import type { Signer } from '../../../functions/ports.js';
import { publishedKey, signCompactJws, signCredentialJwt } from '../../../functions/shared/signing.js';
import { testSigner } from '../../support/test-keys.js';
import { certificateFacts, NEIJIANG } from './fixtures.js';

const DID = 'did:web:neijiang.skillcert.example';
const LIST_BASE = 'https://neijiang.skillcert.example/status/neijiang/2026';
const REVOCATION = `${LIST_BASE}/revocation`;
const SUSPENSION = `${LIST_BASE}/suspension`;
const NOW = new Date('2027-01-01T00:00:00Z');
const NUMBER = formatCertificateNumber({ regionPrefix: 'NJ', year: 2026, level: 4, serial: 1 });

function credential(
  overrides: { issuedAt?: Date; validUntil?: Date; index?: number; issuerDid?: string } = {},
) {
  return buildCredential(
    certificateFacts({
      number: NUMBER,
      issuer: { ...NEIJIANG, did: overrides.issuerDid ?? DID },
      ...(overrides.issuedAt ? { issuedAt: overrides.issuedAt } : {}),
      ...(overrides.validUntil ? { validUntil: overrides.validUntil } : {}),
      status: { listBaseUrl: LIST_BASE, index: overrides.index ?? 7 },
    }),
  );
}

let signer: Signer;
let key: VerificationKey;
let valid: string;

beforeAll(async () => {
  signer = testSigner();
  key = await publishedKey(signer, DID);
  valid = await signCredentialJwt(signer, DID, credential());
});

const empty = () => ({ lists: { [REVOCATION]: StatusList.empty(), [SUSPENSION]: StatusList.empty() } });

/** Han characters: a reason a Chinese reader can read, not English left untranslated. */
const HAN = /\p{Script=Han}/u;

/** Every reason is said in Chinese too, one for one, in the same order. */
function expectChineseReasons(verdict: Verdict): void {
  expect(verdict.reasons.length).toBeGreaterThan(0);
  expect(verdict.reasonsZh).toHaveLength(verdict.reasons.length);
  for (const zh of verdict.reasonsZh) expect(zh).toMatch(HAN);
}

/** Signs a header and payload as they are: for headers signCompactJws would not write. */
async function resign(header: string, payload: string): Promise<string> {
  const signature = await signer.sign(new TextEncoder().encode(`${header}.${payload}`));
  return `${header}.${payload}.${base64url.encode(signature)}`;
}

describe('verifyCredential', () => {
  it("signs in OB 3.0's JSON Web Token Proof Format: typ JWT, kid, and iss, jti, nbf, sub beside the credential", () => {
    const [header, payload] = valid
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'ES256', kid: key.kid, typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: DID,
      jti: credential().id,
      nbf: Date.parse('2026-11-24T10:00:00Z') / 1000,
      sub: 'urn:uuid:2f0b5a3e-7c1d-4e8f-9a6b-0c3d5e7f9a1b',
      credentialSubject: { id: 'urn:uuid:2f0b5a3e-7c1d-4e8f-9a6b-0c3d5e7f9a1b' },
    });
    expect(payload).not.toHaveProperty('exp');
  });

  it('still accepts certificates issued before the JWT format (typ vc+jwt, no claims, two status entries)', async () => {
    const { credentialStatus: _one, ...rest } = credential();
    const legacy = {
      ...rest,
      credentialStatus: [
        {
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: '7',
          statusListCredential: REVOCATION,
        },
        {
          type: 'BitstringStatusListEntry',
          statusPurpose: 'suspension',
          statusListIndex: '7',
          statusListCredential: SUSPENSION,
        },
      ],
    };
    const jws = await signCompactJws(signer, DID, legacy, 'vc+jwt');
    expect((await verifyCredential({ credential: jws, keys: [key], status: empty(), now: NOW })).status).toBe(
      'valid',
    );
    const suspended = { lists: { ...empty().lists, [SUSPENSION]: StatusList.empty().set(7, true) } };
    expect(
      (await verifyCredential({ credential: jws, keys: [key], status: suspended, now: NOW })).status,
    ).toBe('suspended');
    // A claim it does carry must still agree.
    const lying = await signCompactJws(
      signer,
      DID,
      { ...legacy, iss: 'did:web:zigong.skillcert.example' },
      'vc+jwt',
    );
    expect(
      (await verifyCredential({ credential: lying, keys: [key], status: empty(), now: NOW })).status,
    ).toBe('claims-mismatch');
  });

  it('takes the JSON form only where a proof checker is given', async () => {
    const verdict = await verifyCredential({ credential: credential(), keys: [key], now: NOW });
    expect(verdict).toMatchObject({ status: 'malformed', reasons: [expect.stringMatching(/compact JWS/)] });
    expectChineseReasons(verdict);
  });

  it('accepts a genuine certificate in force and shows what a verifier needs', async () => {
    const verdict = await verifyCredential({ credential: valid, keys: [key], status: empty(), now: NOW });
    expect(verdict.status).toBe('valid');
    expect(verdict.certificate).toMatchObject({
      number: NUMBER,
      holderName: '张伟',
      occupationCode: '6-18-01-01',
      level: 4,
      issuer: DID,
    });
  });

  it.each([
    [
      'a flipped payload byte',
      async () => {
        const [h, p, s] = valid.split('.');
        const payload = Buffer.from(p as string, 'base64url');
        payload[40] = (payload[40] as number) ^ 1;
        return [h, payload.toString('base64url'), s].join('.');
      },
      'signature-invalid',
      /altered or not signed with this key/,
    ],
    [
      'a swapped signature',
      async () => {
        const other = await signCredentialJwt(signer, DID, credential({ index: 8 }));
        return [...valid.split('.').slice(0, 2), other.split('.')[2]].join('.');
      },
      'signature-invalid',
      /altered/,
    ],
    [
      'an unknown kid',
      async () => signCredentialJwt(testSigner(), DID, credential()),
      'unknown-issuer',
      /No published key has the id/,
    ],
    [
      'alg none',
      async () => {
        const header = base64url.encode(JSON.stringify({ alg: 'none', kid: key.kid }));
        return `${header}.${valid.split('.')[1]}.`;
      },
      'signature-invalid',
      /Algorithm none is not accepted/,
    ],
    [
      'a wrong issuer',
      async () =>
        signCredentialJwt(signer, DID, credential({ issuerDid: 'did:web:zigong.skillcert.example' })),
      'unknown-issuer',
      /names issuer did:web:zigong/,
    ],
    [
      'an expired certificate',
      async () =>
        signCredentialJwt(signer, DID, credential({ validUntil: new Date('2026-12-01T00:00:00Z') })),
      'expired',
      /Expired on 2026-12-01/,
    ],
    [
      'a certificate not yet valid',
      async () => signCredentialJwt(signer, DID, credential({ issuedAt: new Date('2027-06-01T00:00:00Z') })),
      'not-yet-valid',
      /Valid from 2027-06-01/,
    ],
    ['not a JWS at all', async () => 'hello', 'malformed', /not a compact JWS/],
    [
      'a JOSE header parameter OB 3.0 does not allow',
      async () => {
        const header = base64url.encode(
          JSON.stringify({ alg: 'ES256', kid: key.kid, typ: 'JWT', x5u: 'https://x' }),
        );
        return resign(header, valid.split('.')[1] as string);
      },
      'signature-invalid',
      /other than alg, kid, jwk and typ.*x5u/,
    ],
    [
      'a typ other than JWT',
      async () =>
        signCompactJws(signer, DID, { ...credential(), ...jwtClaimsOf(credential()) }, 'vc+ld+json+jwt'),
      'malformed',
      /typ is vc\+ld\+json\+jwt, not JWT/,
    ],
    [
      'no JWT claims under typ JWT',
      async () => signCompactJws(signer, DID, credential(), 'JWT'),
      'claims-mismatch',
      /claim iss \(missing\)/,
    ],
    [
      'an iss claim naming another issuer',
      async () =>
        signCompactJws(
          signer,
          DID,
          { ...credential(), ...jwtClaimsOf(credential()), iss: 'did:web:zigong.skillcert.example' },
          'JWT',
        ),
      'claims-mismatch',
      /claim iss/,
    ],
    [
      'a sub claim naming another holder',
      async () =>
        signCompactJws(
          signer,
          DID,
          { ...credential(), ...jwtClaimsOf(credential()), sub: 'urn:uuid:someone-else' },
          'JWT',
        ),
      'claims-mismatch',
      /claim sub/,
    ],
    [
      'an exp claim later than validUntil',
      async () => {
        const c = credential({ validUntil: new Date('2029-11-24T10:00:00Z') });
        return signCompactJws(signer, DID, { ...c, ...jwtClaimsOf(c), exp: 4_000_000_000 }, 'JWT');
      },
      'claims-mismatch',
      /claim exp/,
    ],
    [
      'an nbf claim earlier than validFrom',
      async () =>
        signCompactJws(signer, DID, { ...credential(), ...jwtClaimsOf(credential()), nbf: 0 }, 'JWT'),
      'claims-mismatch',
      /claim nbf/,
    ],
    [
      'a jti claim naming another credential',
      async () =>
        signCompactJws(signer, DID, { ...credential(), ...jwtClaimsOf(credential()), jti: 'urn:x' }, 'JWT'),
      'claims-mismatch',
      /claim jti/,
    ],
  ])('refuses %s with its own reason', async (_name, make, status, reason) => {
    const verdict = await verifyCredential({
      credential: await make(),
      keys: [key],
      status: empty(),
      now: NOW,
    });
    expect(verdict.status).toBe(status);
    expect(verdict.reasons.join(' ')).toMatch(reason);
    expectChineseReasons(verdict);
  });

  it('says revoked or suspended from the status lists', async () => {
    const revoked = { lists: { ...empty().lists, [REVOCATION]: StatusList.empty().set(7, true) } };
    expect(
      (await verifyCredential({ credential: valid, keys: [key], status: revoked, now: NOW })).status,
    ).toBe('revoked');
    const suspended = { lists: { ...empty().lists, [SUSPENSION]: StatusList.empty().set(7, true) } };
    expect(
      (await verifyCredential({ credential: valid, keys: [key], status: suspended, now: NOW })).status,
    ).toBe('suspended');
    const otherIndex = { lists: { ...empty().lists, [REVOCATION]: StatusList.empty().set(8, true) } };
    expect(
      (await verifyCredential({ credential: valid, keys: [key], status: otherIndex, now: NOW })).status,
    ).toBe('valid');
  });

  it('asks a status loader for the credential’s list URLs, and only once the signature holds', async () => {
    const asked: string[][] = [];
    const loader = async (urls: string[]) => {
      asked.push(urls);
      return { lists: { ...empty().lists, [REVOCATION]: StatusList.empty().set(7, true) } };
    };
    expect(
      (await verifyCredential({ credential: valid, keys: [key], status: loader, now: NOW })).status,
    ).toBe('revoked');
    expect(asked).toEqual([[REVOCATION, SUSPENSION]]);
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const altered = `${header}.${payload.slice(0, -2)}AA.${signature}`;
    expect(
      (await verifyCredential({ credential: altered, keys: [key], status: loader, now: NOW })).status,
    ).toBe('signature-invalid');
    expect(asked).toHaveLength(1);
  });

  it('says which purposes it could not check when a list is missing', async () => {
    const onlyRevocation = { lists: { [REVOCATION]: StatusList.empty() } };
    const verdict = await verifyCredential({
      credential: valid,
      keys: [key],
      status: onlyRevocation,
      now: NOW,
    });
    expect(verdict.status).toBe('valid');
    expect(verdict.reasons).toContain('Not revoked in the status lists');
    expect(verdict.reasons).toContain('Not checked for suspension: no status list given');
    expectChineseReasons(verdict);
    expect(verdict.reasonsZh).toEqual([
      `由密钥 ${key.kid} 签名`,
      '状态列表显示此证书未被撤销',
      '未核查暂停状态：未提供状态列表',
    ]);
  });

  it('keeps a rotated-out key for what it signed, and rejects what a compromised key signed after the compromise', async () => {
    const retired = { ...key, signsUntil: '2026-12-31T23:59:59Z' };
    expect(
      (await verifyCredential({ credential: valid, keys: [retired], status: empty(), now: NOW })).status,
    ).toBe('valid');
    const compromised = { ...key, compromisedAt: '2026-11-01T00:00:00Z' };
    const verdict = await verifyCredential({
      credential: valid,
      keys: [compromised],
      status: empty(),
      now: NOW,
    });
    expect(verdict).toMatchObject({
      status: 'signature-invalid',
      reasons: [expect.stringMatching(/declared compromised/)],
      reasonsZh: [expect.stringMatching(/已被声明泄露/)],
    });
    expectChineseReasons(verdict);
    const before = { ...key, compromisedAt: '2026-12-01T00:00:00Z' };
    expect(
      (await verifyCredential({ credential: valid, keys: [before], status: empty(), now: NOW })).status,
    ).toBe('valid');
  });
});

describe('the reasons in Chinese', () => {
  const verify = (
    credential: string | Record<string, unknown>,
    extra: Partial<Parameters<typeof verifyCredential>[0]> = {},
  ) => verifyCredential({ credential, keys: [key], status: empty(), now: NOW, ...extra });

  it('gives every verdict its reasons in Chinese, one for one, dates and key ids as they are', async () => {
    const revoked = { lists: { ...empty().lists, [REVOCATION]: StatusList.empty().set(7, true) } };
    const suspended = { lists: { ...empty().lists, [SUSPENSION]: StatusList.empty().set(7, true) } };
    // Signed before the JWT format (typ vc+jwt, no claims) and without a validFrom: no claim to disagree.
    const { validFrom: _from, ...undated } = credential();
    const undatedJws = await signCompactJws(signer, DID, undated, 'vc+jwt');
    const verdicts: [string, Verdict][] = [
      ['valid, both lists checked', await verify(valid)],
      ['valid, no lists given', await verify(valid, { status: { lists: {} } })],
      ['revoked', await verify(valid, { status: revoked })],
      ['suspended', await verify(valid, { status: suspended })],
      [
        'outside the key window',
        await verify(valid, { keys: [{ ...key, signsUntil: '2026-01-01T00:00:00Z' }] }),
      ],
      ['not a P-256 key', await verify(valid, { keys: [{ ...key, kty: 'OKP', crv: 'Ed25519' }] })],
      ['no validFrom', await verify(undatedJws)],
      [
        'a JSON credential without a proof',
        await verify(credential(), { checkProof: async () => ({ ok: true, key }) }),
      ],
      [
        'a proof the checker refuses',
        await verify(
          { ...credential(), proof: {} },
          {
            checkProof: async () => ({
              ok: false,
              status: 'signature-invalid',
              reason: { en: 'altered', zh: '已被篡改' },
            }),
          },
        ),
      ],
    ];
    expect(verdicts.map(([, v]) => v.status)).toEqual([
      'valid',
      'valid',
      'revoked',
      'suspended',
      'signature-invalid',
      'signature-invalid',
      'malformed',
      'malformed',
      'signature-invalid',
    ]);
    for (const [name, verdict] of verdicts) {
      expect(verdict.reasonsZh, name).toHaveLength(verdict.reasons.length);
      expectChineseReasons(verdict);
    }
    const [, revokedVerdict] = verdicts[2] as [string, Verdict];
    expect(revokedVerdict.reasonsZh).toEqual(['颁发机构已撤销此证书']);
    const [, windowVerdict] = verdicts[4] as [string, Verdict];
    expect(windowVerdict.reasonsZh[0]).toContain(key.kid);
    expect(windowVerdict.reasonsZh[0]).toContain('2026-11-24');
  });

  it('keeps the dates of an expired or not-yet-valid certificate as they are', async () => {
    const expiring = credential({ validUntil: new Date('2029-11-24T10:00:00Z') });
    const expired = await verify(await signCredentialJwt(signer, DID, expiring), {
      now: new Date('2035-01-01T00:00:00Z'),
    });
    const early = await verify(valid, { now: new Date('2020-01-01T00:00:00Z') });
    for (const verdict of [expired, early]) expectChineseReasons(verdict);
    expect(expired.status).toBe('expired');
    expect(expired.reasonsZh[0]).toBe(`此证书已于 ${expiring.validUntil} 过期`);
    expect(early.status).toBe('not-yet-valid');
    expect(early.reasonsZh[0]).toBe(`此证书自 ${early.certificate?.validFrom} 起生效`);
  });
});

describe('StatusList', () => {
  it('round-trips through its encoding, left-most bit first, at least 131,072 entries', () => {
    const list = StatusList.empty()
      .set(0, true)
      .set(9, true)
      .set(MIN_STATUS_LIST_BITS - 1, true);
    const decoded = StatusList.decode(list.encode());
    expect([0, 1, 9, 10, MIN_STATUS_LIST_BITS - 1].map((i) => decoded.get(i))).toEqual([
      true,
      false,
      true,
      false,
      true,
    ]);
    expect(decoded.length).toBe(MIN_STATUS_LIST_BITS);
    expect(list.encode()).toMatch(/^u[A-Za-z0-9_-]+$/);
  });

  it('refuses lists that are too short or not encoded as the spec says', () => {
    expect(() => StatusList.empty(8)).toThrow(/at least 131072/);
    expect(() => StatusList.decode('zabc')).toThrow(/multibase/);
    expect(() => StatusList.decode('uAAAA')).toThrow(/GZIP/);
    expect(() => StatusList.empty().get(MIN_STATUS_LIST_BITS)).toThrow(/outside the list/);
  });

  it('is published as a BitstringStatusListCredential with a cache lifetime', () => {
    const vc = statusListCredential({
      url: REVOCATION,
      issuerDid: DID,
      purpose: 'revocation',
      list: StatusList.empty(),
      validFrom: NOW,
      ttlSeconds: 300,
    });
    expect(vc).toMatchObject({
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      validUntil: '2027-01-01T00:05:00.000Z',
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation', ttl: 300_000 },
    });
  });
});
