// The verification page shows a verdict's reasons in the reader's language: reasonsZh on the zh-CN page,
// reasons on the English one, each escaped.
import { describe, expect, it } from 'vitest';
import { verdictOf } from '../../../functions/domain/index.js';
import { verifyPage } from '../../../functions/paper/page-html.js';
import type { Verification } from '../../../functions/partners/verification.js';

const verdict: Verification = verdictOf(
  {
    status: 'revoked',
    certificate: { number: 'NJ-2026-4-000001-X', holderName: '张伟', validFrom: '2026-11-24T10:00:00Z' },
    issuerRegion: 'NJ',
    statusDetail: { since: '2027-02-01T08:00:00Z', reason: 'Exam misconduct' },
  },
  [
    { en: 'The issuer has revoked this certificate', zh: '颁发机构已撤销此证书' },
    { en: 'Revoked on 2027-02-01T08:00:00Z: <b>x</b>', zh: '2027-02-01T08:00:00Z 撤销，原因：<b>x</b>' },
  ],
);

/** The items under 说明 / Details. */
function reasonsShown(html: string): string[] {
  const details = /<details><summary>[^<]*<\/summary><ul>(.*?)<\/ul><\/details>/s.exec(html)?.[1];
  if (details === undefined) throw new Error('no reasons on the page');
  return [...details.matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1] as string);
}

describe('the verification page’s reasons', () => {
  it('are in Chinese on the zh-CN page', () => {
    const { html } = verifyPage({ lang: 'zh-CN', result: { verdict, timeZone: 'Asia/Shanghai' } });
    expect(html).toContain('<summary>说明</summary>');
    expect(reasonsShown(html)).toEqual([
      '颁发机构已撤销此证书',
      '2027-02-01T08:00:00Z 撤销，原因：&#60;b&#62;x&#60;/b&#62;',
    ]);
    expect(html).not.toContain('The issuer has revoked this certificate');
  });

  it('are in English on the English page', () => {
    const { html } = verifyPage({ lang: 'en', result: { verdict, timeZone: 'Asia/Shanghai' } });
    expect(html).toContain('<summary>Details</summary>');
    expect(reasonsShown(html)).toEqual([
      'The issuer has revoked this certificate',
      'Revoked on 2027-02-01T08:00:00Z: &#60;b&#62;x&#60;/b&#62;',
    ]);
    expect(html).not.toContain('颁发机构已撤销此证书');
  });
});
