// What the browser tests share: Debian's Chromium driven by playwright-core, sign-in through the local
// issuer's real login page, axe-core run inside each page, layout checks at phone size and screenshots.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEV_USERS } from '../../local/dev-identities.js';
import { projectRoot } from '../../local/paths.js';

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
