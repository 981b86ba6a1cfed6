// Our verifier takes a certificate in either form — the compact JWS or the JSON credential with its
// embedded eddsa-rdfc-2022 proof — and refuses each tampering case in both, with its own reason.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildCredential,
  StatusList,
  type VerdictStatus,
  type VerificationKey,
  verifyCredential,
} from '../../../functions/domain/index.js';
import { checkProof } from '../../../functions/shared/data-integrity.js';
import { testRegion } from '../../fixtures/test-region.js';
import { CERTIFICATE_LIST, certificateFacts, NEIJIANG } from '../domain/fixtures.js';

const DID = NEIJIANG.did;
const LIST = CERTIFICATE_LIST;
const NOW = new Date('2027-01-01T00:00:00Z');
const INDEX = 4711;

const dir = await mkdtemp(join(tmpdir(), 'credential-forms-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const region = await testRegion(dir, DID, 'neijiang');
const stranger = await testRegion(dir, DID, 'stranger');
const zigong = await testRegion(dir, 'did:web:zigong.skillcert.example', 'zigong');

function facts(overrides: { issuedAt?: Date; validUntil?: Date; issuerDid?: string } = {}) {
  return buildCredential(
    certificateFacts({
      ...(overrides.issuedAt ? { issuedAt: overrides.issuedAt } : {}),
      ...(overrides.validUntil ? { validUntil: overrides.validUntil } : {}),
      issuer: { ...NEIJIANG, did: overrides.issuerDid ?? DID },
      status: { listBaseUrl: LIST, index: INDEX },
    }),
  );
}

const genuine = await region.credentials.sign(facts());
const lists = (revoked = false, suspended = false) => ({
  lists: {
    [`${LIST}/revocation`]: StatusList.empty().set(INDEX, revoked),
    [`${LIST}/suspension`]: StatusList.empty().set(INDEX, suspended),
  },
});

type Form = 'jws' | 'json';
const verify = (
  credential: string | Record<string, unknown>,
  keys: VerificationKey[] = region.keys,
  status = lists(),
) => verifyCredential({ credential, keys, status, checkProof, now: NOW });
const pick = (signed: { jws: string; json: Record<string, unknown> }, form: Form) =>
  form === 'jws' ? signed.jws : signed.json;

/** A byte of the JWS payload, or a value of the JSON, changed after signing. */
function altered(form: Form) {
  if (form === 'json') {
    const copy = structuredClone(genuine.json) as { credentialSubject: { name: string } };
    copy.credentialSubject.name = '李四';
    return copy as unknown as Record<string, unknown>;
  }
  const [h, p, s] = genuine.jws.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  payload.credentialSubject.name = '李四';
  return [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
}

/** The signature of another credential by the same key put on this one. */
async function swapped(form: Form) {
  const other = await region.credentials.sign(facts({ issuedAt: new Date('2026-11-25T10:00:00Z') }));
  if (form === 'json') return { ...genuine.json, proof: other.json.proof };
  return [...genuine.jws.split('.').slice(0, 2), other.jws.split('.')[2]].join('.');
}

const cases: [string, (form: Form) => Promise<string | Record<string, unknown>>, VerdictStatus, RegExp][] = [
  [
    'a changed value',
    async (form) => altered(form),
    'signature-invalid',
    /altered or not signed with this key/,
  ],
  ['a signature from another credential', swapped, 'signature-invalid', /altered/],
  [
    'a key the region never published',
    async (form) => pick(await stranger.credentials.sign(facts()), form),
    'unknown-issuer',
    /No published key has the id/,
  ],
  [
    "another region's issuer name under this region's key",
    async (form) => pick(await region.credentials.sign(facts({ issuerDid: zigong.didJson.id })), form),
    'unknown-issuer',
    /names issuer did:web:zigong/,
  ],
  [
    'an expired certificate',
    async (form) =>
      pick(await region.credentials.sign(facts({ validUntil: new Date('2026-12-01T00:00:00Z') })), form),
    'expired',
    /Expired on 2026-12-01/,
  ],
  [
    'a certificate not yet valid',
    async (form) =>
      pick(await region.credentials.sign(facts({ issuedAt: new Date('2027-06-01T00:00:00Z') })), form),
    'not-yet-valid',
    /Valid from 2027-06-01/,
  ],
];

describe.each<Form>(['jws', 'json'])('the %s form', (form) => {
  it('is valid while in force, with the same public facts', async () => {
    const verdict = await verify(pick(genuine, form));
    expect(verdict.reasons).toContain('Not revoked or suspended in the status lists');
    expect(verdict).toMatchObject({
      status: 'valid',
      certificate: { number: 'NJ-2026-4-000001-Q', holderName: '张伟', level: 4, issuer: DID },
    });
  });

  it.each(cases)('refuses %s with its own reason', async (_name, make, status, reason) => {
    const verdict = await verify(await make(form));
    expect(verdict.status).toBe(status);
    expect(verdict.reasons.join(' ')).toMatch(reason);
  });

  it('says revoked, and suspended from the list beside the revocation list', async () => {
    expect((await verify(pick(genuine, form), region.keys, lists(true))).status).toBe('revoked');
    expect((await verify(pick(genuine, form), region.keys, lists(false, true))).status).toBe('suspended');
  });

  it('refuses what a key signed after its declared compromise, and outside its window', async () => {
    const keys = region.keys.map((k) => ({ ...k, compromisedAt: '2026-11-01T00:00:00Z' }));
    expect((await verify(pick(genuine, form), keys)).reasons.join(' ')).toMatch(/declared compromised/);
    const retired = region.keys.map((k) => ({ ...k, signsUntil: '2026-11-20T00:00:00Z' }));
    expect((await verify(pick(genuine, form), retired)).status).toBe('signature-invalid');
  });
});

describe('the JWS form', () => {
  it('is refused when its kid names the Ed25519 proof key', async () => {
    const ed25519 = region.keys.find((k) => k.alg === 'EdDSA') as VerificationKey;
    const [, payload, signature] = genuine.jws.split('.') as [string, string, string];
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: ed25519.kid, typ: 'JWT' })).toString(
      'base64url',
    );
    const verdict = await verify(`${header}.${payload}.${signature}`);
    expect(verdict.status).toBe('signature-invalid');
    expect(verdict.reasons.join(' ')).toMatch(/not a P-256 key/);
  });
});

describe('the JSON form', () => {
  it('is refused when its proof is an ES256 key’s, or missing', async () => {
    const { proof: _proof, ...bare } = genuine.json;
    expect((await verify(bare)).reasons.join(' ')).toMatch(/no embedded proof/);
    const proof = (genuine.json.proof as { verificationMethod: string }[])[0];
    const es256 = region.keys.find((k) => k.alg === 'ES256') as VerificationKey;
    const onEs256 = { ...genuine.json, proof: [{ ...proof, verificationMethod: es256.kid }] };
    expect((await verify(onEs256)).reasons.join(' ')).toMatch(/not an Ed25519 key/);
  });
});
