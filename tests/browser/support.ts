// What the browser tests share: Debian's Chromium driven by playwright-core, sign-in through the local
// issuer's real login page, axe-core run inside each page, layout checks at phone size and screenshots.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { DEV_USERS } from '../../local/dev-identities.js';
import { projectRoot } from '../../local/paths.js';
import { synthesizeRegion } from '../../local/synth.js';
import { EXAM_BODY } from '../../scripts/demo-exam.js';
import { RegionClient, regionOf } from '../../scripts/story.js';

export const CHROMIUM = process.env.SKILLCERT_CHROMIUM ?? '/usr/bin/chromium';
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 860 };
export const SCREENSHOTS = join(projectRoot, '.skillcert', 'screenshots');

/** Chromium or a stop that says how to get it: the browser tests never skip. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the browser tests need Debian's chromium. Install it with ` +
        '`apt-get update && apt-get install -y chromium fonts-noto-cjk` (or set SKILLCERT_CHROMIUM to a Chromium binary).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A browser context that records every CSP violation its pages report. */
export async function newContext(browser: Browser, viewport = PHONE) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const cspViolations: string[] = [];
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { context, cspViolations };
}

/** Signs a dev user in through the app's button and the issuer's login page; lands back in the app. */
export async function signIn(page: Page, appUrl: string, username: string) {
  const user = DEV_USERS.find((u) => u.username === username);
  if (!user) throw new Error(`no dev user ${username}`);
  await page.goto(appUrl);
  await page.locator('main button.primary').click();
  await page.waitForURL(/\/login\?/);
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((url) => url.origin === appUrl && !url.pathname.startsWith('/callback'));
}

/** axe-core inside the page (evaluated over the DevTools protocol, so the page's CSP still holds). */
export async function expectAccessible(page: Page, what: string) {
  await page.evaluate(axeSource);
  const result = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (o: unknown) => Promise<unknown> } }).axe;
    return axe.run({ resultTypes: ['violations'] });
  })) as { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `axe-core on ${what}`).toEqual([]);
}

/** At phone width: nothing wider than the screen, and every control at least 44 px tall and wide. */
export async function expectPhoneLayout(page: Page, what: string) {
  // Runs in the page; a string, so this file needs no DOM types.
  const problems = (await page.evaluate(`(() => {
    const found = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) found.push('page scrolls sideways: ' + doc.scrollWidth + 'px');
    const controls = document.querySelectorAll(
      'button, a.button, nav a, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea, label.choice, label.check',
    );
    for (const el of controls) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue; // not shown
      if (box.height < 44 || box.width < 44)
        found.push(el.tagName.toLowerCase() + ' "' + (el.textContent || '').trim().slice(0, 20) + '" is ' + Math.round(box.width) + 'x' + Math.round(box.height));
    }
    return found;
  })()`)) as string[];
  expect(problems, `phone layout of ${what}`).toEqual([]);
}

/** Screenshots at phone and desktop size, under .skillcert/screenshots/. */
export async function screenshots(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize() ?? PHONE;
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(before);
}

/** Every check a main page gets: accessible, fits a phone, screenshots at both sizes. */
export async function checkPage(page: Page, name: string) {
  await page.setViewportSize(PHONE);
  await expectAccessible(page, name);
  await expectPhoneLayout(page, name);
  await screenshots(page, name);
}

export type { BrowserContext, Page };

/**
 * What each browser test file starts with: Chromium, and a local cloud of Neijiang (in memory, schedules
 * off) serving the app on its own loopback port, so that the files' clouds never share an origin.
 */
export async function startAppUnderTest(webPort: number) {
  const app = `http://127.0.0.1:${webPort}`;
  const browser = await launchChromium();
  const stack = synthesizeRegion({ webOrigin: app });
  const cloud: LocalCloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    schedules: 'off',
    ports: { web: webPort },
  });
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];
  return {
    app,
    browser,
    cloud,
    api: new RegionClient(regionOf('neijiang', cloud)),
    /** Every CSP violation any of the contexts below reported. */
    cspViolations,
    /** A fresh context (phone size unless told), closed by stop(). */
    async context(viewport?: { width: number; height: number }) {
      const made = await newContext(browser, viewport);
      contexts.push(made.context);
      made.context.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
      return made.context;
    },
    async stop() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await cloud.stop();
    },
  };
}

/** The demo bank's item, with its right answer. */
export function demoItem(itemId: string) {
  const item = EXAM_BODY.items.find((i) => i.id === itemId);
  if (!item) throw new Error(`no item ${itemId}`);
  return item;
}

/** Answers the item on screen with its right answer, through the controls a candidate uses. */
export async function answerCurrent(page: Page, labels = { true: '正确', false: '错误' }) {
  await expect.poll(() => page.locator('#item-h').isVisible()).toBe(true);
  const input = page.locator('.item [name^="answer-"]').first();
  const name = (await input.getAttribute('name')) as string;
  const item = demoItem(name.replace(/^answer-/, ''));
  if (item.kind === 'fill-in')
    await page.fill(`#${name}`, (item as { accepted: string[] }).accepted[0] as string);
  else if (item.kind === 'true-false')
    await page
      .getByRole('radio', { name: (item as { answer: boolean }).answer ? labels.true : labels.false })
      .check();
  else if (item.kind === 'single')
    await page.check(`input[name="${name}"][value="${(item as { answer: string }).answer}"]`);
  else
    for (const id of (item as { answer: string[] }).answer)
      await page.check(`input[name="${name}"][value="${id}"]`);
  return item.id;
}
