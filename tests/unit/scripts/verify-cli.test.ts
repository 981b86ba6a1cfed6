// The offline verifier as a user runs it: files in, verdict out, exit code 0 only when valid.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSigner } from '../../../functions/adapters/local-signer.js';
import {
  buildCredential,
  decide,
  StatusList,
  statusListCredential,
} from '../../../functions/domain/index.js';
import { publishedKey, signCompactJws } from '../../../functions/shared/signing.js';
import { projectRoot } from '../../../local/paths.js';
import { EXAM, LATHE } from '../domain/fixtures.js';

const DID = 'did:web:neijiang.skillcert.example';
const LIST = 'https://neijiang.skillcert.example/status/neijiang/2026';
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
  const signer = new LocalSigner(join(dir, 'keys'), 'cli-key');
  const credential = buildCredential({
    number: 'NJ-2026-4-000001-2',
    issuer: { did: DID, nameZh: '内江', nameEn: 'Neijiang', url: 'https://neijiang.skillcert.example' },
    holder: { id: 'urn:uuid:2f0b5a3e-7c1d-4e8f-9a6b-0c3d5e7f9a1b', name: '张伟' },
    occupation: LATHE,
    level: 4,
    examTitle: EXAM.title,
    decision: decide(EXAM.policy, { theory: 90, practical: 80 }, ['theory', 'practical']),
    issuedAt: new Date(Date.now() - 3_600_000),
    status: { listBaseUrl: LIST, index: 3 },
  });
  await writeFile(join(dir, 'credential.jwt'), await signCompactJws(signer, DID, credential, 'vc+jwt'));
  await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [await publishedKey(signer, DID)] }));
  const list = (revoked: boolean) =>
    statusListCredential({
      url: REVOCATION,
      issuerDid: DID,
      purpose: 'revocation',
      list: StatusList.empty().set(3, revoked),
      validFrom: new Date(),
      ttlSeconds: 300,
    });
  await writeFile(join(dir, 'status-clear.jwt'), await signCompactJws(signer, DID, list(false), 'vc+jwt'));
  await writeFile(join(dir, 'status-unsigned.json'), JSON.stringify(list(false)));
  await writeFile(join(dir, 'status-revoked.jwt'), await signCompactJws(signer, DID, list(true), 'vc+jwt'));
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
