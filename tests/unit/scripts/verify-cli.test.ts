// The offline verifier as a user runs it: files in, verdict out, exit code 0 only when valid.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCredential, StatusList, statusListCredential } from '../../../functions/domain/index.js';
import { signCompactJws } from '../../../functions/shared/signing.js';
import { projectRoot } from '../../../local/paths.js';
import { testRegion } from '../../fixtures/test-region.js';
import { certificateFacts } from '../domain/fixtures.js';

const DID = 'did:web:neijiang.skillcert.example';
const LIST = 'https://neijiang.skillcert.example/status/neijiang/certificates-1';
const REVOCATION = `${LIST}/revocation`;
let dir: string;

function verify(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify.ts', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-cli-'));
  const region = await testRegion(join(dir, 'keys'), DID, 'cli');
  const credential = buildCredential(
    certificateFacts({
      number: 'NJ-2026-4-000001-2',
      issuedAt: new Date(Date.now() - 3_600_000),
      status: { listBaseUrl: LIST, index: 3 },
    }),
  );
  const certificate = await region.credentials.sign(credential);
  await writeFile(join(dir, 'credential.jwt'), certificate.jws);
  await writeFile(join(dir, 'credential.json'), JSON.stringify(certificate.json, null, 2));
  const altered = structuredClone(certificate.json) as { credentialSubject: { name: string } };
  altered.credentialSubject.name = '李四';
  await writeFile(join(dir, 'altered.json'), JSON.stringify(altered));
  await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: region.keys }));
  const list = (revoked: boolean) =>
    statusListCredential({
      url: REVOCATION,
      issuerDid: DID,
      purpose: 'revocation',
      list: StatusList.empty().set(3, revoked),
      validFrom: new Date(),
      ttlSeconds: 300,
    });
  await writeFile(join(dir, 'status-clear.jwt'), (await region.credentials.sign(list(false))).jws);
  await writeFile(join(dir, 'status-unsigned.json'), JSON.stringify(list(false)));
  await writeFile(join(dir, 'status-revoked.jwt'), (await region.credentials.sign(list(true))).jws);
  // As lists were signed before the JWT format: still read.
  await writeFile(
    join(dir, 'status-legacy.jwt'),
    await signCompactJws(region.signer, DID, list(true), 'vc+jwt'),
  );
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run verify', () => {
  it('says VALID and exits 0 for a genuine certificate not revoked', () => {
    const { code, out } = verify(
      join(dir, 'credential.jwt'),
      '--jwks',
      join(dir, 'jwks.json'),
      '--status',
      join(dir, 'status-clear.jwt'),
    );
    expect(out).toMatch(/^VALID {2}NJ-2026-4-000001-2/);
    expect(out).toContain('Not revoked in the status lists');
    expect(code).toBe(0);
  });

  it('says REVOKED and exits 1 with a signed status list that has its bit set', () => {
    const { code, out } = verify(
      join(dir, 'credential.jwt'),
      '--jwks',
      join(dir, 'jwks.json'),
      '--status',
      join(dir, 'status-revoked.jwt'),
    );
    expect(out).toMatch(/^REVOKED/);
    expect(code).toBe(1);
  });

  it('reads the signed JSON form too: VALID for credential.json, REVOKED with the list, refused when altered', () => {
    const json = (file: string, ...status: string[]) =>
      verify(
        join(dir, file),
        '--jwks',
        join(dir, 'jwks.json'),
        ...status.flatMap((s) => ['--status', join(dir, s)]),
      );
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
      const { code, out } = verify(join(dir, file), '--jwks', join(dir, 'jwks.json'));
      expect(out).toMatch(/^STATUS-UNKNOWN {2}NJ-2026-4-000001-2/);
      expect(out).toMatch(/revocation was not checked/);
      expect(code).toBe(3);
    }
    // Only when the caller says unchecked status is enough does it say VALID, with the reason.
    const accepted = verify(
      join(dir, 'credential.jwt'),
      '--jwks',
      join(dir, 'jwks.json'),
      '--accept-unchecked-status',
    );
    expect(accepted.out).toMatch(/^VALID[\s\S]*Not checked for revocation or suspension/);
    expect(accepted.code).toBe(0);
  });

  it('refuses an unsigned status list: anyone could have written it', () => {
    const { code, out } = verify(
      join(dir, 'credential.jwt'),
      '--jwks',
      join(dir, 'jwks.json'),
      '--status',
      join(dir, 'status-unsigned.json'),
    );
    expect(out).toMatch(/not a signed status list/);
    expect(code).toBe(2);
  });

  it('explains its usage and exits 2 without a key set', () => {
    const { code, out } = verify(join(dir, 'credential.jwt'));
    expect(out).toMatch(/Usage: npm run verify/);
    expect(code).toBe(2);
  });
});
