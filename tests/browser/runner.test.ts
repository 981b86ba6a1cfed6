// The exam runner's own guarantees in Chromium, against the local cloud: unsent answers wait in
// IndexedDB (read here straight from the page's database), survive a reload without a connection and
// reach the server when it returns; a queue left in localStorage by an older app moves across; the page
// warns at 30, 15 and 5 minutes left by the server's clock, announced to assistive technology, and
// measures the clock again when the tab becomes visible. Playwright's page clock moves the page's time;
// the server keeps real time, so every figure the page shows is checked against the API's deadline.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { LocalCloud } from '../../local/cloud.js';
import { EXAM_BODY } from '../../scripts/demo-exam.js';
import { type RegionClient, setUpExam } from '../../scripts/story.js';
import { answerCurrent, type BrowserContext, type Page, signIn, startAppUnderTest } from './support.js';

/** This file's own loopback origin (app.test.ts uses 4199). */
const WEB_PORT = 4197;
const APP = `http://127.0.0.1:${WEB_PORT}`;

let under: Awaited<ReturnType<typeof startAppUnderTest>>;
let cloud: LocalCloud;
let api: RegionClient;
let context: BrowserContext;

beforeAll(async () => {
  under = await startAppUnderTest(WEB_PORT);
  ({ cloud, api } = under);
  await setUpExam(api, undefined, { sessionId: 'runner-session', openForHours: 4 });
  context = await under.context();
});

afterAll(async () => {
  await under?.stop();
});

interface StoredItem {
  answer: unknown;
  version: number;
  acked: boolean;
}

/** The runner's IndexedDB record for an attempt, read in the page with the plain IndexedDB API. */
async function storedQueue(page: Page, attemptId: string) {
  // A string, so this file needs no DOM types; the names are the app's (web/src/exam/queue.ts).
  return (await page.evaluate(`new Promise((resolve, reject) => {
    const open = indexedDB.open('skillcert-runner');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('attempts')) return resolve(undefined);
      const get = db.transaction('attempts').objectStore('attempts').get(${JSON.stringify(attemptId)});
      get.onsuccess = () => { db.close(); resolve(get.result); };
      get.onerror = () => reject(get.error);
    };
  })`)) as { items: Record<string, StoredItem>; position: number } | undefined;
}

const serverAnswers = async (attemptId: string) =>
  Object.keys((await api.call('zhangwei', 'GET', `/attempts/${attemptId}`)).answers as object);

describe('the exam runner in Chromium', () => {
  let page: Page;
  let attemptId: string;

  it('answers queued offline are in IndexedDB, survive a reload without the API and reach the server when it returns', async () => {
    page = await context.newPage();
    await signIn(page, APP, 'zhangwei');
    await page.waitForURL(`${APP}/sessions`);
    await page.locator('li.card').first().getByRole('button', { name: '开始考试' }).click();
    await page.waitForURL(/\/attempts\/[0-9a-f-]{36}$/);
    attemptId = page.url().split('/').pop() as string;
    const first = await answerCurrent(page);
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('所有答案已保存');
    await expect.poll(async () => (await storedQueue(page, attemptId))?.items[first]?.acked).toBe(true);

    // The connection goes: the browser is offline and the API unreachable (kept so after the reload,
    // when the app's own files load again but its server does not answer).
    await context.route(`${cloud.endpoints.api}/**`, (route) => route.abort('internetdisconnected'));
    onTestFinished(() => context.unrouteAll({ behavior: 'ignoreErrors' }));
    await context.setOffline(true);
    onTestFinished(() => context.setOffline(false));
    await page.getByRole('button', { name: '下一题' }).click();
    const second = await answerCurrent(page);
    await page.getByRole('button', { name: '下一题' }).click();
    const third = await answerCurrent(page);
    await expect.poll(() => page.getByTestId('offline-banner').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('2 项尚未保存到服务器');

    // Both changes are in IndexedDB, unacknowledged, and nothing is left in localStorage.
    await expect
      .poll(async () => {
        const q = await storedQueue(page, attemptId);
        return [q?.items[second]?.acked, q?.items[third]?.acked, q?.items[third]?.version];
      })
      .toEqual([false, false, 1]);
    expect(
      await page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('skillcert.attempt.'))"),
    ).toEqual([]);
    expect(await serverAnswers(attemptId)).toEqual([first]);

    await context.setOffline(false);
    await page.reload();
    // The page says the server cannot be reached and that it keeps trying, as an alert.
    const retrying = page.getByTestId('me-retrying');
    await expect.poll(() => retrying.textContent()).toContain('无法连接服务器');
    expect(await retrying.getAttribute('role')).toBe('alert');
    const afterReload = await storedQueue(page, attemptId);
    expect(afterReload?.items[second]).toMatchObject({ acked: false, version: 1 });
    expect(afterReload?.items[third]).toMatchObject({ acked: false, version: 1 });
    expect(await serverAnswers(attemptId)).toEqual([first]);

    // The API answers again: the runner loads by itself, sends the queue, and only then says saved.
    await context.unrouteAll({ behavior: 'ignoreErrors' });
    await expect
      .poll(() => page.getByTestId('save-state').textContent(), { timeout: 30_000 })
      .toBe('所有答案已保存');
    expect((await serverAnswers(attemptId)).sort()).toEqual([first, second, third].sort());
    const after = await storedQueue(page, attemptId);
    expect(Object.values(after?.items ?? {}).every((i) => i.acked)).toBe(true);
    // Resumed where the candidate was: the third item.
    expect(await page.locator('#item-h').textContent()).toContain('第 3 题');
  });

  it('a read-only second tab follows what the writing tab answers (IndexedDB has no storage event)', async () => {
    const second = await context.newPage();
    await second.goto(`${APP}/attempts/${attemptId}`);
    await expect.poll(() => second.getByTestId('read-only').isVisible()).toBe(true);
    await expect.poll(() => second.locator('.nav-item.answered').count()).toBe(3);
    await page.getByRole('button', { name: '下一题' }).click();
    const fourth = await answerCurrent(page);
    await expect.poll(() => second.locator('.nav-item.answered').count()).toBe(4);
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('所有答案已保存');
    expect(await serverAnswers(attemptId)).toContain(fourth);
    // The read-only tab wrote nothing of its own: the stored queue is the writer's.
    expect((await storedQueue(second, attemptId))?.items[fourth]?.acked).toBe(true);
    await second.close();
  });

  it('a queue left in localStorage by the previous app moves to IndexedDB and is sent', async () => {
    const paper = EXAM_BODY.items.map((i) => i.id);
    const answered = await serverAnswers(attemptId);
    const fill = EXAM_BODY.items.find((i) => i.kind === 'fill-in' && !answered.includes(i.id));
    if (!fill) throw new Error('the demo paper has no unanswered fill-in item');
    const legacy = {
      items: {
        ...Object.fromEntries(
          answered.map((id) => [id, { answer: null, flagged: false, version: 1, acked: true }]),
        ),
        [fill.id]: { answer: '迁移的答案', flagged: true, version: 1, acked: false },
      },
      position: paper.indexOf(fill.id),
    };
    await page.evaluate(
      `localStorage.setItem(${JSON.stringify(`skillcert.attempt.${attemptId}`)}, ${JSON.stringify(JSON.stringify(legacy))})`,
    );
    await page.reload();
    await expect
      .poll(async () => (await api.call('zhangwei', 'GET', `/attempts/${attemptId}`)).answers as object)
      .toMatchObject({ [fill.id]: '迁移的答案' });
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('所有答案已保存');
    expect(
      await page.evaluate(`localStorage.getItem(${JSON.stringify(`skillcert.attempt.${attemptId}`)})`),
    ).toBeNull();
    const stored = await storedQueue(page, attemptId);
    expect(stored?.items[fill.id]).toMatchObject({ answer: '迁移的答案', flagged: true, acked: true });
    // The acknowledged answers the old queue held as null did not overwrite the server's (acked: the
    // server's version wins on load, and nothing acknowledged is sent again).
    expect((await serverAnswers(attemptId)).sort()).toEqual([...answered, fill.id].sort());
    await page.close();
  });

  it('warns at 30, 15 and 5 minutes left by the server’s clock, announced, and re-measures the clock when the tab is visible again', async () => {
    const view = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    const deadline = Date.parse(view.deadline as string);
    page = await context.newPage();
    // The phone's clock is three hours slow: the page must still count down from the server's time.
    const slow = 3 * 3_600_000;
    await page.clock.install({ time: Date.now() - slow });
    await page.goto(`${APP}/attempts/${attemptId}`);
    const timer = page.locator('.timer strong');
    /** The minutes the timer shows (h:mm:ss or mm:ss). */
    const minutesLeft = async () => {
      const parts = ((await timer.textContent()) ?? '').split(':').map(Number);
      return parts.length === 3 ? (parts[0] as number) * 60 + (parts[1] as number) : (parts[0] as number);
    };
    const realMinutesLeft = () => Math.floor((deadline - Date.now()) / 60_000);
    await expect.poll(() => timer.textContent()).toMatch(/^1:\d\d:\d\d$/);
    expect(Math.abs((await minutesLeft()) - realMinutesLeft())).toBeLessThanOrEqual(1);
    await expect
      .poll(() => page.getByText('您设备的时钟与服务器相差较大', { exact: false }).isVisible())
      .toBe(true);
    expect(await page.getByTestId('time-warning').count()).toBe(0);

    const warning = page.getByTestId('time-warning');
    // Each step moves the page's clock to a little under the threshold (by the page's own reckoning).
    for (const [minutes, text] of [
      [30, '还剩 30 分钟。'],
      [15, '还剩 15 分钟。'],
      [5, '还剩 5 分钟。'],
    ] as const) {
      const pageNow = (await page.evaluate('Date.now()')) as number;
      const shownLeft = deadline - (pageNow + slow);
      await page.clock.fastForward(Math.round(shownLeft - minutes * 60_000 + 10_000));
      await expect.poll(() => warning.textContent()).toBe(text);
      expect(await minutesLeft()).toBe(minutes - 1);
      // Announced: inside an assertive live region (or an alert) that was on the page before it.
      expect(
        await warning.evaluate(
          (el) =>
            el.closest('[aria-live="assertive"], [role="alert"]') !== null &&
            el.closest('[aria-live="assertive"]')?.getAttribute('aria-live'),
        ),
      ).toBe('assertive');
    }
    expect(await page.locator('.timer').getAttribute('class')).toContain('urgent');

    // The tab is hidden (phone locked), and the phone's clock moves on further than the server's did.
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'))`);
    await page.clock.setSystemTime(((await page.evaluate('Date.now()')) as number) + 60_000);
    const measured = page.waitForRequest(
      (r) => r.method() === 'GET' && r.url().endsWith(`/attempts/${attemptId}`),
    );
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'))`);
    await measured;
    // Time left is the server's again: about an hour and a half less what has really passed.
    await expect.poll(() => timer.textContent()).toMatch(/^1:\d\d:\d\d$/);
    expect(Math.abs((await minutesLeft()) - realMinutesLeft())).toBeLessThanOrEqual(1);
    expect(await page.getByTestId('time-warning').count()).toBe(0);
    expect(await page.locator('.timer').getAttribute('class')).not.toContain('urgent');
  });

  it('says in Chinese why a candidate may not sit a higher level, from the API’s own bilingual reason', async () => {
    await api.call('liumin', 'PUT', '/admin/exams/runner-level4', {
      ...EXAM_BODY,
      level: 4,
      title: { zh: '车工 四级', en: 'Lathe operator, level 4' },
      yearsOfWorkInstead: 40,
    });
    await api.call('liumin', 'PUT', '/admin/sessions/runner-level4-session', {
      examId: 'runner-level4',
      opensAt: new Date(Date.now() - 3_600_000).toISOString(),
      closesAt: new Date(Date.now() + 3_600_000).toISOString(),
      seatLimit: 5,
      location: '内江职业技术学院 实训楼 D101',
    });
    const sessions = await context.newPage();
    await sessions.goto(`${APP}/sessions`);
    const card = sessions.locator('li.card', { hasText: '实训楼 D101' });
    await expect.poll(() => card.locator('p.muted').textContent()).toContain('报考四级须持有');
    expect(await card.locator('p.muted').textContent()).toContain('或在该职业工作满 40 年');
    expect(await card.getByRole('button', { name: '开始考试' }).count()).toBe(0);
    await sessions.close();
  });
});
