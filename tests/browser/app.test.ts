// The web app in a real browser (Debian's Chromium through playwright-core) against the local cloud
// derived from the template: a candidate signs in, sits and submits the exam in zh-CN through a network
// cut and a reload, a second tab goes read-only, two assessors mark from the console, the certificate is
// issued and downloaded; an admin creates an exam and a session; the same app in English. Every main page
// is checked with axe-core, at phone width, and photographed at phone and desktop size.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { REGIONS } from '../../lib/regions.js';
import type { LocalCloud } from '../../local/cloud.js';
import { DEV_USERS } from '../../local/dev-identities.js';
import { EXAM_BODY, EXAM_ID } from '../../scripts/demo-exam.js';
import { type RegionClient, setUpExam } from '../../scripts/story.js';
import { eventually } from '../support/eventually.js';
import {
  answerCurrent,
  checkPage,
  demoItem,
  expectAccessible,
  type Page,
  signIn,
  startAppUnderTest,
} from './support.js';

const run = promisify(execFile);

/** A fixed loopback origin for the app under test (away from every region's npm start ports). */
const WEB_PORT = 4199;
const APP = `http://127.0.0.1:${WEB_PORT}`;

let under: Awaited<ReturnType<typeof startAppUnderTest>>;
let cloud: LocalCloud;
let api: RegionClient;
let sessionId: string;
const context = (viewport?: { width: number; height: number }) => under.context(viewport);

beforeAll(async () => {
  // The default marking timeout (three days): the integration tests' four seconds would move a review
  // to another assessor while the page is open.
  under = await startAppUnderTest(WEB_PORT);
  ({ cloud, api } = under);
  sessionId = await setUpExam(api, undefined, { sessionId: 'browser-session', openForHours: 4 });
});

afterAll(async () => {
  await under?.stop();
});

/** In the page: the last refresh-token rotation the app recorded in IndexedDB, or null. */
const LAST_ROTATION = `new Promise((resolve, reject) => {
  const open = indexedDB.open('skillcert-auth', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('rotations');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const get = open.result.transaction('rotations').objectStore('rotations').get('last');
    get.onsuccess = () => { open.result.close(); resolve(get.result ?? null); };
  };
})`;

/** A session of an exam for five seats in a named room, open from `opened` hours ago for `closes` more. */
async function openSession(
  sessionId: string,
  examId: string,
  room: string,
  hours = { opened: 1, closes: 4 },
) {
  await api.call('liumin', 'PUT', `/admin/sessions/${sessionId}`, {
    examId,
    opensAt: new Date(Date.now() - hours.opened * 3_600_000).toISOString(),
    closesAt: new Date(Date.now() + hours.closes * 3_600_000).toISOString(),
    seatLimit: 5,
    location: `内江职业技术学院 实训楼 ${room}`,
  });
}

describe('the web app in Chromium', () => {
  let candidate: Page;
  let attemptId: string;

  it('opens in zh-CN with a sign-in button, under the template’s security headers', async () => {
    const page = await (await context()).newPage();
    const response = await page.goto(APP);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['content-security-policy']).toContain(`connect-src 'self' ${cloud.endpoints.api}`);
    expect(headers['x-frame-options']).toBe('DENY');
    await expect.poll(() => page.locator('h1').textContent()).toBe('欢迎');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await checkPage(page, 'welcome');
  });

  it('a candidate signs in, starts the session and sees the paper with the server clock', async () => {
    candidate = await (await context()).newPage();
    await signIn(candidate, APP, 'zhangwei');
    await candidate.waitForURL(`${APP}/sessions`);
    await expect.poll(() => candidate.locator('h1').textContent()).toBe('可报考的考试');
    await expect.poll(() => candidate.getByText('内江职业技术学院 实训楼 A204').count()).toBeGreaterThan(0);
    await checkPage(candidate, 'sessions');
    const card = candidate.locator('li.card', { hasText: '内江职业技术学院' }).first();
    await card.getByRole('button', { name: '开始考试' }).click();
    await candidate.waitForURL(/\/attempts\/[0-9a-f-]{36}$/);
    attemptId = candidate.url().split('/').pop() as string;
    await expect
      .poll(() => candidate.locator('.timer strong').textContent())
      .toMatch(/^1:29:\d\d$|^1:30:00$/);
    await expect.poll(() => candidate.locator('.navigator .nav-item').count()).toBe(12); // 10 items, practical, review
    await checkPage(candidate, 'exam-runner');
  });

  it('answers are saved per item and shown as saved only after the server acknowledged them', async () => {
    await answerCurrent(candidate);
    await expect.poll(() => candidate.getByTestId('save-state').textContent()).toBe('所有答案已保存');
    const saved = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    expect(Object.keys(saved.answers as object)).toHaveLength(1);
    await candidate.getByRole('button', { name: '下一题' }).click();
    await answerCurrent(candidate);
    await expect.poll(() => candidate.getByTestId('save-state').textContent()).toBe('所有答案已保存');
  });

  it('with the network cut, answers wait in the queue behind a banner and reach the server when it returns', async () => {
    await candidate.context().setOffline(true);
    onTestFinished(() => candidate.context().setOffline(false));
    await candidate.getByRole('button', { name: '下一题' }).click();
    const third = await answerCurrent(candidate);
    await candidate.getByRole('button', { name: '下一题' }).click();
    const fourth = await answerCurrent(candidate);
    await expect.poll(() => candidate.getByTestId('offline-banner').isVisible()).toBe(true);
    expect(await candidate.getByTestId('save-state').textContent()).toMatch(/^\d+ 项尚未保存到服务器$/);
    const during = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    expect(Object.keys(during.answers as object)).not.toContain(third);
    await candidate.context().setOffline(false);
    await expect
      .poll(() => candidate.getByTestId('save-state').textContent(), { timeout: 40_000 })
      .toBe('所有答案已保存');
    await expect.poll(() => candidate.getByTestId('offline-banner').count()).toBe(0);
    const after = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    expect(Object.keys(after.answers as object)).toEqual(expect.arrayContaining([third, fourth]));
    expect(Object.keys(after.answers as object)).toHaveLength(4);
  });

  it('a reload in the middle resumes the same attempt at the same item with every answer', async () => {
    const before = await candidate.locator('#item-h').textContent();
    await candidate.reload();
    await expect.poll(() => candidate.locator('#item-h').textContent()).toBe(before);
    await expect.poll(() => candidate.locator('.nav-item.answered').count()).toBe(4);
  });

  it('a second tab on the same attempt is read-only', async () => {
    const second = await candidate.context().newPage();
    await second.goto(`${APP}/attempts/${attemptId}`);
    await expect.poll(() => second.getByTestId('read-only').isVisible()).toBe(true);
    expect(await second.locator('.item input').first().isDisabled()).toBe(true);
    await expectAccessible(second, 'read-only second tab');
    await second.close();
  });

  it('the candidate finishes by keyboard, reviews, enters practical evidence and submits', async () => {
    for (let i = 0; i < 6; i++) {
      await candidate.getByRole('button', { name: '下一题' }).focus();
      await candidate.keyboard.press('Enter');
      await answerCurrent(candidate);
    }
    await candidate.getByRole('button', { name: '实操作品' }).last().click();
    await candidate.fill(
      '#evidence',
      '外圆 Ø40h7 实测 39.985，长度 120.04，Ra 1.6 达标；先粗车后精车，硬质合金 YT15。',
    );
    await candidate.locator('section.card').getByRole('button', { name: '检查并交卷' }).click();
    await expect.poll(() => candidate.locator('table.review tbody tr').count()).toBe(10);
    await checkPage(candidate, 'exam-review');
    await candidate.locator('section.card').getByRole('button', { name: '交卷' }).click();
    await expect.poll(() => candidate.getByText('所有题目均已作答。').isVisible()).toBe(true);
    await candidate.getByRole('button', { name: '确认交卷' }).click();
    await candidate.waitForURL(/\/me\/attempts\?submitted=/);
    const submitted = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    expect(submitted.status).not.toBe('in-progress');
    expect(Object.keys(submitted.answers as object)).toHaveLength(10);
    await checkPage(candidate, 'my-attempts');
  });

  it('two assessors mark the practical work from the console, blind, within the rubric', async () => {
    const marked: string[] = [];
    await eventually(
      async () => {
        for (const username of ['liqiang', 'wangfang', 'chengang', 'zhaolei']) {
          if (marked.includes(username)) continue;
          const queue = await api.call(username, 'GET', '/assessor/reviews').catch(() => ({ reviews: [] }));
          if ((queue.reviews as unknown[]).length > 0) marked.push(username);
        }
        return marked.length >= 2 ? true : undefined;
      },
      'two assessors with a review',
      60_000,
    );
    for (const [n, username] of marked.slice(0, 2).entries()) {
      const page = await (await context()).newPage();
      await signIn(page, APP, username);
      await page.waitForURL(`${APP}/assessor`);
      const open = page.getByRole('link', { name: '开始评阅' }).first();
      await expect
        .poll(async () => ((await open.count()) > 0 ? 'listed' : await page.locator('main').textContent()))
        .toBe('listed');
      expect(await page.content()).not.toContain('张伟');
      if (n === 0) await checkPage(page, 'assessor-queue');
      await open.click();
      await expect.poll(() => page.locator('fieldset.criterion').count()).toBe(4);
      expect(await page.locator('pre.evidence').textContent()).toContain('Ø40h7');
      // The rubric's limit is enforced next to the field.
      const first = page.locator('fieldset.criterion input[type=number]').first();
      await first.fill('41');
      await page.getByRole('button', { name: '提交评分' }).click();
      await expect
        .poll(() => page.locator('.field-error').first().textContent())
        .toBe('得分须在 0 到 40 之间。');
      if (n === 0) await checkPage(page, 'assessor-review');
      const points = [36, 22, 13, 18];
      const inputs = page.locator('fieldset.criterion input[type=number]');
      for (const [i, p] of points.entries()) await inputs.nth(i).fill(String(p));
      await page.getByRole('button', { name: '提交评分' }).click();
      await expect
        .poll(async () =>
          page.url().endsWith('/assessor?done=marked')
            ? 'marked'
            : await page.locator('.alert').allTextContents(),
        )
        .toBe('marked');
      await expect.poll(() => page.getByRole('status').textContent()).toBe('评分已提交。');
    }
  });

  it('the certificate is issued and downloadable from my certificates (JWS and JSON)', async () => {
    await eventually(
      async () => {
        const a = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
        return a.status === 'passed' ? a : undefined;
      },
      'the attempt to pass',
      90_000,
    );
    await candidate.goto(`${APP}/me/certificates`);
    await expect.poll(() => candidate.locator('li.card').count()).toBe(1);
    await checkPage(candidate, 'my-certificates');
    const [jws] = await Promise.all([
      candidate.waitForEvent('download'),
      candidate.getByRole('button', { name: '下载签名凭证（JWS）' }).click(),
    ]);
    const token = await readFile((await jws.path()) as string, 'utf8');
    expect(token.split('.')).toHaveLength(3);
    const [json] = await Promise.all([
      candidate.waitForEvent('download'),
      candidate.getByRole('button', { name: '下载凭证（JSON）' }).click(),
    ]);
    const credential = JSON.parse(await readFile((await json.path()) as string, 'utf8')) as {
      type: string[];
    };
    expect(credential.type).toContain('OpenBadgeCredential');
  });

  it('the holder downloads the PDF, shares a link that opens the public page, and sees that verification in the activity list', async () => {
    await candidate.goto(`${APP}/me/certificates`);
    const card = candidate.locator('li.card').first();
    await expect.poll(() => card.locator('dd.mono').count()).toBe(1);
    const number = ((await card.locator('dd.mono').textContent()) ?? '').trim();
    expect(number).not.toBe('');
    const activity = card.locator('section.activity');
    // Nobody has looked at it yet: the empty state, not a blank or a spinner.
    await expect.poll(() => activity.locator('p.muted').textContent()).toBe('尚无查验或互认记录。');
    expect(await activity.locator('li').count()).toBe(0);

    const [pdf] = await Promise.all([
      candidate.waitForEvent('download'),
      candidate.getByRole('button', { name: '下载证书（PDF）' }).click(),
    ]);
    expect(pdf.suggestedFilename()).toBe(`${number}.pdf`);
    const pdfPath = (await pdf.path()) as string;
    const bytes = await readFile(pdfPath);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // Someone else's reader finds the number as text on the page (poppler's pdftotext).
    const { stdout: text } = await run('pdftotext', ['-layout', pdfPath, '-']);
    expect(text).toContain(number);
    expect(text).toContain('职业技能等级证书');

    await candidate.getByRole('button', { name: '生成查验链接' }).click();
    const link = card.locator('p a[href*="/c/"]');
    await expect.poll(() => link.count()).toBe(1);
    const shareUrl = (await link.getAttribute('href')) as string;
    expect(shareUrl).toMatch(/^https:\/\/[^/]+\/c\/[A-Za-z0-9_-]{16,}$/);
    // The link names the region's public host; on the local cloud the same routes answer on the API's origin.
    const localUrl = shareUrl.replace(/^https:\/\/[^/]+/, api.region.api);
    // A stranger with no account opens it: a fresh browser context, never signed in.
    const stranger = await (await context()).newPage();
    const response = await stranger.goto(localUrl);
    expect(response?.status()).toBe(200);
    expect(await stranger.getAttribute('[data-status]', 'data-status')).toBe('valid');
    expect(await stranger.textContent('[data-status]')).toContain('有效');
    expect(await stranger.textContent('body')).toContain(number);

    await candidate.goto(`${APP}/me/certificates`);
    const verified = candidate.locator('li.card section.activity li[data-kind="verification"]');
    await expect.poll(() => verified.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const entry = (await verified.first().textContent()) ?? '';
    expect(entry).toContain('已查验');
    expect(entry).toContain(REGIONS.neijiang?.nameZh as string);
    // When, as a date and time for the reader's language, with the exact instant kept for machines.
    const at = (await verified.first().locator('time').getAttribute('datetime')) as string;
    expect(Math.abs(Date.now() - Date.parse(at))).toBeLessThan(10 * 60_000);
    expect(await verified.first().locator('time').textContent()).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    expect(await candidate.locator('li.card section.activity p.muted').count()).toBe(0);
    await checkPage(candidate, 'my-certificates-activity');
  });

  it('an admin creates an exam and a session, with the API’s validation error next to its field', async () => {
    const page = await (await context()).newPage();
    await signIn(page, APP, 'liumin');
    await page.waitForURL(`${APP}/admin`);
    await checkPage(page, 'admin-occupations');
    await page.getByRole('link', { name: '考试' }).click();
    await page.fill('input[name="examId"]', 'browser-exam');
    await page.fill('input[name="occupationCode"]', '6-18-01-01');
    await page.fill('input[name="titleZh"]', '车工 五级 浏览器测试');
    await page.fill('input[name="timeLimitMinutes"]', '60');
    await page.locator('form').getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/已保存/);
    expect((await api.call('liumin', 'GET', '/admin/exams?limit=100')).exams).toEqual(
      expect.arrayContaining([expect.objectContaining({ examId: 'browser-exam' })]),
    );
    await checkPage(page, 'admin-exams');
    await page.getByRole('link', { name: '考场' }).click();
    await page.fill('input[name="sessionId"]', 'browser-made-session');
    await page.selectOption('select[name="examId"]', 'browser-exam');
    await page.fill('input[name="opensAt"]', '2026-12-01T08:00');
    await page.fill('input[name="closesAt"]', '2026-12-01T12:00');
    await page.fill('input[name="seatLimit"]', '2.5');
    await page.fill('input[name="location"]', '内江职业技术学院 实训楼 B101');
    await page.locator('form').getByRole('button', { name: '保存' }).click();
    // A refused seat limit shows under the seat field, not only at the top of the form.
    await expect
      .poll(() => page.locator('.field.invalid label').first().textContent(), { timeout: 10_000 })
      .toBe('座位数');
    await page.fill('input[name="seatLimit"]', '30');
    await page.locator('form').getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('已保存。');
    await checkPage(page, 'admin-sessions');
  });

  it('the same app in English: switched on any page and remembered', async () => {
    await candidate.goto(`${APP}/me/attempts`);
    await candidate.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => candidate.locator('h1').textContent()).toBe('My attempts');
    await candidate.reload();
    await expect.poll(() => candidate.locator('h1').textContent()).toBe('My attempts');
    expect(await candidate.getAttribute('html', 'lang')).toBe('en');
    await candidate.goto(`${APP}/me/certificates`);
    await expect
      .poll(() => candidate.getByRole('button', { name: 'Download the signed credential (JWS)' }).count())
      .toBe(1);
    await checkPage(candidate, 'my-certificates-en');
    await candidate.goto(`${APP}/sessions`);
    await expect.poll(() => candidate.locator('h1').textContent()).toBe('Exams open to you');
    await checkPage(candidate, 'sessions-en');
  });

  it('the same journey in English: a candidate switches language, sits and submits an exam, and sees it in my attempts', async () => {
    await api.call('liumin', 'PUT', '/admin/exams/english-exam', {
      ...EXAM_BODY,
      level: 5,
      title: { zh: '车工 五级 英文', en: 'Lathe operator, level 5, in English' },
      rubric: [],
    });
    await openSession('english-session', 'english-exam', 'D401');
    // A fresh browser: the language is chosen on the welcome page, before signing in, and remembered.
    const page = await (await context()).newPage();
    await page.goto(APP);
    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Welcome');
    await signIn(page, APP, 'zhangwei');
    await page.waitForURL(`${APP}/sessions`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Exams open to you');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    const card = page.locator('li.card', { hasText: '实训楼 D401' });
    await card.getByRole('button', { name: 'Start the exam' }).click();
    await page.waitForURL(/\/attempts\/[0-9a-f-]{36}$/);
    const englishId = page.url().split('/').pop() as string;
    await expect.poll(() => page.locator('#item-h').textContent()).toMatch(/^Item 1 of 10\b/);
    const english = { true: 'True', false: 'False' };
    const answered: string[] = [];
    for (let i = 0; i < 10; i++) {
      if (i > 0) await page.getByRole('button', { name: 'Next' }).click();
      answered.push(await answerCurrent(page, english));
    }
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('All answers saved');
    await checkPage(page, 'exam-runner-en');
    await page.locator('section.card').getByRole('button', { name: 'Review and submit' }).click();
    await expect.poll(() => page.locator('table.review tbody tr').count()).toBe(10);
    await page.locator('section.card').getByRole('button', { name: 'Submit', exact: true }).click();
    await expect.poll(() => page.getByText('Every item is answered.').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Submit now' }).click();
    await page.waitForURL(/\/me\/attempts\?submitted=/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('My attempts');
    await expect
      .poll(() => page.getByText('Submitted. The result shows here once it is decided.').isVisible())
      .toBe(true);
    // The attempt is listed under its exam's title (not its id), with its dates and state in English.
    const listed = page.locator('li.card', {
      has: page.getByRole('heading', { name: 'Lathe operator, level 5, in English', exact: true }),
    });
    await expect.poll(() => listed.count()).toBe(1);
    expect(await listed.textContent()).toContain('6-18-01-01');
    expect(await listed.textContent()).not.toContain('english-exam');
    expect(await listed.textContent()).toMatch(/Started .*\d{4}/);
    expect(await listed.textContent()).not.toMatch(/[开始已交卷评分]/);
    const record = await api.call('zhangwei', 'GET', `/attempts/${englishId}`);
    expect(record.status).not.toBe('in-progress');
    expect(Object.keys(record.answers as object).sort()).toEqual(answered.sort());
    expect(answered).toHaveLength(10);
    await checkPage(page, 'my-attempts-en');
  });

  it('a session outlives the access token: the app refreshes it ahead of expiry; signing out ends it everywhere', async () => {
    const page = await (await context()).newPage();
    await signIn(page, APP, 'liuyang');
    await page.waitForURL(`${APP}/sessions`);
    type Stored = { accessToken: string; refreshToken: string; idToken: string; expiresAt: number };
    const stored = async () =>
      JSON.parse((await page.evaluate("localStorage.getItem('skillcert.session')")) as string) as Stored;
    const before = await stored();
    expect(before.refreshToken).toBeTruthy();
    // The page's clock (timers and Date) under test control, from a reload onwards; the server keeps real time.
    await page.clock.install();
    await page.reload();
    await expect.poll(() => page.locator('h1').textContent()).toBe('可报考的考试');
    const refreshed = page.waitForRequest(
      (r) => r.method() === 'POST' && (r.postData() ?? '').includes('grant_type=refresh_token'),
    );
    // To a minute and a half before the access token expires: inside the app's refresh margin.
    await page.clock.fastForward(before.expiresAt - Date.now() - 90_000);
    const request = await refreshed;
    const response = await request.response();
    expect(response?.status()).toBe(200);
    await expect.poll(async () => (await stored()).accessToken).not.toBe(before.accessToken);
    const after = await stored();
    expect(after.expiresAt).toBeGreaterThan(before.expiresAt);
    // Still signed in, and the API takes the new token.
    await page.goto(`${APP}/me/attempts`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('我的考试');

    const last = await stored();
    // Signing out goes through the issuer's end-session endpoint and back to the app's home page; a
    // navigation started before that round trip lands would be aborted by it, so wait for the return.
    const endSession = page.waitForRequest((r) => r.url().includes('post_logout_redirect_uri='));
    await page.getByRole('button', { name: '退出登录' }).click();
    expect(new URL((await endSession).url()).searchParams.get('id_token_hint')).toBe(last.idToken);
    await page.waitForURL(`${APP}/`);
    expect(await page.evaluate("localStorage.getItem('skillcert.session')")).toBeNull();
    // Nor is the last token rotation kept (tabs hand it to each other in IndexedDB).
    expect(await page.evaluate(LAST_ROTATION)).toBeNull();
    // A protected page now asks to sign in again: the issuer's login form, not a silent return.
    // (The app leaves for the issuer before the page finishes loading, so only the navigation's start is awaited.)
    await page.goto(`${APP}/me/attempts`, { waitUntil: 'commit' });
    await page.waitForURL(/\/login\?/);
    expect(await page.locator('#password').isVisible()).toBe(true);
    // And the refresh token the app last held (never presented since) is refused at the token endpoint.
    const form = new URLSearchParams(request.postData() ?? '');
    form.set('refresh_token', last.refreshToken);
    const refused = await fetch(request.url(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('two tabs of the app refresh the session once between them, since refresh tokens rotate', async () => {
    const tabs = await context();
    const grants: string[] = [];
    tabs.on('request', (r) => {
      if (r.method() === 'POST' && (r.postData() ?? '').includes('grant_type=refresh_token'))
        grants.push(r.postData() as string);
    });

    const first = await tabs.newPage();
    await signIn(first, APP, 'liuyang');
    await first.waitForURL(`${APP}/sessions`);
    const second = await tabs.newPage();
    // One clock for the whole context (both tabs' timers and Date), from the next load on.
    await tabs.clock.install();
    await first.reload();
    await second.goto(`${APP}/me/attempts`);
    await expect.poll(() => first.locator('h1').textContent()).toBe('可报考的考试');
    await expect.poll(() => second.locator('h1').textContent()).toBe('我的考试');
    const stored = async () =>
      JSON.parse((await first.evaluate("localStorage.getItem('skillcert.session')")) as string) as {
        accessToken: string;
        expiresAt: number;
      };
    const before = await stored();
    // Into the refresh margin: both tabs' timers fire, one tab refreshes.
    await tabs.clock.fastForward(before.expiresAt - Date.now() - 90_000);
    await expect.poll(async () => (await stored()).accessToken).not.toBe(before.accessToken);
    expect(await first.evaluate(LAST_ROTATION)).toMatchObject({ session: await stored() });
    // Another round of both timers, well outside the margin now: nothing more to do.
    await tabs.clock.runFor(31_000);
    await expect.poll(() => grants.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(grants).toHaveLength(1);
    // The tab that did not refresh works with the tokens the other one got.
    await second.getByRole('link', { name: '报名考试' }).click();
    await expect.poll(() => second.locator('li.card').count()).toBeGreaterThan(0);
  });

  it('time runs out with unsaved work: the server submits what it acknowledged and accepts nothing after', async () => {
    await api.call('liumin', 'PUT', '/admin/exams/timeout-exam', {
      ...EXAM_BODY,
      level: 5,
      title: { zh: '车工 五级 限时', en: 'Lathe operator, level 5, timed' },
      rubric: [],
      graceSeconds: 0,
    });
    await openSession('timeout-session', 'timeout-exam', 'C301', { opened: 3, closes: 1 });
    const page = await (await context()).newPage();
    await signIn(page, APP, 'zhangwei');
    await page.waitForURL(`${APP}/sessions`);
    const card = page.locator('li.card', { hasText: '实训楼 C301' });
    // Started (by the functions' clock) so that it closes 25 seconds from now.
    cloud.clock.pin(new Date(Date.now() - EXAM_BODY.timeLimitMinutes * 60_000 + 25_000));
    try {
      await card.getByRole('button', { name: '开始考试' }).click();
      await page.waitForURL(/\/attempts\/[0-9a-f-]{36}$/);
    } finally {
      cloud.clock.release();
    }
    const timedId = page.url().split('/').pop() as string;
    const first = await answerCurrent(page);
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('所有答案已保存');
    // The 5-minute warning is already due.
    await expect.poll(() => page.getByTestId('time-warning').textContent()).toBe('还剩 5 分钟。');
    await page.context().setOffline(true);
    onTestFinished(() => page.context().setOffline(false));
    await page.getByRole('button', { name: '下一题' }).click();
    await answerCurrent(page);
    await expect.poll(() => page.getByTestId('offline-banner').isVisible()).toBe(true);
    const decided = await eventually(
      async () => {
        const a = await api.call('zhangwei', 'GET', `/attempts/${timedId}`);
        return a.status !== 'in-progress' ? a : undefined;
      },
      'the server to submit at the deadline',
      90_000,
    );
    expect(decided.submittedBy).toBe('deadline');
    expect(Object.keys(decided.answers as object)).toEqual([first]);
    await page.context().setOffline(false);
    // The queued answer is refused (closed), and the page shows the submitted attempt.
    await expect
      .poll(() => page.locator('h2').first().textContent(), { timeout: 40_000 })
      .toMatch(/已交卷|评分中|合格|不合格/);
    const final = await api.call('zhangwei', 'GET', `/attempts/${timedId}`);
    expect(Object.keys(final.answers as object)).toEqual([first]);
  });

  it('an admin suspends, reinstates and revokes a certificate, and public verification says revoked', async () => {
    const listed = (await api.call('zhangwei', 'GET', '/me/certificates')).certificates as {
      number: string;
      jws: string;
    }[];
    const certificate = listed[0] as { number: string; jws: string };
    expect(certificate.number).toBeTruthy();
    const page = await (await context()).newPage();
    await signIn(page, APP, 'liumin');
    await page.waitForURL(`${APP}/admin`);
    await page.getByRole('link', { name: '证书状态' }).click();
    await page.fill('input[name="number"]', certificate.number);
    await page.getByRole('button', { name: '查询' }).click();
    await expect.poll(() => page.locator('select[name="action"]').count()).toBe(1);
    const statusOf = async () =>
      (await api.call('liumin', 'GET', `/admin/certificates/${encodeURIComponent(certificate.number)}`))
        .status;
    const steps: [string, string, string][] = [
      ['suspend', '复核中：考评记录待核实', 'suspended'],
      ['reinstate', '复核完成，记录无误', 'active'],
      ['revoke', '考评员串通，成绩作废', 'revoked'],
    ];
    for (const [action, reason, status] of steps) {
      await page.selectOption('select[name="action"]', action);
      await page.fill('textarea[name="reason"]', reason);
      await page.getByRole('button', { name: '执行' }).click();
      await expect.poll(statusOf, { timeout: 10_000 }).toBe(status);
      await expect.poll(() => page.getByRole('status').textContent()).toBe('证书状态已更新。');
    }
    await checkPage(page, 'admin-certificates');
    const verdict = await fetch(`${api.region.api}/credentials/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verifiableCredential: certificate.jws }),
    });
    expect(await verdict.json()).toMatchObject({ status: 'revoked' });
  });

  it('the admin people page registers a person, with a refused field shown next to it', async () => {
    const page = await (await context()).newPage();
    await signIn(page, APP, 'liumin');
    await page.waitForURL(`${APP}/admin`);
    await page.getByRole('link', { name: '人员' }).click();
    await page.fill('input[name="sub"]', 'browser-person-1');
    await page.fill('input[name="name"]', '周敏');
    await page.fill('input[name="employer"]', '内江机械厂');
    await page.fill('input[name="yearsOfWork"]', '6-18-01-01 六年');
    await page.locator('form').getByRole('button', { name: '保存' }).click();
    await expect
      .poll(() => page.locator('.field.invalid label').first().textContent(), { timeout: 10_000 })
      .toBe('从业年限（职业编码=年数，每行一项）');
    expect(await page.locator('.field.invalid').first().textContent()).toContain('每项写作 职业编码=年数。');
    await checkPage(page, 'admin-people');
    await page.fill('input[name="yearsOfWork"]', '6-18-01-01=6');
    await page.locator('form').getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('已保存。');
    const person = await api.call('liumin', 'GET', '/admin/people/browser-person-1');
    expect(person).toMatchObject({ name: '周敏', yearsOfWork: { '6-18-01-01': 6 } });
  });

  it('an assessor who cannot mark returns the review with a reason, and another assessor is assigned', async () => {
    await openSession('return-session', EXAM_ID, 'E501');
    // The candidate's part through the API (the runner is covered above): every item, the evidence, submit.
    const attempt = await api.call('zhangwei', 'POST', '/sessions/return-session/attempts');
    const returnedId = attempt.attemptId as string;
    for (const { id } of attempt.paper as { id: string }[]) {
      const item = demoItem(id);
      await api.call('zhangwei', 'PUT', `/attempts/${returnedId}/items/${encodeURIComponent(id)}`, {
        answer: 'accepted' in item && item.accepted ? item.accepted[0] : item.answer,
        flagged: false,
        version: 1,
      });
    }
    await api.call('zhangwei', 'PUT', `/attempts/${returnedId}/evidence`, {
      evidence: '轴类零件 Ø40h7×120：实测 39.990 mm；Ra 1.6 达标。',
      version: Number(attempt.evidenceVersion ?? 0) + 1,
    });
    await api.call('zhangwei', 'POST', `/attempts/${returnedId}/submit`, {});
    const pool = ['liqiang', 'wangfang', 'chengang', 'zhaolei'];
    for (const username of pool) await api.signIn(username);
    // A fourth assessor in the pool, so that a replacement without a conflict of interest exists (without
    // one the attempt stops with NoAssessorAvailable for the admin, docs/certification.md).
    const zhaolei = DEV_USERS.find((u) => u.username === 'zhaolei');
    await api.call('liumin', 'PUT', `/admin/people/${(await api.call('zhaolei', 'GET', '/me')).sub}`, {
      name: zhaolei?.name,
      employer: zhaolei?.employer,
      trainingOrg: zhaolei?.trainingOrg,
      roles: ['assessor'],
      senior: true,
      yearsOfWork: {},
    });
    const holders = async () => {
      const found: { username: string; slot: string }[] = [];
      for (const username of pool) {
        const queue = await api.call(username, 'GET', '/assessor/reviews');
        for (const r of queue.reviews as { attemptId: string; slot: string }[])
          if (r.attemptId === returnedId) found.push({ username, slot: r.slot });
      }
      return found;
    };
    const assigned = await eventually(
      async () => ((await holders()).length >= 2 ? await holders() : undefined),
      'two reviews of the new attempt',
      60_000,
    );
    const returning = assigned[0] as { username: string; slot: string };

    const page = await (await context()).newPage();
    await signIn(page, APP, returning.username);
    await page.waitForURL(`${APP}/assessor`);
    await page.locator(`a[href="/assessor/reviews/${returnedId}/${returning.slot}"]`).click();
    await expect.poll(() => page.locator('fieldset.criterion').count()).toBe(4);
    // Too short a reason is refused next to its field, and nothing is sent.
    const reason = page.getByLabel('退回原因');
    await reason.fill('不行');
    await page.getByRole('button', { name: '退回', exact: true }).click();
    await expect
      .poll(() => page.locator('.field-error').first().textContent())
      .toBe('请至少用 5 个字说明原因。');
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect((await holders()).map((h) => h.username)).toContain(returning.username);
    await reason.fill('我与该考生同属一个车间，存在利益冲突。');
    await page.getByRole('button', { name: '退回', exact: true }).click();
    await page.waitForURL(`${APP}/assessor?done=returned`);
    // What happens next, said plainly.
    await expect.poll(() => page.getByRole('status').textContent()).toBe('已退回，系统将另行安排考评员。');
    expect(await page.locator(`a[href="/assessor/reviews/${returnedId}/${returning.slot}"]`).count()).toBe(0);
    // The chain's next review (A → A2) goes to an assessor who held none of this attempt (陈刚 has a conflict).
    const replacement = await eventually(
      async () => (await holders()).find((h) => h.slot === `${returning.slot}2`),
      'the returned review to be reassigned',
      60_000,
    );
    expect(assigned.map((h) => h.username)).not.toContain(replacement.username);
    expect(replacement.username).not.toBe('chengang');
  });

  it('each person sees only what their group may do: the navigation, and a plain refusal of another group’s page', async () => {
    const navOf = async (page: Page) =>
      page.locator('nav.topnav a').evaluateAll((links) => links.map((a) => a.textContent?.trim()));
    const candidate = await (await context()).newPage();
    await signIn(candidate, APP, 'zhangwei');
    await candidate.waitForURL(`${APP}/sessions`);
    expect(await navOf(candidate)).toEqual(['报名考试', '我的考试', '我的证书']);
    for (const path of ['/admin', '/admin/people', '/assessor']) {
      await candidate.goto(`${APP}${path}`);
      await expect.poll(() => candidate.locator('h1').textContent()).toBe('无权访问');
      expect(await candidate.locator('main').textContent()).toContain('此页面不属于您的角色。');
    }
    // The page only hides what the API refuses anyway.
    expect((await api.request('zhangwei', 'GET', '/admin/exams')).status).toBe(403);
    expect((await api.request('zhangwei', 'GET', '/assessor/reviews')).status).toBe(403);

    const assessor = await (await context()).newPage();
    await signIn(assessor, APP, 'liqiang');
    await assessor.waitForURL(`${APP}/assessor`);
    expect(await navOf(assessor)).toEqual(['评分']);
    await assessor.goto(`${APP}/me/certificates`);
    await expect.poll(() => assessor.locator('h1').textContent()).toBe('无权访问');

    const admin = await (await context()).newPage();
    await signIn(admin, APP, 'liumin');
    await admin.waitForURL(`${APP}/admin`);
    expect(await navOf(admin)).toEqual(['管理']);
    await admin.goto(`${APP}/sessions`);
    await expect.poll(() => admin.locator('h1').textContent()).toBe('无权访问');
  });

  it('no page broke the Content-Security-Policy', () => {
    expect(under.cspViolations).toEqual([]);
    expect(sessionId).toBe('browser-session');
    expect(EXAM_ID).toBe('lathe-operator-level-4');
  });
});
