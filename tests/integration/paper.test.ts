// Issue 13 end to end on the local cloud: the holder downloads the PDF (made by the paper function, kept in
// the local S3 and read back with the real S3 client), pdftotext finds every field and the masked ID,
// pdftoppm renders it, jsQR decodes both codes from the rendering; the main code's URL opens in Chromium
// and shows the live status; the offline code verifies offline against the published keys and status
// list; after a revocation the PDF still prints (same bytes) but the page and the offline verifier with
// the new snapshot say revoked. Lookups by number need the name and spend a per-client budget. No page or
// PDF carries a full ID number.
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readStatusListCredential,
  type VerificationKey,
  verifyOfflineStatement,
} from '../../functions/domain/index.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { synthesizeRegion } from '../../local/synth.js';
import { RegionClient, regionOf, setUpExam, sitAndMark } from '../../scripts/story.js';
import { searchNationalIds } from '../fixtures/id-search.js';
import { certificateDocuments, download as downloadFrom } from '../support/documents.js';
import { decodeQrCodes, pdfText, renderPng } from '../support/paper-tools.js';
import { TEST_STACK_OPTIONS } from '../support/regions.js';

const PUBLIC_URL = 'https://neijiang.skillcert.example';
const ID_SPAN = ['511002', new Date('1990-01-01T00:00:00Z'), 120] as const;

let cloud: LocalCloud;
let nj: RegionClient;
let certificate: { number: string; jws: string };
let browser: Browser;
let pdf: Uint8Array;
let pageUrl: string;
let offline: string;

/** A download from Neijiang's API, as `who` (signed in) or as anyone. */
async function download(path: string, who?: string) {
  return downloadFrom(nj.region.api, path, who ? await nj.signIn(who) : undefined);
}

/** The public domain's URL as the local cloud serves it. */
const local = (url: string) => url.replace(PUBLIC_URL, nj.region.api);

async function keys(): Promise<VerificationKey[]> {
  return (await nj.call(undefined, 'GET', '/.well-known/jwks.json')).keys as VerificationKey[];
}

async function statusSnapshot() {
  const jws = (
    await fetch(`${nj.region.api}/status/neijiang/certificates-1/revocation`).then((r) => r.text())
  ).trim();
  return readStatusListCredential(jws, await keys(), new Date());
}

beforeAll(async () => {
  const stack = synthesizeRegion({ region: 'neijiang', ...TEST_STACK_OPTIONS });
  cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    schedules: 'off',
  });
  nj = new RegionClient(regionOf('neijiang', cloud));
  await nj.signIn('liumin');
  certificate = await sitAndMark(nj, await setUpExam(nj));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
});

describe('the holder’s certificate files', () => {
  it('downloads a one-page A4 PDF with every field, the masked ID and two QR codes that decode', async () => {
    const reply = await download(`/me/certificates/${certificate.number}/certificate.pdf`, 'zhangwei');
    expect(reply.status).toBe(200);
    expect(reply.type).toBe('application/pdf');
    pdf = reply.bytes;
    const text = pdfText(pdf);
    for (const field of [
      '职业技能等级证书',
      '张伟',
      '5****************X',
      '车工',
      '四级/中级工',
      certificate.number,
      '工种/职业方向',
      '--',
      'jndj.osta.org.cn',
      'pjjg.osta.org.cn',
      '内江人力资源和社会保障局',
    ])
      expect(text, field).toContain(field);
    const codes = decodeQrCodes(renderPng(pdf, 'certificate-integration', 150));
    pageUrl = codes.find((c) => c.startsWith(`${PUBLIC_URL}/c/`)) as string;
    expect(pageUrl).toMatch(/\/c\/[A-Za-z0-9_-]{22}$/);
    offline = codes.find((c) => c !== pageUrl) as string;
    expect(offline.length).toBeLessThanOrEqual(400);
    const verdict = verifyOfflineStatement({
      statement: offline,
      keys: await keys(),
      now: new Date(),
      timeZone: 'Asia/Shanghai',
      status: { revocation: (await statusSnapshot()).list },
    });
    expect(verdict.status).toBe('valid');
    expect(verdict.claims?.n).toBe(certificate.number);
  });

  it('keeps the PDF in the bucket and serves the same bytes again', async () => {
    const again = await download(`/me/certificates/${certificate.number}/certificate.pdf`, 'zhangwei');
    expect(Buffer.compare(Buffer.from(again.bytes), Buffer.from(pdf))).toBe(0);
    const documents = certificateDocuments(cloud);
    const kept = await documents.pdf(certificate.number);
    expect(Buffer.compare(Buffer.from(kept), Buffer.from(pdf))).toBe(0);
    // S3 refuses an unsigned request, as it does for a private bucket.
    expect((await fetch(documents.url(certificate.number))).status).toBe(403);
  });

  it('gives the JWS, the signed JSON and the share link to the holder only', async () => {
    const jwt = await download(`/me/certificates/${certificate.number}/credential.jwt`, 'zhangwei');
    expect(new TextDecoder().decode(jwt.bytes)).toBe(certificate.jws);
    const json = JSON.parse(
      new TextDecoder().decode(
        (await download(`/me/certificates/${certificate.number}/credential.json`, 'zhangwei')).bytes,
      ),
    );
    expect(json.certificateNumber).toBe(certificate.number);
    expect(json.proof).toBeDefined();
    const share = await nj.call('zhangwei', 'POST', `/me/certificates/${certificate.number}/share`);
    expect(share.url).toBe(pageUrl);
    // Someone else's certificate is as absent as one that does not exist; the public needs a sign-in.
    for (const who of ['liumin', 'liqiang'])
      expect(
        (await nj.request(who, 'GET', `/me/certificates/${certificate.number}/credential.jwt`)).status,
      ).toBeGreaterThanOrEqual(403);
    expect((await download(`/me/certificates/${certificate.number}/certificate.pdf`)).status).toBe(401);
  });
});

describe('the public page', () => {
  it('opens from the main QR code in Chromium with the live status, in Chinese and English, without any ID number', async () => {
    const page = await browser.newPage();
    const response = await page.goto(local(pageUrl));
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'; style-src 'nonce-/);
    expect(await page.getAttribute('[data-status]', 'data-status')).toBe('valid');
    const zh = await page.textContent('body');
    expect(zh).toContain('有效');
    expect(zh).toContain('张伟');
    expect(zh).toContain('四级/中级工');
    await page.click('text=English');
    const en = await page.textContent('body');
    expect(en).toContain('Valid');
    expect(en).toContain('Level 4 / Intermediate worker');
    const html = await page.content();
    expect(html).not.toContain('*');
    expect(searchNationalIds([zh, en, html], ...ID_SPAN)).toEqual([]);
    await page.screenshot({ path: '.skillcert/screenshots/public-page.png', fullPage: true });
    await page.close();
    expect((await fetch(`${nj.region.api}/c/AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
  });

  it('verifies an uploaded PDF and a number with the right name; a wrong name is not found', async () => {
    const page = await browser.newPage();
    await page.goto(`${nj.region.api}/verify?lang=en`);
    await page.setInputFiles('#pdf', {
      name: 'certificate.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from(pdf),
    });
    await page.click('form:first-of-type button');
    expect(await page.getAttribute('[data-status]', 'data-status')).toBe('valid');
    await page.goto(`${nj.region.api}/verify`);
    await page.fill('#number', certificate.number);
    await page.fill('#name', '张 伟');
    await page.click('form:nth-of-type(2) button');
    expect(await page.getAttribute('[data-status]', 'data-status')).toBe('valid');
    await page.goto(`${nj.region.api}/verify`);
    await page.fill('#number', certificate.number);
    await page.fill('#name', '李四');
    await page.click('form:nth-of-type(2) button');
    expect(await page.getAttribute('[data-status]', 'data-status')).toBe('not-found');
    expect(await page.textContent('body')).not.toContain('张伟');
    await page.close();
  });

  it('refuses bad input with a clear 4xx that names the field, and changes nothing', async () => {
    const post = (body: string | FormData, headers: Record<string, string> = {}) =>
      fetch(`${nj.region.api}/verify?lang=en`, { method: 'POST', body, headers });
    const json = await post('{"credential":"x"}', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { message: string }).message).toMatch(/^content-type:/);
    const pasted = new FormData();
    pasted.set('credential', '{not json');
    const bad = await post(pasted);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('credential: not valid JSON');
    const empty = await post(new FormData());
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Paste a certificate, upload a PDF, or enter a number and a name.');
    const notPdf = new FormData();
    notPdf.set('pdf', new Blob(['%PDF-1.7 this is not a PDF'], { type: 'application/pdf' }), 'x.pdf');
    const refused = await post(notPdf);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('That file is not a PDF carrying a certificate.');
    const number = new FormData();
    number.set('number', 'nj 2026');
    number.set('name', '张伟');
    expect(((await (await post(number)).json()) as { message: string }).message).toMatch(/^number:/);
    expect(
      (await nj.request('zhangwei', 'GET', '/me/certificates/NJ-2026-4-999999-0/certificate.pdf')).status,
    ).toBe(404);
  });

  it('lists the verifications for the holder, by region only', async () => {
    const activity = await nj.call('zhangwei', 'GET', `/me/certificates/${certificate.number}/activity`);
    const items = activity.items as { at: string; kind: string; region: string }[];
    // Two page views (Chinese, then English) and one lookup by number and name.
    expect(items.length).toBe(3);
    expect(items.every((i) => i.kind === 'verification' && i.region === 'neijiang')).toBe(true);
    expect(Object.keys(items[0] as object).sort()).toEqual(['at', 'kind', 'region', 'regionName']);
    expect(items[0]).toMatchObject({ regionName: { zh: '内江', en: 'Neijiang' } });
  });
});

describe('after a revocation', () => {
  it('the PDF still prints the same bytes, the page and the offline verifier with the new snapshot say revoked', async () => {
    await nj.call('liumin', 'POST', `/admin/certificates/${certificate.number}/status`, {
      action: 'revoke',
      reason: 'Certificate obtained with borrowed practical evidence',
    });
    const again = await download(`/c/${pageUrl.split('/c/')[1]}/certificate.pdf`);
    expect(again.status).toBe(200);
    expect(Buffer.compare(Buffer.from(again.bytes), Buffer.from(pdf))).toBe(0);
    const page = await browser.newPage();
    await page.goto(`${local(pageUrl)}?lang=en`);
    expect(await page.getAttribute('[data-status]', 'data-status')).toBe('revoked');
    expect(await page.textContent('[data-status]')).toContain('borrowed practical evidence');
    await page.close();
    const verdict = verifyOfflineStatement({
      statement: offline,
      keys: await keys(),
      now: new Date(),
      timeZone: 'Asia/Shanghai',
      status: { revocation: (await statusSnapshot()).list },
    });
    expect(verdict.status).toBe('revoked');
  });
});

describe('lookups by number', () => {
  it('are refused once a client has spent its budget (held in the table, across containers)', async () => {
    const form = () => {
      const body = new FormData();
      body.set('number', certificate.number);
      body.set('name', '王五');
      return body;
    };
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) {
      statuses.push((await fetch(`${nj.region.api}/verify`, { method: 'POST', body: form() })).status);
      // Under the route's own throttle (5 a second): what refuses is the per-client budget.
      await new Promise((r) => setTimeout(r, 250));
    }
    // Three lookups were spent above (two in the browser, none for the PDF upload).
    expect(statuses.filter((s) => s === 404).length).toBe(18);
    expect(statuses.slice(18).every((s) => s === 429)).toBe(true);
    const refused = await fetch(`${nj.region.api}/verify?lang=en`, { method: 'POST', body: form() });
    expect(refused.headers.get('retry-after')).toBe('3600');
    expect(await refused.text()).toContain('At most 20 lookups by number an hour');
  });
});

describe('the public PDF', () => {
  it('is only what the holder’s side made: a lost object is a bilingual 404 (the page still verifies), and sharing makes it again', async () => {
    const token = pageUrl.split('/c/')[1] as string;
    const documents = certificateDocuments(cloud);
    await documents.remove(certificate.number);
    const lost = await fetch(`${nj.region.api}/c/${token}/certificate.pdf`);
    expect(lost.status).toBe(404);
    const text = await lost.text();
    expect(text).toContain('No PDF is kept for this certificate page');
    expect(text).toContain('此证书页面没有存档的 PDF');
    // The public function never renders: the object is still absent after the request.
    await expect(documents.pdf(certificate.number)).rejects.toMatchObject({ name: 'NoSuchKey' });
    expect((await fetch(local(pageUrl))).status).toBe(200);
    // An unknown token is a 404 too, naming no certificate.
    expect((await fetch(`${nj.region.api}/c/${'A'.repeat(22)}/certificate.pdf`)).status).toBe(404);
    // The holder's share link makes the PDF before it answers, so the link always has one behind it.
    const share = await nj.call('zhangwei', 'POST', `/me/certificates/${certificate.number}/share`);
    expect(share.url).toBe(pageUrl);
    const again = await download(`/c/${token}/certificate.pdf`);
    expect(again.status).toBe(200);
    expect(again.type).toBe('application/pdf');
    expect(Buffer.from(again.bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    // From then on, the same bytes to everyone.
    const holders = await download(`/me/certificates/${certificate.number}/certificate.pdf`, 'zhangwei');
    expect(Buffer.compare(Buffer.from(holders.bytes), Buffer.from(again.bytes))).toBe(0);
  });
});
