import { base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  readStatusListCredential,
  revocationNotice,
  SignedDocumentError,
  StatusList,
  statusListCredential,
  type VerificationKey,
  verifyIssuerSigned,
} from '../../../functions/domain/index.js';
import type { Signer } from '../../../functions/ports.js';
import { publishedKey, signCompactJws } from '../../../functions/shared/signing.js';
import { testSigner } from '../../support/test-keys.js';

const DID = 'did:web:neijiang.skillcert.example';
const OTHER_DID = 'did:web:zigong.skillcert.example';
const URL = 'https://neijiang.skillcert.example/status/neijiang/2026/revocation';
const NOW = new Date('2027-01-01T00:00:00Z');

function listCredential(overrides: { issuerDid?: string; validFrom?: Date; list?: StatusList } = {}) {
  return statusListCredential({
    url: URL,
    issuerDid: overrides.issuerDid ?? DID,
    purpose: 'revocation',
    list: overrides.list ?? StatusList.empty().set(3, true).set(1000, true),
    validFrom: overrides.validFrom ?? new Date('2026-12-31T23:58:00Z'),
    ttlSeconds: 300,
  });
}

let signer: Signer;
let otherSigner: Signer;
let key: VerificationKey;
let otherKey: VerificationKey;
let signed: string;

beforeAll(async () => {
  signer = testSigner();
  otherSigner = testSigner();
  key = await publishedKey(signer, DID);
  otherKey = await publishedKey(otherSigner, OTHER_DID);
  signed = await signCompactJws(signer, DID, listCredential(), 'vc+jwt');
});

async function refusal(promise: Promise<unknown>): Promise<SignedDocumentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignedDocumentError);
  return error as SignedDocumentError;
}

describe('readStatusListCredential', () => {
  it('reads a list signed by its issuer: URL, purpose, bits and expiry', async () => {
    const read = await readStatusListCredential(signed, [otherKey, key], NOW);
    expect(read.url).toBe(URL);
    expect(read.purpose).toBe('revocation');
    expect(read.validUntil).toBe('2027-01-01T00:03:00.000Z');
    expect([0, 3, 4, 1000, 1001].map((i) => read.list.get(i))).toEqual([false, true, false, true, false]);
  });

  it('accepts a list on the instant it expires, and refuses it after', async () => {
    const expiresAt = new Date('2027-01-01T00:03:00Z');
    expect((await readStatusListCredential(signed, [key], expiresAt)).url).toBe(URL);
    const error = await refusal(readStatusListCredential(signed, [key], new Date(expiresAt.getTime() + 1)));
    expect(error.message).toMatch(/expired on 2027-01-01T00:03:00.000Z; fetch a fresh one/);
  });

  it('refuses an expired list', async () => {
    const stale = await signCompactJws(
      signer,
      DID,
      listCredential({ validFrom: new Date('2026-12-01T00:00:00Z') }),
      'vc+jwt',
    );
    const error = await refusal(readStatusListCredential(stale, [key], NOW));
    expect(error.message).toMatch(/The status list expired on 2026-12-01T00:05:00.000Z/);
  });

  it("refuses a list naming this issuer but signed with another region's key", async () => {
    const forged = await signCompactJws(otherSigner, OTHER_DID, listCredential(), 'vc+jwt');
    const error = await refusal(readStatusListCredential(forged, [key, otherKey], NOW));
    expect(error.message).toBe(`Signed by ${OTHER_DID}, not by the issuer it names`);
  });

  it("refuses the issuer's key published under another DID", async () => {
    // The same key material, but the kid says it belongs to another region.
    const asOther = await signCompactJws(signer, OTHER_DID, listCredential(), 'vc+jwt');
    const keyOfOther = await publishedKey(signer, OTHER_DID);
    const error = await refusal(readStatusListCredential(asOther, [keyOfOther], NOW));
    expect(error.message).toMatch(/not by the issuer it names/);
  });

  it('refuses a list signed by a key that is not published', async () => {
    const error = await refusal(readStatusListCredential(signed, [otherKey], NOW));
    expect(error.message).toMatch(/No published key has the id did:web:neijiang/);
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = signed.split('.');
    const cleared = listCredential({ list: StatusList.empty() });
    const tampered = [header, base64url.encode(JSON.stringify(cleared)), signature].join('.');
    const error = await refusal(readStatusListCredential(tampered, [key], NOW));
    expect(error.message).toMatch(/altered or not signed with this key/);
  });

  it('refuses a list signed with a compromised key', async () => {
    const compromised = { ...key, compromisedAt: '2027-06-01T00:00:00Z' };
    const error = await refusal(readStatusListCredential(signed, [compromised], NOW));
    expect(error.message).toBe(`Signed with key ${key.kid}, declared compromised`);
  });

  it('refuses an unsigned list and a signature with another algorithm', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: key.kid }));
    const unsigned = `${header}.${signed.split('.')[1]}.`;
    expect((await refusal(readStatusListCredential(unsigned, [key], NOW))).message).toMatch(
      /Algorithm none is not accepted/,
    );
    expect((await refusal(readStatusListCredential('not-a-jws', [key], NOW))).message).toMatch(
      /not a compact JWS/,
    );
  });

  it('refuses a signed document that is not a status list', async () => {
    const { credentialSubject: _subject, ...noSubject } = listCredential();
    for (const payload of [
      noSubject,
      { ...listCredential(), id: undefined },
      { ...listCredential(), credentialSubject: { ...listCredential().credentialSubject, encodedList: '' } },
      {
        ...listCredential(),
        credentialSubject: { ...listCredential().credentialSubject, statusPurpose: '' },
      },
    ]) {
      const jws = await signCompactJws(signer, DID, payload, 'vc+jwt');
      expect((await refusal(readStatusListCredential(jws, [key], NOW))).message).toBe(
        'Not a BitstringStatusListCredential',
      );
    }
  });

  it('reads a list without validUntil as not expiring, and says so by leaving it out', async () => {
    const { validUntil: _validUntil, ...open } = listCredential();
    const jws = await signCompactJws(signer, DID, open, 'vc+jwt');
    const read = await readStatusListCredential(jws, [key], new Date('2040-01-01T00:00:00Z'));
    expect(read.list.get(3)).toBe(true);
    expect('validUntil' in read).toBe(false);
  });
});

describe('verifyIssuerSigned', () => {
  const notice = revocationNotice({
    noticeId: 'notice-1',
    issuerDid: DID,
    partnerDid: OTHER_DID,
    certificate: { id: 'https://neijiang.skillcert.example/certificates/NJ-1', number: 'NJ-1' },
    revokedAt: NOW,
    reason: 'fraud',
  });

  it('returns the payload of a document signed by the issuer it names', async () => {
    const jws = await signCompactJws(signer, DID, notice, 'notice+jwt');
    expect(await verifyIssuerSigned(jws, [key], (p) => p.iss)).toEqual(notice);
  });

  it('asks the caller where the issuer is named', async () => {
    const jws = await signCompactJws(signer, DID, notice, 'notice+jwt');
    const error = await refusal(verifyIssuerSigned(jws, [key], (p) => p.aud));
    expect(error.message).toBe(`Signed by ${DID}, not by the issuer it names`);
    await refusal(verifyIssuerSigned(jws, [key], () => undefined));
  });

  it("refuses a notice in this region's name signed by another region", async () => {
    const jws = await signCompactJws(otherSigner, OTHER_DID, notice, 'notice+jwt');
    await refusal(verifyIssuerSigned(jws, [key, otherKey], (p) => p.iss));
  });

  it('refuses what a compromised key signed, whenever it was signed', async () => {
    const jws = await signCompactJws(signer, DID, notice, 'notice+jwt');
    const compromised = { ...key, compromisedAt: '2030-01-01T00:00:00Z' };
    const error = await refusal(verifyIssuerSigned(jws, [compromised], (p) => p.iss));
    expect(error.message).toMatch(/declared compromised/);
  });
});
