// What the tests of the offline verifier (`npm run verify`, scripts/verify.ts) share: a temporary folder
// holding a test region's keys, its published key set and its signed revocation list as a snapshot with
// one index clear and set, and a way to run the verifier as a user does (a child process, files in,
// verdict and exit code out). tests/unit/scripts/verify-cli.test.ts (credentials) and
// tests/integration/verify-qr.test.ts (the paper's QR code) build on it.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusList, statusListCredential } from '../../functions/domain/index.js';
import { projectRoot } from '../../local/paths.js';
import { testRegion } from '../fixtures/test-region.js';

export const OFFLINE_DID = 'did:web:neijiang.skillcert.example';
/** The status list the fixture's certificates name (without its purpose). */
export const OFFLINE_LIST = 'https://neijiang.skillcert.example/status/neijiang/certificates-1';

/** Runs `npm run verify` with these arguments: its exit code and everything it printed. */
export function runVerify(...args: string[]): { code: number | null; out: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify.ts', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

export interface OfflineVerifierFixture {
  dir: string;
  region: Awaited<ReturnType<typeof testRegion>>;
  /** A file in the fixture's folder. */
  file(name: string): string;
  /** The unsigned revocation list credential with the fixture's index clear or set. */
  revocationList(revoked: boolean): ReturnType<typeof statusListCredential>;
  /**
   * Runs the verifier on `subject` (its arguments: a file, or `--qr` and an image) with the key set and
   * each status snapshot named (files in the folder).
   */
  verify(subject: string[], ...statusFiles: string[]): { code: number | null; out: string };
  remove(): Promise<void>;
}

/**
 * A fresh folder with `jwks.json` and the signed snapshots `status-clear.jwt` and `status-revoked.jwt`
 * (the revocation bit at `index` clear, then set).
 */
export async function offlineVerifierFixture(name: string, index: number): Promise<OfflineVerifierFixture> {
  const dir = await mkdtemp(join(tmpdir(), `verify-${name}-`));
  const region = await testRegion(join(dir, 'keys'), OFFLINE_DID, name);
  const file = (f: string) => join(dir, f);
  const revocationList = (revoked: boolean) =>
    statusListCredential({
      url: `${OFFLINE_LIST}/revocation`,
      issuerDid: OFFLINE_DID,
      purpose: 'revocation',
      list: StatusList.empty().set(index, revoked),
      validFrom: new Date(),
      ttlSeconds: 300,
    });
  await writeFile(file('jwks.json'), JSON.stringify({ keys: region.keys }));
  await writeFile(file('status-clear.jwt'), (await region.credentials.sign(revocationList(false))).jws);
  await writeFile(file('status-revoked.jwt'), (await region.credentials.sign(revocationList(true))).jws);
  return {
    dir,
    region,
    file,
    revocationList,
    verify: (subject, ...statusFiles) =>
      runVerify(
        ...subject,
        '--jwks',
        file('jwks.json'),
        ...statusFiles.flatMap((s) => ['--status', file(s)]),
      ),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
