// `npm run demo` as a user runs it: it tells the story and leaves a credential that verifies offline
// against the key set it wrote beside it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/paths.js';

let home: string;
let output = '';
let exitCode: number | null;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'skillcert-demo-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--out', join(home, 'out')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      SKILLCERT_HOME: home,
      SKILLCERT_CACHE_DIR: join(projectRoot, '.skillcert', 'cache'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  exitCode = await new Promise((resolve) => child.once('exit', resolve));
}, 240_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('prints each step of the story and succeeds', () => {
    expect(exitCode, output).toBe(0);
    for (let step = 1; step <= 13; step++) expect(output).toContain(`[${step}]`);
    expect(output).toMatch(/result: passed — theory \d+(\.\d)?, practical \d+/);
    expect(output).toContain('陈刚 works for the candidate');
    // The partner story: valid at Zigong, recognised once, revoked, voided, then revoked at Zigong.
    expect(output).toMatch(/\[9\][\s\S]*verdict: valid/);
    expect(output).toMatch(/asked again: the same recognition/);
    expect(output).toMatch(/active → revoked/);
    expect(output).toMatch(/signed revocation notice \S+ on its way to zigong/);
    expect(output).toMatch(/\[12\][\s\S]*: void since/);
    expect(output).toMatch(/\[13\][\s\S]*verdict: revoked/);
  });

  it('writes Zigong’s endorsement, which verifies against Zigong’s key set and endorses the certificate', async () => {
    const endorsement = (await readFile(join(home, 'out', 'endorsement.jwt'), 'utf8')).trim();
    const jwks = JSON.parse(await readFile(join(home, 'out', 'zigong-jwks.json'), 'utf8'));
    const credential = JSON.parse(await readFile(join(home, 'out', 'credential.json'), 'utf8'));
    const { payload } = await compactVerify(endorsement, createLocalJWKSet(jwks));
    const endorsed = JSON.parse(new TextDecoder().decode(payload));
    expect(endorsed.type).toEqual(['VerifiableCredential', 'EndorsementCredential']);
    expect(endorsed.issuer.id).toBe('did:web:zigong.skillcert.example');
    expect(endorsed.credentialSubject.id).toBe(credential.id);
  });

  it('leaves status lists from before and after the revocation that the offline verifier reads', () => {
    const verify = (status: string) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/verify.ts',
          join(home, 'out', 'credential.jwt'),
          '--jwks',
          join(home, 'out', 'jwks.json'),
          '--status',
          join(home, 'out', status),
        ],
        { cwd: projectRoot, encoding: 'utf8' },
      );
    const before = verify('status-before.jwt');
    expect(before.stdout).toMatch(/^VALID/);
    expect(before.status).toBe(0);
    const after = verify('status-after.jwt');
    expect(after.stdout).toMatch(/^REVOKED/);
    expect(after.status).toBe(1);
  });

  it('writes a credential that verifies against the key set beside it, and its payload', async () => {
    const jws = (await readFile(join(home, 'out', 'credential.jwt'), 'utf8')).trim();
    const jwks = JSON.parse(await readFile(join(home, 'out', 'jwks.json'), 'utf8'));
    const written = JSON.parse(await readFile(join(home, 'out', 'credential.json'), 'utf8'));
    const { payload } = await compactVerify(jws, createLocalJWKSet(jwks));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(written);
    expect(written.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(written['skillcert:certificateNumber']).toMatch(/^NJ-\d{4}-4-\d{6}-[0-9A-Z]$/);
    expect(JSON.stringify(written)).not.toContain('51100219900307123X');
  });
});
