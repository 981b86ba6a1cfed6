// `npm run demo` as a user runs it: it tells the story and leaves a credential that verifies offline
// against the key set it wrote beside it.
import { spawn } from 'node:child_process';
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
    for (const step of ['[1]', '[2]', '[3]', '[4]', '[5]', '[6]', '[7]']) expect(output).toContain(step);
    expect(output).toMatch(/result: passed — theory \d+(\.\d)?, practical \d+/);
    expect(output).toContain('陈刚 works for the candidate');
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
