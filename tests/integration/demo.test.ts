// `npm run demo` as a user runs it: it tells the story and leaves a credential that verifies offline
// against the key set it wrote beside it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import { compactVerify, createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialJsonOf } from '../../functions/shared/signing.js';
import { projectRoot } from '../../local/paths.js';
import { searchNationalIds } from '../fixtures/id-search.js';
import { eddsaSuite, outsideLoader, schemaValidator, vc } from '../fixtures/outside-tools.js';
import { pdfText } from '../support/paper-tools.js';

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

const text = async (name: string) => (await readFile(join(home, 'out', name), 'utf8')).trim();

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
    const endorsement = await text('endorsement.jwt');
    const jwks = JSON.parse(await text('zigong-jwks.json'));
    const credential = JSON.parse(await text('credential.json'));
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

  it('writes certificate.pdf and certificate-qr-offline.png, which the offline verifier reads from the image', async () => {
    const pdf = await readFile(join(home, 'out', 'certificate.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const number = JSON.parse(await text('credential.json')).certificateNumber as string;
    const printed = pdfText(pdf);
    expect(printed).toContain(number);
    expect(printed).toContain('职业技能等级证书');
    const verifyQr = (status: string) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/verify.ts',
          '--qr',
          join(home, 'out', 'certificate-qr-offline.png'),
          '--jwks',
          join(home, 'out', 'jwks.json'),
          '--status',
          join(home, 'out', status),
        ],
        { cwd: projectRoot, encoding: 'utf8' },
      );
    const before = verifyQr('status-before.jwt');
    expect(before.stdout).toMatch(new RegExp(`^VALID  ${number}`));
    expect(before.status).toBe(0);
    const after = verifyQr('status-after.jwt');
    expect(after.stdout).toMatch(/^REVOKED/);
    expect(after.status).toBe(1);
  });

  it('writes a credential JWS in the JWT format that verifies against the key set beside it', async () => {
    const jws = await text('credential.jwt');
    const jwks = JSON.parse(await text('jwks.json'));
    const written = JSON.parse(await text('credential.json'));
    const { payload } = await jwtVerify(jws, createLocalJWKSet(jwks), {
      typ: 'JWT',
      issuer: written.issuer.id,
    });
    expect(payload.sub).toBe(written.credentialSubject.id);
    expect(payload.jti).toBe(written.id);
    expect(credentialJsonOf(jws)).toEqual(written);
    expect(written.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(written.certificateNumber).toMatch(/^NJ-\d{4}-4-\d{6}-[0-9A-Z]$/);
  });

  it('writes credential.json and endorsement.json whose embedded proofs Digital Bazaar’s vc verifies against did.json and zigong-did.json', async () => {
    const dids = [JSON.parse(await text('did.json')), JSON.parse(await text('zigong-did.json'))];
    const statusBefore = credentialJsonOf(await text('status-before.jwt'));
    const credential = JSON.parse(await text('credential.json'));
    const endorsement = JSON.parse(await text('endorsement.json'));
    expect(credentialJsonOf(await text('endorsement.jwt'))).toEqual(endorsement);
    const schemas = schemaValidator();
    expect(schemas.achievement(credential)).toEqual([]);
    expect(schemas.endorsement(endorsement)).toEqual([]);
    expect(schemas.skillcert(credential)).toEqual([]);
    // The status lists named: Neijiang's as it was before the revocation; Zigong's endorsement list unset.
    const loader = outsideLoader(dids, { [String(statusBefore.id)]: statusBefore });
    const certificate = await vc.verifyCredential({
      credential,
      suite: eddsaSuite(),
      documentLoader: loader,
      checkStatus,
    });
    expect(certificate.error).toBeUndefined();
    expect(certificate.verified).toBe(true);
    const proofOnly = await vc.verifyCredential({
      credential: endorsement,
      suite: eddsaSuite(),
      documentLoader: loader,
      checkStatus: async () => ({ verified: true }),
    });
    expect(proofOnly.verified).toBe(true);
    // The revocation list of after the revocation says revoked, to their checker too.
    const statusAfter = credentialJsonOf(await text('status-after.jwt'));
    const revoked = await checkStatus({
      credential,
      suite: eddsaSuite(),
      documentLoader: outsideLoader(dids, { [String(statusAfter.id)]: statusAfter }),
    });
    expect(revoked.results?.[0]?.status ?? revoked.status).toBe(true);
  });

  it('gives nothing away about the holder’s ID number: the search over a county and a year of birth dates finds nothing', async () => {
    const files = [
      'credential.jwt',
      'credential.json',
      'endorsement.jwt',
      'endorsement.json',
      'did.json',
      'zigong-did.json',
      'status-before.jwt',
    ];
    const documents = await Promise.all(
      files.map(async (f) => (f.endsWith('.json') ? JSON.parse(await text(f)) : await text(f))),
    );
    const all = documents.map((d) => (typeof d === 'string' ? d : JSON.stringify(d))).join('\n');
    expect(all).not.toContain('51100219900307123X');
    expect(all).not.toMatch(/sha256\$|identityHash|"salt"/);
    // 张伟 was born on 7 March 1990 in county 511002: the search covers his ID and 364,999 others.
    expect(searchNationalIds(documents, '511002', new Date('1990-01-01T00:00:00Z'), 365)).toEqual([]);
  });

  it('tells that an employer shown the holder’s ID card can ask the region, and gets yes', () => {
    expect(output).toMatch(/asks Neijiang whether it is his certificate: yes/);
  });
});
