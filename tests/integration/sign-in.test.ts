// Sign-in for the browser app with standard OIDC, on the local cloud derived from the template: the web
// client's registered URLs, the authorization code flow with PKCE through the login page, refresh with
// rotation, logout, and CORS on the HTTP API for the app's origin only. A real HTTP client (fetch, every
// redirect read by hand), then Chromium filling the login page.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localWebOrigin } from '../../lib/deployments.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import type { LocalUserPool, LocalUserPoolClient } from '../../local/model.js';
import { type OidcIssuer, startOidcIssuer } from '../../local/oidc-issuer.js';
import { synthesizeRegion } from '../../local/synth.js';
import {
  authorizeUrl,
  claimsOf,
  get,
  pkce,
  postForm,
  requestIdOf,
  signInThroughForm,
  tokenRequest,
} from '../support/oidc-client.js';
import { TEST_STACK_OPTIONS } from '../support/regions.js';

const CHROMIUM = '/usr/bin/chromium';
const APP = localWebOrigin('neijiang');
const CALLBACK = `${APP}/callback`;

let cloud: LocalCloud;
let pool: LocalUserPool;
let web: LocalUserPoolClient;
/** A second issuer over the same template's pools, on a clock the tests move. */
let clocked: OidcIssuer;
let clock = Date.now();
let clockedIssuer: string;

beforeAll(async () => {
  const stack = synthesizeRegion(TEST_STACK_OPTIONS);
  cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    schedules: 'off',
  });
  pool = cloud.model.userPools[0] as LocalUserPool;
  web = pool.clients.find((c) => !c.generateSecret) as LocalUserPoolClient;
  clocked = await startOidcIssuer({
    userPools: cloud.model.userPools,
    region: cloud.region,
    now: () => clock,
  });
  clockedIssuer = clocked.issuerFor(pool.userPoolId);
});

afterAll(async () => {
  await clocked?.stop();
  await cloud?.stop();
});

/** Signs zhangwei in on an issuer and exchanges the code: the token answer and what was sent. */
async function signedIn(issuer: string, user = 'zhangwei', password = 'Candidate-123!') {
  const { verifier, challenge } = pkce();
  const nonce = `n-${Math.random()}`;
  const { callback, cookie } = await signInThroughForm(
    issuer,
    { clientId: web.clientId, redirectUri: CALLBACK, challenge, state: 'st-1', nonce },
    user,
    password,
  );
  const code = callback.searchParams.get('code') as string;
  const tokens = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    client_id: web.clientId,
    code,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
  });
  return { callback, cookie, code, verifier, nonce, tokens };
}

describe('the web client, from the template', () => {
  it('is a public client with the code flow, redirect URIs on the app origin, rotating refresh tokens', () => {
    expect(web).toMatchObject({
      generateSecret: false,
      allowedOAuthFlows: ['code'],
      callbackUrls: [CALLBACK],
      logoutUrls: [`${APP}/`],
      refreshRotation: { retryGraceSeconds: 10 },
      tokenLifetimes: { accessSeconds: 3600, idSeconds: 3600, refreshSeconds: 7 * 86400 },
    });
    expect(APP).toBe('http://127.0.0.1:4105');
  });

  it('is described by the discovery document: code + PKCE S256 only, refresh, logout, revocation', async () => {
    const discovery = (await (
      await fetch(`${pool.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: pool.issuer,
      authorization_endpoint: `${pool.issuer}/oauth2/authorize`,
      token_endpoint: `${pool.issuer}/oauth2/token`,
      end_session_endpoint: `${pool.issuer}/logout`,
      revocation_endpoint: `${pool.issuer}/oauth2/revoke`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(discovery.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token']),
    );
  });
});

describe('authorization code with PKCE, over HTTP', () => {
  it('signs in through the login page and the tokens open the API from the app origin', async () => {
    const { callback, nonce, tokens } = await signedIn(pool.issuer);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('st-1');
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(typeof tokens.body.refresh_token).toBe('string');
    const id = claimsOf(tokens.body.id_token as string);
    expect(id).toMatchObject({ aud: web.clientId, nonce, 'cognito:username': 'zhangwei', iss: pool.issuer });
    const access = claimsOf(tokens.body.access_token as string);
    expect(access).toMatchObject({
      client_id: web.clientId,
      token_use: 'access',
      scope: 'openid email profile',
    });
    expect((access.exp as number) - (access.iat as number)).toBe(3600);

    const me = await fetch(`${cloud.endpoints.api}/me`, {
      headers: { authorization: `Bearer ${tokens.body.access_token}`, origin: APP },
    });
    expect(me.status).toBe(200);
    expect(me.headers.get('access-control-allow-origin')).toBe(APP);
    expect(me.headers.get('access-control-expose-headers')).toBe('date');
    expect(((await me.json()) as { groups: string[] }).groups).toEqual(['candidates']);
  });

  it('shows the login page in zh-CN by default and English on request, labelled, without scripts', async () => {
    const start = await get(
      authorizeUrl(pool.issuer, {
        clientId: web.clientId,
        redirectUri: CALLBACK,
        challenge: pkce().challenge,
      }),
    );
    expect(start.status).toBe(302);
    const zh = await get(start.location as string);
    expect(zh.status).toBe(200);
    expect(zh.text).toContain('<html lang="zh-CN">');
    expect(zh.text).toMatch(/<label for="username">用户名<\/label>/);
    expect(zh.text).toMatch(/<label for="password">密码<\/label>/);
    expect(zh.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(zh.headers.get('content-security-policy')).toContain(`form-action 'self' ${APP}`);
    expect(zh.text).not.toContain('<script');
    const en = await get(`${pool.issuer}/login?request_id=${requestIdOf(zh.text)}&lang=en`);
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toMatch(/<label for="username">Username<\/label>/);
    const viaLocales = await get(
      authorizeUrl(pool.issuer, {
        clientId: web.clientId,
        redirectUri: CALLBACK,
        challenge: pkce().challenge,
        extra: { ui_locales: 'en-GB zh-CN' },
      }),
    );
    expect(new URL(viaLocales.location as string).searchParams.get('lang')).toBe('en');
  });

  it('refuses a wrong password on the page, and locks the name out after five in a row', async () => {
    const start = await get(
      authorizeUrl(clockedIssuer, {
        clientId: web.clientId,
        redirectUri: CALLBACK,
        challenge: pkce().challenge,
      }),
    );
    const requestId = requestIdOf((await get(start.location as string)).text);
    const attempt = (password: string) =>
      postForm(`${clockedIssuer}/login`, {
        request_id: requestId,
        username: 'liuyang',
        password,
        lang: 'zh-CN',
      });
    const wrong = await attempt('nope');
    expect(wrong.status).toBe(401);
    expect(wrong.location).toBeNull();
    expect(wrong.text).toContain('role="alert">用户名或密码不正确。');
    expect(wrong.text).toContain('value="liuyang"');
    for (let i = 0; i < 4; i++) await attempt('nope');
    const locked = await attempt('Candidate-123!');
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('登录失败次数过多');
    clock += 301_000;
    const after = await attempt('Candidate-123!');
    expect(after.status).toBe(303);
  });

  it('refuses a wrong code_verifier, a different redirect_uri and a code used twice (revoking what it gave)', async () => {
    const { verifier, challenge } = pkce();
    const params = { clientId: web.clientId, redirectUri: CALLBACK, challenge };
    const code = async () =>
      (
        await signInThroughForm(clockedIssuer, params, 'zhangwei', 'Candidate-123!')
      ).callback.searchParams.get('code') as string;
    const exchange = (c: string, over: Record<string, string> = {}) =>
      tokenRequest(clockedIssuer, {
        grant_type: 'authorization_code',
        client_id: web.clientId,
        code: c,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
        ...over,
      });

    const wrongVerifier = await exchange(await code(), { code_verifier: pkce().verifier });
    expect(wrongVerifier).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(wrongVerifier.body.error_description).toMatch(/code_verifier/);

    const wrongRedirect = await exchange(await code(), { redirect_uri: `${APP}/callback/` });
    expect(wrongRedirect).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const noVerifier = await exchange(await code(), { code_verifier: '' });
    expect(noVerifier).toMatchObject({ status: 400, body: { error: 'invalid_request' } });

    const once = await code();
    const first = await exchange(once);
    expect(first.status).toBe(200);
    const again = await exchange(once);
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(again.body.error_description).toMatch(/already used/);
    const refresh = await tokenRequest(clockedIssuer, {
      grant_type: 'refresh_token',
      client_id: web.clientId,
      refresh_token: first.body.refresh_token as string,
    });
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const late = await code();
    clock += 301_000;
    expect(await exchange(late)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('never redirects to an unregistered URI, and refuses plain PKCE or none by redirecting with an error', async () => {
    for (const redirectUri of [
      `${APP}/callback?x=1`,
      `${APP}/other`,
      'http://127.0.0.1:4106/callback',
      'https://evil.example/callback',
    ]) {
      const hop = await get(
        authorizeUrl(pool.issuer, { clientId: web.clientId, redirectUri, challenge: pkce().challenge }),
      );
      expect(hop.status, redirectUri).toBe(400);
      expect(hop.location).toBeNull();
      expect(hop.text).toContain('返回地址未登记');
    }
    const unknownClient = await get(
      authorizeUrl(pool.issuer, { clientId: 'nobody', redirectUri: CALLBACK, challenge: pkce().challenge }),
    );
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.location).toBeNull();

    const { verifier } = pkce();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ challenge: verifier, method: 'plain' }, /S256; plain is refused/],
      [{}, /code_challenge is required/],
      [{ challenge: pkce().challenge, scope: 'email' }, /openid/],
    ];
    for (const [over, why] of cases) {
      const hop = await get(
        authorizeUrl(pool.issuer, { clientId: web.clientId, redirectUri: CALLBACK, state: 'keep', ...over }),
      );
      expect(hop.status).toBe(302);
      const back = new URL(hop.location as string);
      expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
      expect(back.searchParams.get('state')).toBe('keep');
      expect(back.searchParams.get('error')).toMatch(/invalid_request|invalid_scope/);
      expect(back.searchParams.get('error_description')).toMatch(why);
      expect(back.searchParams.get('code')).toBeNull();
    }
  });
});

describe('refresh and sign-out', () => {
  it('rotates refresh tokens: a spent one works within the grace, then ends its whole family', async () => {
    const { tokens } = await signedIn(clockedIssuer);
    const refresh = (token: string) =>
      tokenRequest(clockedIssuer, {
        grant_type: 'refresh_token',
        client_id: web.clientId,
        refresh_token: token,
      });
    const first = tokens.body.refresh_token as string;
    const second = await refresh(first);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first);
    // The access token is new and carries the same sign-in.
    expect(claimsOf(second.body.id_token as string).auth_time).toBe(
      claimsOf(tokens.body.id_token as string).auth_time,
    );
    // Within the retry grace (10 s from the template) the spent token still answers: a lost reply retried.
    clock += 5_000;
    const retried = await refresh(first);
    expect(retried.status).toBe(200);
    clock += 6_000;
    const replayed = await refresh(first);
    expect(replayed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(replayed.body.error_description).toMatch(/rotated/);
    // Reuse detected: the newest tokens of that family stop working too.
    expect(await refresh(second.body.refresh_token as string)).toMatchObject({ status: 400 });
    expect(await refresh(retried.body.refresh_token as string)).toMatchObject({ status: 400 });
  });

  it('lets ID and access tokens expire on time and refresh tokens at the end of their life', async () => {
    const { tokens } = await signedIn(clockedIssuer);
    const access = claimsOf(tokens.body.access_token as string);
    expect((access.exp as number) - (access.iat as number)).toBe(3600);
    clock += 7 * 86400 * 1000 + 1000;
    const expired = await tokenRequest(clockedIssuer, {
      grant_type: 'refresh_token',
      client_id: web.clientId,
      refresh_token: tokens.body.refresh_token as string,
    });
    expect(expired).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(expired.body.error_description).toMatch(/expired/);
  });

  it('signs out (RP-initiated): back to the registered logout URL, session and refresh tokens ended', async () => {
    const { tokens, cookie } = await signedIn(clockedIssuer);
    // While signed in, the issuer sends the person straight back with a code (single sign-on).
    const again = await get(
      authorizeUrl(clockedIssuer, {
        clientId: web.clientId,
        redirectUri: CALLBACK,
        challenge: pkce().challenge,
      }),
      cookie,
    );
    expect(new URL(again.location as string).searchParams.get('code')).toBeTruthy();

    const refused = await get(
      `${clockedIssuer}/logout?${new URLSearchParams({ client_id: web.clientId, post_logout_redirect_uri: 'https://evil.example/' })}`,
      cookie,
    );
    expect(refused.status).toBe(400);
    expect(refused.location).toBeNull();

    const out = await get(
      `${clockedIssuer}/logout?${new URLSearchParams({
        id_token_hint: tokens.body.id_token as string,
        post_logout_redirect_uri: `${APP}/`,
        state: 'bye',
      })}`,
      cookie,
    );
    expect(out.status).toBe(302);
    expect(out.location).toBe(`${APP}/?state=bye`);
    expect(out.setCookie).toMatch(/Max-Age=0/);
    const refresh = await tokenRequest(clockedIssuer, {
      grant_type: 'refresh_token',
      client_id: web.clientId,
      refresh_token: tokens.body.refresh_token as string,
    });
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // …and the next sign-in asks for the password again.
    const fresh = await get(
      authorizeUrl(clockedIssuer, {
        clientId: web.clientId,
        redirectUri: CALLBACK,
        challenge: pkce().challenge,
      }),
      cookie,
    );
    expect(fresh.location).toContain('/login?request_id=');
  });
});

describe('CORS for the web app’s origin only', () => {
  it('comes from the template: the API allows the app origin and never *', () => {
    expect(cloud.model.httpApis[0]?.cors).toMatchObject({
      allowOrigins: [APP],
      allowMethods: expect.arrayContaining(['GET', 'POST', 'PUT']),
      allowHeaders: expect.arrayContaining(['authorization', 'content-type']),
    });
  });

  it('answers preflights for the app and nothing for another origin, on the API and the token endpoint', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const ok = await preflight(`${cloud.endpoints.api}/attempts/a-1/answers`, APP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await preflight(`${cloud.endpoints.api}/attempts/a-1/answers`, 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const anon = await fetch(`${cloud.endpoints.api}/me`, { headers: { origin: 'https://evil.example' } });
    expect(anon.headers.get('access-control-allow-origin')).toBeNull();

    const token = await tokenRequest(
      pool.issuer,
      { grant_type: 'refresh_token', client_id: web.clientId, refresh_token: 'x' },
      APP,
    );
    expect(token.headers.get('access-control-allow-origin')).toBe(APP);
    const stranger = await tokenRequest(
      pool.issuer,
      { grant_type: 'refresh_token', client_id: web.clientId, refresh_token: 'x' },
      'https://evil.example',
    );
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`,
      );
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a person fills the login page on a phone-sized screen and lands on the app with a code', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    const page = await context.newPage();
    // The app itself is not served here: its callback page is answered in the browser.
    await page.route(`${APP}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>app</title>' }),
    );
    const { verifier, challenge } = pkce();
    await page.goto(
      authorizeUrl(pool.issuer, {
        clientId: web.clientId,
        redirectUri: CALLBACK,
        challenge,
        state: 'browser',
      }),
    );
    await expect(page.getByRole('heading', { name: '登录' }).count()).resolves.toBe(1);
    // Nothing sideways on a 360 px phone; inputs and the button are at least 44 px high.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    for (const box of [
      await page.getByLabel('用户名').boundingBox(),
      await page.getByLabel('密码').boundingBox(),
      await page.getByRole('button', { name: '登录' }).boundingBox(),
    ]) {
      expect(box?.height).toBeGreaterThanOrEqual(44);
    }
    await page.getByLabel('用户名').fill('zhangwei');
    await page.getByLabel('密码').fill('wrong-password');
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('用户名或密码不正确');

    // Switch to English, keyboard only.
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByLabel('Username').fill('zhangwei');
    await page.getByLabel('Password').fill('Candidate-123!');
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL((url) => url.href.startsWith(CALLBACK));
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe('browser');
    const tokens = await tokenRequest(pool.issuer, {
      grant_type: 'authorization_code',
      client_id: web.clientId,
      code: landed.searchParams.get('code') as string,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    expect(claimsOf(tokens.body.id_token as string)['cognito:username']).toBe('zhangwei');
    await context.close();
  });
});
