// The paper certificate through other people's tools: pdftotext finds every field of the national layout
// (in both languages), pdftoppm renders the page, jsQR decodes both QR codes from the rendering, the
// offline code verifies offline (and a tampered one does not), the credential comes back out of the file,
// the same certificate gives the same bytes, and no full ID number is anywhere in it.
import { describe, expect, it } from 'vitest';
import {
  LEVEL_ON_PAPER,
  type Level,
  MAX_OFFLINE_STATEMENT,
  maskNationalId,
  offlineClaims,
  type PaperCertificate,
  StatusList,
  signOfflineStatement,
  type VerificationKey,
  verifyOfflineStatement,
} from '../../../functions/domain/index.js';
import { renderCertificatePdf } from '../../../functions/paper/certificate-pdf.js';
import { credentialInPdf, embeddedFiles } from '../../../functions/paper/pdf-attachments.js';
import { searchNationalIds } from '../../fixtures/id-search.js';
import { decodeQrCodes, pdfText, renderPng } from '../../support/paper-tools.js';
import { testSigner } from '../../support/test-keys.js';

const ID = '51100219900307123X';
const DID = 'did:web:neijiang.skillcert.example';
const PAGE_URL = 'https://neijiang.skillcert.example/c/q3V9kzR2bX8mW4tY7nP1sA';

function certificate(overrides: Partial<PaperCertificate> = {}): PaperCertificate {
  return {
    number: 'NJ-2026-4-000001-X',
    holderName: '张伟',
    idType: { zh: '居民身份证', en: 'Resident identity card' },
    maskedId: maskNationalId(ID),
    occupation: { code: '6-18-01-01', nameZh: '车工', nameEn: 'Lathe operator' },
    level: 4,
    organisation: { zh: '内江市职业技能鉴定中心', en: 'Neijiang Vocational Skill Evaluation Centre' },
    region: { code: 'neijiang', nameZh: '内江市', nameEn: 'Neijiang', did: DID },
    issuedAt: '2026-11-30T02:00:00.000Z',
    timeZone: 'Asia/Shanghai',
    ...overrides,
  };
}

async function statement(paper: PaperCertificate, signer = testSigner()) {
  const thumbprint = await signer.keyId();
  const jwk = await signer.publicJwk();
  const keys: VerificationKey[] = [{ ...jwk, kid: `${DID}#${thumbprint}`, alg: 'ES256' } as VerificationKey];
  const jws = await signOfflineStatement(
    offlineClaims(paper, { list: 'certificates-1', index: 4242 }, new Date(paper.issuedAt)),
    thumbprint,
    (input) => signer.sign(input),
  );
  return { jws, keys };
}

async function pdfOf(paper: PaperCertificate, offline: string) {
  return renderCertificatePdf({
    certificate: paper,
    pageUrl: PAGE_URL,
    offlineStatement: offline,
    credentialJws: 'eyJhbGciOiJFUzI1NiJ9.eyJjZXJ0aWZpY2F0ZU51bWJlciI6Ik5KIn0.c2ln',
    credentialJson: '{"certificateNumber":"NJ-2026-4-000001-X"}',
  });
}

describe('the certificate PDF', { timeout: 30_000 }, () => {
  it('prints every field of the national layout, in Chinese and English, as selectable text', async () => {
    const paper = certificate();
    const { jws } = await statement(paper);
    const text = pdfText(await pdfOf(paper, jws));
    for (const field of [
      '职业技能等级证书',
      'Vocational Skill Level Certificate',
      '姓名',
      '张伟',
      '证件类型',
      '居民身份证',
      '证件号码',
      '5****************X',
      '职业名称',
      '车工（6-18-01-01）',
      'Lathe operator',
      '工种/职业方向',
      '--',
      '职业技能等级',
      '四级/中级工',
      'Level 4 / Intermediate worker',
      '证书编号',
      'NJ-2026-4-000001-X',
      '评价机构',
      '内江市职业技能鉴定中心',
      '发证日期',
      '2026年11月30日',
      '照片',
      'jndj.osta.org.cn',
      'pjjg.osta.org.cn',
      '扫码在线查验',
      '离线核验码',
      '评价机构（盖章）',
    ]) {
      expect(text, field).toContain(field);
    }
    // The issue date is the region's day: 02:00 UTC is 10:00 in Beijing on the same day.
    expect(text).toContain('2026-11-30');
  });

  it.each([5, 4, 3, 2, 1] as Level[])(
    'writes level %i as the Chinese numeral and its name',
    async (level) => {
      const paper = certificate({ level, direction: { zh: '数控车床', en: 'CNC lathe' } });
      const text = pdfText(await pdfOf(paper, (await statement(paper)).jws));
      expect(text).toContain(LEVEL_ON_PAPER[level].zh);
      expect(text).toContain('数控车床');
      expect(text).not.toContain('工种/职业方向\n--');
    },
  );

  it('renders one A4 page whose two QR codes decode with jsQR: the page URL and a valid offline statement', async () => {
    const paper = certificate();
    const { jws, keys } = await statement(paper);
    const pdf = await pdfOf(paper, jws);
    const png = renderPng(pdf, 'certificate-unit', 150);
    const codes = decodeQrCodes(png);
    expect(codes).toContain(PAGE_URL);
    const offline = codes.find((c) => c !== PAGE_URL) as string;
    expect(offline).toBe(jws);
    expect(offline.length).toBeLessThanOrEqual(MAX_OFFLINE_STATEMENT);
    const verdict = verifyOfflineStatement({
      statement: offline,
      keys,
      now: new Date('2027-01-01T00:00:00Z'),
      timeZone: 'Asia/Shanghai',
      status: { revocation: StatusList.empty(), suspension: StatusList.empty() },
    });
    expect(verdict.status).toBe('valid');
    expect(verdict.claims).toMatchObject({
      n: paper.number,
      h: '张伟',
      o: '6-18-01-01',
      l: 4,
      i: '20261130',
    });
  });

  it('the same certificate gives the same bytes', async () => {
    const paper = certificate();
    const { jws } = await statement(paper);
    const [a, b] = [await pdfOf(paper, jws), await pdfOf(paper, jws)];
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    expect(Buffer.from(a).toString('latin1')).toContain('/CreationDate (D:20261130020000Z');
  });

  it('carries the signed credential as embedded files that read back', async () => {
    const paper = certificate();
    const pdf = await pdfOf(paper, (await statement(paper)).jws);
    const files = await embeddedFiles(pdf);
    expect([...files.keys()].sort()).toEqual(['credential.json', 'credential.jwt', 'offline-code.jws']);
    expect(await credentialInPdf(pdf)).toBe('eyJhbGciOiJFUzI1NiJ9.eyJjZXJ0aWZpY2F0ZU51bWJlciI6Ik5KIn0.c2ln');
  });

  it('holds no full ID number: only the masked form made at registration', async () => {
    const paper = certificate();
    const pdf = await pdfOf(paper, (await statement(paper)).jws);
    const strings = [pdfText(pdf), Buffer.from(pdf).toString('latin1')];
    expect(searchNationalIds(strings, '511002', new Date('1990-01-01T00:00:00Z'), 90)).toEqual([]);
    expect(() => maskNationalId('51100219900307')).toThrow(RangeError);
  });
});

describe('the offline statement', { timeout: 30_000 }, () => {
  it('refuses a tampered statement, a statement from another key and a revoked or suspended certificate', async () => {
    const paper = certificate();
    const { jws, keys } = await statement(paper);
    const now = new Date('2027-01-01T00:00:00Z');
    const [h, p, s] = jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, l: 1 })).toString('base64url')}.${s}`;
    expect(verifyOfflineStatement({ statement: forged, keys, now, timeZone: 'Asia/Shanghai' }).status).toBe(
      'signature-invalid',
    );
    const other = await statement(paper);
    expect(
      verifyOfflineStatement({ statement: jws, keys: other.keys, now, timeZone: 'Asia/Shanghai' }).status,
    ).toBe('unknown-issuer');
    const revoked = StatusList.empty().set(4242, true);
    expect(
      verifyOfflineStatement({
        statement: jws,
        keys,
        now,
        timeZone: 'Asia/Shanghai',
        status: { revocation: revoked },
      }).status,
    ).toBe('revoked');
    expect(
      verifyOfflineStatement({
        statement: jws,
        keys,
        now,
        timeZone: 'Asia/Shanghai',
        status: { revocation: StatusList.empty(), suspension: revoked },
      }).status,
    ).toBe('suspended');
    const unchecked = verifyOfflineStatement({ statement: jws, keys, now, timeZone: 'Asia/Shanghai' });
    expect(unchecked.statusUnchecked).toEqual(['revocation', 'suspension']);
    expect(
      verifyOfflineStatement({ statement: 'not.a.jws', keys, now, timeZone: 'Asia/Shanghai' }).status,
    ).toBe('malformed');
  });

  it('says expired after the expiry day, and shortens a name too long to fit 400 characters', async () => {
    const paper = certificate({ validUntil: '2029-11-30T02:00:00.000Z' });
    const { jws, keys } = await statement(paper);
    const later = verifyOfflineStatement({
      statement: jws,
      keys,
      now: new Date('2029-12-01T00:00:00Z'),
      timeZone: 'Asia/Shanghai',
    });
    expect(later.status).toBe('expired');
    const long = certificate({
      holderName: '阿卜杜热合曼·买买提明·艾力·阿卜杜拉·克里木·吐尔逊·阿不都热依木·买合木提',
    });
    const fitted = await statement(long);
    expect(fitted.jws.length).toBeLessThanOrEqual(MAX_OFFLINE_STATEMENT);
    const verdict = verifyOfflineStatement({
      statement: fitted.jws,
      keys: fitted.keys,
      now: new Date('2027-01-01T00:00:00Z'),
      timeZone: 'Asia/Shanghai',
    });
    expect(verdict.claims?.ht).toBe(1);
    expect(verdict.claims?.h.endsWith('…')).toBe(true);
    expect(verdict.reasons.join(' ')).toContain('shortened');
  });

  it('gives every offline verdict its reasons in Chinese too, one for one', async () => {
    const paper = certificate({ validUntil: '2029-11-30T02:00:00.000Z' });
    const { jws, keys } = await statement(paper);
    const long = await statement(
      certificate({ holderName: '阿卜杜热合曼·买买提明·艾力·阿卜杜拉·克里木·吐尔逊·阿不都热依木·买合木提' }),
    );
    const [h, p, s] = jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, l: 1 })).toString('base64url')}.${s}`;
    const reshaped = `${h}.${Buffer.from(JSON.stringify({ ...claims, l: 9 })).toString('base64url')}.${s}`;
    const set = StatusList.empty().set(4242, true);
    const at = (statementText: string, when: string, more: object = {}) =>
      verifyOfflineStatement({
        statement: statementText,
        keys,
        now: new Date(when),
        timeZone: 'Asia/Shanghai',
        ...more,
      });
    const verdicts = [
      at(jws, '2027-01-01T00:00:00Z'),
      at(jws, '2027-01-01T00:00:00Z', { status: { revocation: set } }),
      at(jws, '2027-01-01T00:00:00Z', { status: { revocation: StatusList.empty(), suspension: set } }),
      at(jws, '2029-12-01T00:00:00Z'),
      at(jws, '2026-01-01T00:00:00Z'),
      at(forged, '2027-01-01T00:00:00Z'),
      at(reshaped, '2027-01-01T00:00:00Z'),
      at('not.a.jws', '2027-01-01T00:00:00Z'),
      at('nodots', '2027-01-01T00:00:00Z'),
      verifyOfflineStatement({
        statement: jws,
        keys: (await statement(paper)).keys,
        now: new Date('2027-01-01T00:00:00Z'),
        timeZone: 'Asia/Shanghai',
      }),
      at(jws, '2027-01-01T00:00:00Z', { keys: [{ ...keys[0], compromisedAt: '2026-01-01T00:00:00Z' }] }),
      verifyOfflineStatement({
        statement: long.jws,
        keys: long.keys,
        now: new Date('2027-01-01T00:00:00Z'),
        timeZone: 'Asia/Shanghai',
      }),
    ];
    expect(verdicts.map((v) => v.status)).toEqual([
      'valid',
      'revoked',
      'suspended',
      'expired',
      'not-yet-valid',
      'signature-invalid',
      'malformed',
      'malformed',
      'malformed',
      'unknown-issuer',
      'signature-invalid',
      'valid',
    ]);
    for (const verdict of verdicts) {
      expect(verdict.reasonsZh).toHaveLength(verdict.reasons.length);
      for (const zh of verdict.reasonsZh) expect(zh).toMatch(/\p{Script=Han}/u);
    }
    expect(verdicts[11]?.reasonsZh[1]).toBe('持证人姓名为适应二维码容量而缩略；公开核验页显示全名');
    expect(verdicts[1]?.reasonsZh.at(-1)).toBe('颁发机构已撤销此证书（撤销状态列表中索引 4242 的位已置位）');
    expect(verdicts[3]?.reasonsZh.at(-1)).toBe('此证书已于 2029-11-30 过期');
  });
});
