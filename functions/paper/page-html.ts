// The public verification pages as server-rendered HTML: phone-first, no script at all (the CSP allows
// none), one small stylesheet allowed by a per-response nonce, zh-CN by default with an English switch.
// Every string a person reads is in the catalog below in both languages. Never an ID number.
import { randomBytes } from 'node:crypto';
import {
  chineseDate,
  LEVEL_ON_PAPER,
  NATIONAL_LOOKUP,
  type PaperCertificate,
  paperDate,
} from '../domain/index.js';
import type { Verification } from '../partners/verification.js';

export type Lang = 'zh-CN' | 'en';

export function langOf(query: Record<string, string | undefined> | undefined): Lang {
  return query?.lang === 'en' ? 'en' : 'zh-CN';
}

const ZH = {
  title: '职业技能等级证书查验',
  switchTo: 'English',
  status: '证书状态',
  valid: '有效',
  revoked: '已撤销',
  suspended: '已暂停',
  expired: '已过期',
  'not-yet-valid': '尚未生效',
  invalid: '无法验证',
  'not-found': '未找到',
  since: '自',
  reason: '原因',
  holder: '持证人',
  occupation: '职业（工种）',
  level: '职业技能等级',
  number: '证书编号',
  region: '发证地区',
  organisation: '评价机构',
  issued: '发证日期',
  validUntil: '有效期至',
  noExpiry: '长期',
  recognitions: '伙伴地区互认',
  noRecognitions: '暂无互认记录',
  recognisedBy: '互认地区',
  download: '下载 PDF 证书',
  checkedAt: '查验时间',
  national: '亦可在全国查询网站核验',
  verifyTitle: '核验证书',
  verifyIntro: '粘贴证书的 JWS 或 JSON，上传证书 PDF，或输入证书编号与持证人姓名。',
  paste: '证书（JWS 或 JSON）',
  upload: '证书 PDF 文件',
  byNumber: '按编号查询',
  name: '持证人姓名',
  submit: '核验',
  result: '核验结果',
  notFoundText: '没有找到与该编号和姓名相符的证书。',
  noInput: '请粘贴证书、上传 PDF，或输入编号与姓名。',
  badPdf: '该文件不是带有证书的 PDF。',
  reasons: '说明',
  pageNotFound: '没有这个证书页面。请检查链接或二维码。',
  tooMany: '同一地址每小时最多按编号查询 20 次。请扫描证书上的二维码，或一小时后再试。',
};

/** Every string a person reads, in both languages (the English catalog must have every key). */
const T: Record<Lang, Record<keyof typeof ZH, string>> = {
  'zh-CN': ZH,
  en: {
    title: 'Vocational skill certificate check',
    switchTo: '中文',
    status: 'Status',
    valid: 'Valid',
    revoked: 'Revoked',
    suspended: 'Suspended',
    expired: 'Expired',
    'not-yet-valid': 'Not yet valid',
    invalid: 'Cannot be verified',
    'not-found': 'Not found',
    since: 'since',
    reason: 'reason',
    holder: 'Holder',
    occupation: 'Occupation',
    level: 'Skill level',
    number: 'Certificate number',
    region: 'Issuing region',
    organisation: 'Evaluation organisation',
    issued: 'Date of issue',
    validUntil: 'Valid until',
    noExpiry: 'No expiry',
    recognitions: 'Recognised by partner regions',
    noRecognitions: 'No recognitions recorded yet',
    recognisedBy: 'Recognised by',
    download: 'Download the PDF certificate',
    checkedAt: 'Checked at',
    national: 'Also verifiable at the national lookup sites',
    verifyTitle: 'Verify a certificate',
    verifyIntro:
      "Paste the certificate's JWS or JSON, upload the certificate PDF, or enter the certificate number and the holder's name.",
    paste: 'Certificate (JWS or JSON)',
    upload: 'Certificate PDF',
    byNumber: 'Look up by number',
    name: "Holder's name",
    submit: 'Verify',
    result: 'Result',
    notFoundText: 'No certificate matches that number and name.',
    noInput: 'Paste a certificate, upload a PDF, or enter a number and a name.',
    badPdf: 'That file is not a PDF carrying a certificate.',
    reasons: 'Details',
    pageNotFound: 'There is no such certificate page. Check the link or the QR code.',
    tooMany:
      "At most 20 lookups by number an hour from one address. Scan the certificate's QR code instead, or try again in an hour.",
  },
};

type Words = Record<keyof (typeof T)['zh-CN'], string>;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,"Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f6f4ef;color:#1a1a1a}
main{max-width:40rem;margin:0 auto;padding:1rem}
header{display:flex;justify-content:space-between;align-items:center}
h1{font-size:1.3rem}
.status{border-radius:.5rem;padding:1rem;font-size:1.4rem;font-weight:700;margin:1rem 0}
.valid{background:#dff3e3;color:#0b5d1e}.revoked,.invalid,.not-found{background:#fbe3e1;color:#8a1c12}
.suspended,.expired,.not-yet-valid{background:#fff1cc;color:#6b4a00}
.status small{display:block;font-size:.95rem;font-weight:400;margin-top:.3rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;background:#fff;padding:1rem;border-radius:.5rem}
dt{color:#555}dd{margin:0;font-weight:600}
a{color:#0b4f9c}form{background:#fff;padding:1rem;border-radius:.5rem;margin:1rem 0}
label{display:block;margin:.6rem 0 .2rem}textarea,input{width:100%;box-sizing:border-box;font-size:1rem;padding:.4rem}
button{margin-top:.8rem;font-size:1rem;padding:.5rem 1.2rem}footer{color:#555;font-size:.85rem;margin-top:2rem}`;

export interface HtmlPage {
  html: string;
  nonce: string;
}

/** The page's Content-Security-Policy: no script, styles only with this response's nonce. */
export function contentSecurityPolicy(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
}

function shell(lang: Lang, title: string, switchHref: string, body: string): HtmlPage {
  const nonce = randomBytes(16).toString('base64');
  const w = T[lang];
  const html = `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><meta name="robots" content="noindex"><style nonce="${nonce}">${STYLE}</style></head>
<body><main><header><h1>${escapeHtml(title)}</h1><a href="${escapeHtml(switchHref)}" lang="${lang === 'en' ? 'zh-CN' : 'en'}">${w.switchTo}</a></header>
${body}
<footer>${w.national}: ${NATIONAL_LOOKUP.map((h) => `<span>${h}</span>`).join(' · ')}</footer></main></body></html>`;
  return { html, nonce };
}

function statusWord(w: Words, status: string): string {
  return status in w ? (w[status as keyof Words] as string) : w.invalid;
}

function statusClass(status: string): string {
  return ['valid', 'revoked', 'suspended', 'expired', 'not-yet-valid', 'not-found'].includes(status)
    ? status
    : 'invalid';
}

function statusBlock(lang: Lang, verdict: Verification, timeZone: string): string {
  const w = T[lang];
  const detail = verdict.statusDetail
    ? `<small>${w.since} ${escapeHtml(paperDate(verdict.statusDetail.since, timeZone))} · ${w.reason}: ${escapeHtml(verdict.statusDetail.reason)}</small>`
    : '';
  const expired =
    verdict.status === 'expired' && verdict.certificate?.validUntil
      ? `<small>${w.validUntil} ${escapeHtml(paperDate(verdict.certificate.validUntil, timeZone))}</small>`
      : '';
  return `<section class="status ${statusClass(verdict.status)}" data-status="${escapeHtml(verdict.status)}" role="status">${w.status}: ${statusWord(w, verdict.status)}${detail}${expired}</section>`;
}

function day(lang: Lang, instant: string, timeZone: string): string {
  const d = paperDate(instant, timeZone);
  return lang === 'en' ? d : chineseDate(d);
}

/** The certificate's public page (the main QR code's target). */
export function certificatePage(input: {
  lang: Lang;
  token: string;
  verdict: Verification;
  paper: PaperCertificate;
  recognitions: { at: string; region: string }[];
  checkedAt: Date;
}): HtmlPage {
  const { lang, paper } = input;
  const w = T[lang];
  const zh = lang === 'zh-CN';
  const level = LEVEL_ON_PAPER[paper.level];
  const rows: [string, string][] = [
    [w.holder, paper.holderName],
    [w.occupation, `${zh ? paper.occupation.nameZh : paper.occupation.nameEn} (${paper.occupation.code})`],
    [w.level, zh ? level.zh : level.en],
    [w.number, paper.number],
    [w.region, zh ? paper.region.nameZh : paper.region.nameEn],
    [w.organisation, zh ? paper.organisation.zh : paper.organisation.en],
    [w.issued, day(lang, paper.issuedAt, paper.timeZone)],
    [w.validUntil, paper.validUntil ? day(lang, paper.validUntil, paper.timeZone) : w.noExpiry],
  ];
  const recognitions = input.recognitions.length
    ? `<ul>${input.recognitions.map((r) => `<li>${w.recognisedBy}: ${escapeHtml(r.region)} · ${escapeHtml(day(lang, r.at, paper.timeZone))}</li>`).join('')}</ul>`
    : `<p>${w.noRecognitions}</p>`;
  const other = lang === 'en' ? '' : '?lang=en';
  const body = `${statusBlock(lang, input.verdict, paper.timeZone)}
<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<h2>${w.recognitions}</h2>${recognitions}
<p><a href="/c/${escapeHtml(input.token)}/certificate.pdf">${w.download}</a></p>
<p><small>${w.checkedAt}: ${escapeHtml(input.checkedAt.toISOString())}</small></p>`;
  return shell(lang, w.title, `/c/${input.token}${other}`, body);
}

export function notFoundPage(lang: Lang): HtmlPage {
  const w = T[lang];
  return shell(lang, w.title, lang === 'en' ? '?' : '?lang=en', `<p>${w.pageNotFound}</p>`);
}

/** The /verify page: its form, and the result of what was submitted. */
export function verifyPage(input: {
  lang: Lang;
  result?: { verdict: Verification; timeZone: string } | { problem: 'noInput' | 'badPdf' | 'tooMany' };
}): HtmlPage {
  const { lang } = input;
  const w = T[lang];
  let result = '';
  if (input.result && 'problem' in input.result) {
    result = `<section class="status invalid" data-status="refused" role="status">${w[input.result.problem]}</section>`;
  } else if (input.result) {
    const { verdict, timeZone } = input.result;
    const c = verdict.certificate;
    const facts: [string, string | undefined][] = [
      [w.holder, c?.holderName],
      [w.occupation, c?.achievement],
      [w.number, c?.number],
      [w.region, c?.issuerName],
      [w.issued, c?.validFrom ? day(lang, c.validFrom, timeZone) : undefined],
      [w.validUntil, c?.validUntil ? day(lang, c.validUntil, timeZone) : undefined],
    ];
    const shown = facts.filter((f): f is [string, string] => f[1] !== undefined);
    result = `<h2>${w.result}</h2>${statusBlock(lang, verdict, timeZone)}${
      verdict.status === 'not-found' ? `<p>${w.notFoundText}</p>` : ''
    }${shown.length ? `<dl>${shown.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>` : ''}
<details><summary>${w.reasons}</summary><ul>${(lang === 'en' ? verdict.reasons : verdict.reasonsZh).map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul></details>`;
  }
  const action = `/verify${lang === 'en' ? '?lang=en' : ''}`;
  const body = `<p>${w.verifyIntro}</p>${result}
<form method="post" action="${action}" enctype="multipart/form-data">
<label for="credential">${w.paste}</label><textarea id="credential" name="credential" rows="5"></textarea>
<label for="pdf">${w.upload}</label><input id="pdf" name="pdf" type="file" accept="application/pdf">
<button type="submit">${w.submit}</button></form>
<form method="post" action="${action}" enctype="multipart/form-data"><h2>${w.byNumber}</h2>
<label for="number">${w.number}</label><input id="number" name="number" autocomplete="off">
<label for="name">${w.name}</label><input id="name" name="name" autocomplete="off">
<button type="submit">${w.submit}</button></form>`;
  return shell(lang, w.verifyTitle, lang === 'en' ? '/verify' : '/verify?lang=en', body);
}
