// `npm run verify -- --qr` as a user runs it on a page rendered from the certificate PDF (pdftoppm): the
// offline code is found with jsQR and verified against the key set and a signed status-list snapshot,
// with no network. A revoked certificate's paper still prints, and the new snapshot says revoked.
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  maskNationalId,
  offlineClaims,
  type PaperCertificate,
  signOfflineStatement,
} from '../../functions/domain/index.js';
import { renderCertificatePdf } from '../../functions/paper/certificate-pdf.js';
import {
  OFFLINE_DID as DID,
  type OfflineVerifierFixture,
  offlineVerifierFixture,
} from '../support/offline-verifier.js';
import { renderPng } from '../support/paper-tools.js';

let fixture: OfflineVerifierFixture;

beforeAll(async () => {
  fixture = await offlineVerifierFixture('qr', 9);
  const { region } = fixture;
  const paper: PaperCertificate = {
    number: 'NJ-2026-4-000007-5',
    holderName: '李娜',
    idType: { zh: '居民身份证', en: 'Resident identity card' },
    maskedId: maskNationalId('51100219900307123X'),
    occupation: { code: '6-18-01-01', nameZh: '车工', nameEn: 'Lathe operator' },
    level: 3,
    organisation: { zh: '内江市职业技能鉴定中心', en: 'Neijiang Vocational Skill Evaluation Centre' },
    region: { code: 'neijiang', nameZh: '内江市', nameEn: 'Neijiang', did: DID },
    issuedAt: new Date(Date.now() - 86_400_000).toISOString(),
    timeZone: 'Asia/Shanghai',
  };
  const statement = await signOfflineStatement(
    offlineClaims(paper, { list: 'certificates-1', index: 9 }, new Date()),
    await region.signer.keyId(),
    (input) => region.signer.sign(input),
  );
  const pdf = await renderCertificatePdf({
    certificate: paper,
    pageUrl: 'https://neijiang.skillcert.example/c/q3V9kzR2bX8mW4tY7nP1sA',
    offlineStatement: statement,
    credentialJws: 'a.b.c',
    credentialJson: '{}',
  });
  await writeFile(fixture.file('certificate.png'), renderPng(pdf, 'certificate-verify-qr', 150));
  // A tampered code: the same page with the statement's level changed (signature no longer matches).
  const [h, p, s] = statement.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, l: 1 })).toString('base64url')}.${s}`;
  const forgedPdf = await renderCertificatePdf({
    certificate: paper,
    pageUrl: 'https://neijiang.skillcert.example/c/q3V9kzR2bX8mW4tY7nP1sA',
    offlineStatement: forged,
    credentialJws: 'a.b.c',
    credentialJson: '{}',
  });
  await writeFile(fixture.file('forged.png'), renderPng(forgedPdf, 'certificate-verify-qr-forged', 150));
}, 60_000);

afterAll(() => fixture.remove());

describe('npm run verify -- --qr', { timeout: 60_000 }, () => {
  it('reads the offline code from the rendered page: VALID with a clear list, exit 0', () => {
    const { code, out } = fixture.verify(['--qr', fixture.file('certificate.png')], 'status-clear.jwt');
    expect(out).toContain('VALID  NJ-2026-4-000007-5');
    expect(out).toContain('李娜');
    expect(code).toBe(0);
  });

  it('says REVOKED with the new snapshot, and STATUS-UNKNOWN (exit 3) with none', () => {
    const revoked = fixture.verify(['--qr', fixture.file('certificate.png')], 'status-revoked.jwt');
    expect(revoked.out).toContain('REVOKED');
    expect(revoked.code).toBe(1);
    const unknown = fixture.verify(['--qr', fixture.file('certificate.png')]);
    expect(unknown.out).toContain('STATUS-UNKNOWN');
    expect(unknown.code).toBe(3);
  });

  it('refuses a tampered code', () => {
    const { code, out } = fixture.verify(['--qr', fixture.file('forged.png')], 'status-clear.jwt');
    expect(out).toContain('SIGNATURE-INVALID');
    expect(code).toBe(1);
  });
});
