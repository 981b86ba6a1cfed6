// The offline verifier as a user runs it: files in, verdict out, exit code 0 only when valid.
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCredential } from '../../../functions/domain/index.js';
import { signCompactJws } from '../../../functions/shared/signing.js';
import {
  OFFLINE_DID,
  OFFLINE_LIST,
  type OfflineVerifierFixture,
  offlineVerifierFixture,
  runVerify as verify,
} from '../../support/offline-verifier.js';
import { certificateFacts } from '../domain/fixtures.js';

let fixture: OfflineVerifierFixture;

beforeAll(async () => {
  fixture = await offlineVerifierFixture('cli', 3);
  const credential = buildCredential(
    certificateFacts({
      number: 'NJ-2026-4-000001-2',
      issuedAt: new Date(Date.now() - 3_600_000),
      status: { listBaseUrl: OFFLINE_LIST, index: 3 },
    }),
  );
  const certificate = await fixture.region.credentials.sign(credential);
  await writeFile(fixture.file('credential.jwt'), certificate.jws);
  await writeFile(fixture.file('credential.json'), JSON.stringify(certificate.json, null, 2));
  const altered = structuredClone(certificate.json) as { credentialSubject: { name: string } };
  altered.credentialSubject.name = '李四';
  await writeFile(fixture.file('altered.json'), JSON.stringify(altered));
  await writeFile(fixture.file('status-unsigned.json'), JSON.stringify(fixture.revocationList(false)));
  // As lists were signed before the JWT format: still read.
  await writeFile(
    fixture.file('status-legacy.jwt'),
    await signCompactJws(fixture.region.signer, OFFLINE_DID, fixture.revocationList(true), 'vc+jwt'),
  );
}, 60_000);

afterAll(() => fixture.remove());

// Each case starts the verifier as a child process (tsx), about a second each on a busy machine.
describe('npm run verify', { timeout: 60_000 }, () => {
  it('says VALID and exits 0 for a genuine certificate not revoked', () => {
    const { code, out } = fixture.verify([fixture.file('credential.jwt')], 'status-clear.jwt');
    expect(out).toMatch(/^VALID {2}NJ-2026-4-000001-2/);
    expect(out).toContain('Not revoked in the status lists');
    // Each reason in Chinese beneath its English.
    expect(out).toMatch(/- Not revoked in the status lists\n {4}状态列表显示此证书未被撤销\n/);
    expect(code).toBe(0);
  });

  it('says REVOKED and exits 1 with a signed status list that has its bit set', () => {
    const { code, out } = fixture.verify([fixture.file('credential.jwt')], 'status-revoked.jwt');
    expect(out).toMatch(/^REVOKED/);
    expect(out).toContain('颁发机构已撤销此证书');
    expect(code).toBe(1);
  });

  it('reads the signed JSON form too: VALID for credential.json, REVOKED with the list, refused when altered', () => {
    const json = (file: string, ...status: string[]) => fixture.verify([fixture.file(file)], ...status);
    const valid = json('credential.json', 'status-clear.jwt');
    expect(valid.out).toMatch(/^VALID {2}NJ-2026-4-000001-2/);
    expect(valid.code).toBe(0);
    const revoked = json('credential.json', 'status-revoked.jwt');
    expect(revoked.out).toMatch(/^REVOKED/);
    expect(revoked.code).toBe(1);
    const altered = json('altered.json', 'status-clear.jwt');
    expect(altered.out).toMatch(/^SIGNATURE-INVALID[\s\S]*altered or not signed/);
    expect(altered.code).toBe(1);
    expect(json('credential.jwt', 'status-legacy.jwt').out).toMatch(/^REVOKED/);
  });

  it('says STATUS-UNKNOWN and exits 3 without a revocation list, even for a revoked certificate', () => {
    for (const file of ['credential.jwt', 'credential.json']) {
      const { code, out } = fixture.verify([fixture.file(file)]);
      expect(out).toMatch(/^STATUS-UNKNOWN {2}NJ-2026-4-000001-2/);
      expect(out).toMatch(/revocation was not checked/);
      expect(out).toMatch(/未核查撤销状态/);
      expect(code).toBe(3);
    }
    // Only when the caller says unchecked status is enough does it say VALID, with the reason.
    const accepted = fixture.verify([fixture.file('credential.jwt'), '--accept-unchecked-status']);
    expect(accepted.out).toMatch(/^VALID[\s\S]*Not checked for revocation or suspension/);
    expect(accepted.code).toBe(0);
  });

  it('refuses an unsigned status list: anyone could have written it', () => {
    const { code, out } = fixture.verify([fixture.file('credential.jwt')], 'status-unsigned.json');
    expect(out).toMatch(/not a signed status list/);
    expect(code).toBe(2);
  });

  it('explains its usage and exits 2 without a key set', () => {
    const { code, out } = verify(fixture.file('credential.jwt'));
    expect(out).toMatch(/Usage: npm run verify/);
    expect(code).toBe(2);
  });
});
