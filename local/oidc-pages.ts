// The local issuer's pages: the sign-in form a browser app is sent to, and the few error and signed-out
// pages. Server-rendered HTML with no script at all (a strict Content-Security-Policy allows none), in
// zh-CN and English, labelled for screen readers and usable on a 360 px phone.
import { createHash } from 'node:crypto';

export type PageLanguage = 'zh-CN' | 'en';

const TEXT = {
  'zh-CN': {
    title: '登录 · skillcert 职业技能等级认定',
    heading: '登录',
    product: 'skillcert 职业技能等级认定',
    localNote: '本地开发环境：请使用 npm start 打印的开发用户登录。',
    username: '用户名',
    password: '密码',
    submit: '登录',
    switchTo: 'English',
    badCredentials: '用户名或密码不正确。',
    missing: '请输入用户名和密码。',
    lockedOut: (minutes: number) => `登录失败次数过多，请 ${minutes} 分钟后再试。`,
    expiredTitle: '登录请求已失效',
    expired: '此登录请求已过期或已使用。请返回应用重新登录。',
    errorTitle: '无法登录',
    badClient: '发起登录的应用未在此身份提供方注册。',
    badRedirect: '发起登录的应用给出的返回地址未登记，为保护您的账户，登录已停止。',
    signedOutTitle: '已退出登录',
    signedOut: '您已退出登录。可以关闭此页面。',
  },
  en: {
    title: 'Sign in · skillcert vocational skill certification',
    heading: 'Sign in',
    product: 'skillcert vocational skill certification',
    localNote: 'Local development: sign in as one of the dev users npm start prints.',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    switchTo: '中文',
    badCredentials: 'Incorrect username or password.',
    missing: 'Enter your username and password.',
    lockedOut: (minutes: number) => `Too many failed sign-ins. Try again in ${minutes} minutes.`,
    expiredTitle: 'Sign-in request expired',
    expired: 'This sign-in request has expired or was already used. Go back to the app and sign in again.',
    errorTitle: 'Cannot sign in',
    badClient: 'The app that sent you here is not registered with this identity provider.',
    badRedirect:
      'The app that sent you here gave a return address that is not registered; sign-in was stopped to protect your account.',
    signedOutTitle: 'Signed out',
    signedOut: 'You are signed out. You can close this page.',
  },
} as const;

export type PageMessage = 'badCredentials' | 'missing' | 'lockedOut';
export type ErrorPage = 'expired' | 'badClient' | 'badRedirect';

/** The language asked for by ui_locales (OIDC Core §3.1.2.1), else Accept-Language, else zh-CN. */
export function pageLanguage(uiLocales: string | null | undefined, acceptLanguage?: string): PageLanguage {
  const pick = (tags: string[]): PageLanguage | undefined => {
    for (const tag of tags.map((t) => t.trim().toLowerCase())) {
      if (tag.startsWith('zh')) return 'zh-CN';
      if (tag.startsWith('en')) return 'en';
    }
    return undefined;
  };
  return (
    pick((uiLocales ?? '').split(' ').filter(Boolean)) ??
    pick((acceptLanguage ?? '').split(',').map((part) => part.split(';')[0] ?? '')) ??
    'zh-CN'
  );
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,"Noto Sans CJK SC","Noto Sans SC",sans-serif;background:#f3f5f8;color:#1b1f24;line-height:1.5}
main{max-width:26rem;margin:0 auto;padding:1.5rem 1rem}
.card{background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.5rem;margin:0 0 .25rem}
.product{margin:0 0 1rem;color:#4a5361}
.note{font-size:.875rem;color:#4a5361;margin:1rem 0 0}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{display:block;width:100%;min-height:44px;padding:.5rem .75rem;font-size:1rem;border:1px solid #6b7380;border-radius:6px}
input[aria-invalid=true]{border-color:#b3261e}
button{margin-top:1.5rem;width:100%;min-height:44px;font-size:1rem;font-weight:600;border:0;border-radius:6px;background:#0b5cad;color:#fff;cursor:pointer}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.error{margin:1rem 0 0;padding:.75rem;border-radius:6px;background:#fdecea;color:#8a1c15}
.lang{display:inline-block;min-height:44px;min-width:44px;padding:.6rem 0;color:#0b5cad}
`;

/** The stylesheet's CSP hash: the pages allow exactly this style and nothing else. */
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers every page carries: no script, no framing (clickjacking a password form), no caching. */
function pageHeaders(formTargets: string[]): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': [
      "default-src 'none'",
      `style-src ${STYLE_HASH}`,
      // Chromium checks form-action on the redirect after the post too: the app's callback origin.
      `form-action 'self'${formTargets.map((t) => ` ${t}`).join('')}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    // The callback URL carries the code; it must not leak to the next site as a Referer.
    'referrer-policy': 'no-referrer',
  };
}

function layout(lang: PageLanguage, title: string, inner: string, switchHref?: string): string {
  const t = TEXT[lang];
  const other: PageLanguage = lang === 'zh-CN' ? 'en' : 'zh-CN';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${switchHref ? `<p><a class="lang" href="${escapeHtml(switchHref)}" hreflang="${other}" lang="${other}">${t.switchTo}</a></p>` : ''}
<div class="card">
${inner}
</div>
</main>
</body>
</html>
`;
}

export interface LoginFormInput {
  lang: PageLanguage;
  /** Where the form posts (the issuer's /login). */
  action: string;
  requestId: string;
  /** The same form in the other language. */
  switchHref: string;
  /** Origin of the app's redirect URI (allowed as a form-action target). */
  redirectOrigin: string;
  username?: string;
  message?: PageMessage;
  lockedMinutes?: number;
  status?: number;
}

export function loginPage(input: LoginFormInput): Page {
  const t = TEXT[input.lang];
  const error = input.message
    ? input.message === 'lockedOut'
      ? t.lockedOut(input.lockedMinutes ?? 1)
      : t[input.message]
    : undefined;
  const invalid = error ? ' aria-invalid="true" aria-describedby="signin-error"' : '';
  const inner = `<h1>${t.heading}</h1>
<p class="product">${t.product}</p>
${error ? `<p class="error" id="signin-error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}" novalidate>
<input type="hidden" name="request_id" value="${escapeHtml(input.requestId)}">
<input type="hidden" name="lang" value="${input.lang}">
<label for="username">${t.username}</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(input.username ?? '')}"${invalid}${input.username ? '' : ' autofocus'}>
<label for="password">${t.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${input.username ? ' autofocus' : ''}>
<button type="submit">${t.submit}</button>
</form>
<p class="note">${t.localNote}</p>`;
  return {
    status: input.status ?? 200,
    headers: pageHeaders([input.redirectOrigin]),
    body: layout(input.lang, t.title, inner, input.switchHref),
  };
}

export function errorPage(lang: PageLanguage, which: ErrorPage, status: number): Page {
  const t = TEXT[lang];
  const title = which === 'expired' ? t.expiredTitle : t.errorTitle;
  const inner = `<h1>${title}</h1>\n<p role="alert">${escapeHtml(t[which])}</p>`;
  return { status, headers: pageHeaders([]), body: layout(lang, title, inner) };
}

export function signedOutPage(lang: PageLanguage): Page {
  const t = TEXT[lang];
  const inner = `<h1>${t.signedOutTitle}</h1>\n<p>${t.signedOut}</p>`;
  return { status: 200, headers: pageHeaders([]), body: layout(lang, t.signedOutTitle, inner) };
}
