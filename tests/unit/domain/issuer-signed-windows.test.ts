import { describe, expect, it } from 'vitest';
import {
  readStatusListCredential,
  SignedDocumentError,
  StatusList,
  statusListCredential,
  type VerificationKey,
  verifyIssuerSigned,
} from '../../../functions/domain/index.js';
import { publishedKey, signCompactJws } from '../../../functions/shared/signing.js';
import { testSigner } from '../../support/test-keys.js';

const DID = 'did:web:neijiang.skillcert.example';
const URL = 'https://neijiang.skillcert.example/status/neijiang/2026/revocation';

const signer = testSigner();
/** Retired in 2027: it signed from March 2026 until 1 March 2027, 08:15. */
const retired: VerificationKey = {
  ...(await publishedKey(signer, DID)),
  signsFrom: '2026-03-01T08:00:00.000Z',
  signsUntil: '2027-03-01T08:15:00.000Z',
};

const list = (validFrom: Date) =>
  statusListCredential({
    url: URL,
    issuerDid: DID,
    purpose: 'revocation',
    // Nothing revoked: what a thief with the retired key would publish to clear a revocation.
    list: StatusList.empty(),
    validFrom,
    ttlSeconds: 300,
  });

async function refusal(promise: Promise<unknown>): Promise<SignedDocumentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignedDocumentError);
  return error as SignedDocumentError;
}

describe('status lists outside their key’s window', () => {
  it('accepts a list the key signed inside its window', async () => {
    const validFrom = new Date('2027-02-01T00:00:00Z');
    const jws = await signCompactJws(signer, DID, list(validFrom), 'vc+jwt');
    const read = await readStatusListCredential(jws, [retired], new Date(validFrom.getTime() + 60_000));
    expect(read.url).toBe(URL);
  });

  it('refuses a list signed in 2028 by a key whose window closed in 2027', async () => {
    const validFrom = new Date('2028-01-01T00:00:00Z');
    const jws = await signCompactJws(signer, DID, list(validFrom), 'vc+jwt');
    const error = await refusal(
      readStatusListCredential(jws, [retired], new Date(validFrom.getTime() + 60_000)),
    );
    expect(error.message).toMatch(/did not sign at 2028-01-01T00:00:00.000Z.*window/);
  });

  it('refuses a list dated before the key’s window opened, and one that names no signing time', async () => {
    const validFrom = new Date('2026-01-01T00:00:00Z');
    const jws = await signCompactJws(signer, DID, list(validFrom), 'vc+jwt');
    await refusal(readStatusListCredential(jws, [retired], new Date('2026-01-01T00:01:00Z')));
    const { validFrom: _v, ...undated } = list(new Date('2027-02-01T00:00:00Z'));
    const jwsUndated = await signCompactJws(signer, DID, undated, 'vc+jwt');
    const error = await refusal(
      readStatusListCredential(jwsUndated, [retired], new Date('2027-02-01T00:01:00Z')),
    );
    expect(error.message).toMatch(/no signing time/);
  });
});

describe('revocation notices outside their key’s window', () => {
  const notice = (at: Date) => ({
    jti: 'n-1',
    type: 'CertificateRevocationNotice',
    iss: DID,
    aud: 'did:web:zigong.skillcert.example',
    iat: Math.floor(at.getTime() / 1000),
    certificate: {
      id: 'https://neijiang.skillcert.example/credentials/NJ-2026-000001',
      number: 'NJ-2026-000001',
    },
    revokedAt: at.toISOString(),
    reason: '证书信息有误 / wrong details',
  });

  it('accepts a notice signed inside the window and refuses one signed after it closed', async () => {
    const inside = await signCompactJws(signer, DID, notice(new Date('2027-02-01T00:00:00Z')), 'JWT');
    await expect(verifyIssuerSigned(inside, [retired], (p) => p.iss)).resolves.toMatchObject({ jti: 'n-1' });
    const after = await signCompactJws(signer, DID, notice(new Date('2028-01-01T00:00:00Z')), 'JWT');
    const error = await refusal(verifyIssuerSigned(after, [retired], (p) => p.iss));
    expect(error.message).toMatch(/did not sign at 2028-01-01T00:00:00.000Z/);
  });
});
