// A browser app's side of sign-in, done with plain HTTP (fetch, no redirects followed): PKCE pairs, the
// authorization request, the login form, the code exchange and refresh. Tests read every hop.
import { createHash, randomBytes } from 'node:crypto';

export interface Pkce {
  verifier: string;
  challenge: string;
}

/** RFC 7636: a 43-character verifier and its S256 challenge. */
export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  method?: string;
  state?: string;
  nonce?: string;
  scope?: string;
  extra?: Record<string, string>;
}

export function authorizeUrl(issuer: string, p: AuthorizeParams): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope: p.scope ?? 'openid email profile',
    state: p.state ?? randomBytes(8).toString('hex'),
    nonce: p.nonce ?? randomBytes(8).toString('hex'),
    ...(p.challenge ? { code_challenge: p.challenge, code_challenge_method: p.method ?? 'S256' } : {}),
    ...p.extra,
  });
  return `${issuer}/oauth2/authorize?${query}`;
}

export interface Hop {
  status: number;
  location: string | null;
  setCookie: string | null;
  text: string;
  headers: Headers;
}

export async function get(url: string, cookie?: string): Promise<Hop> {
  const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  return {
    status: response.status,
    location: response.headers.get('location'),
    setCookie: response.headers.get('set-cookie'),
    text: await response.text(),
    headers: response.headers,
  };
}

export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    setCookie: response.headers.get('set-cookie'),
    headers: response.headers,
    text: await response.text(),
  };
}

/** The login form's hidden request id. */
export function requestIdOf(html: string): string {
  const id = /name="request_id" value="([^"]+)"/.exec(html)?.[1];
  if (!id) throw new Error(`no request_id in the page:\n${html.slice(0, 500)}`);
  return id;
}

/** Authorization request → login page → posted credentials: the callback URL the browser lands on. */
export async function signInThroughForm(
  issuer: string,
  params: AuthorizeParams,
  username: string,
  password: string,
): Promise<{ callback: URL; cookie: string }> {
  const start = await get(authorizeUrl(issuer, params));
  if (start.status !== 302 || !start.location)
    throw new Error(`authorize answered ${start.status}: ${start.text}`);
  const page = await get(start.location);
  const done = await postForm(`${issuer}/login`, {
    request_id: requestIdOf(page.text),
    username,
    password,
  });
  if (done.status !== 303 || !done.location) throw new Error(`login answered ${done.status}`);
  return { callback: new URL(done.location), cookie: (done.setCookie ?? '').split(';')[0] as string };
}

export async function tokenRequest(issuer: string, form: Record<string, string>, origin?: string) {
  const response = await postForm(`${issuer}/oauth2/token`, form, origin ? { origin } : {});
  return {
    status: response.status,
    body: JSON.parse(response.text) as Record<string, string | number>,
    headers: response.headers,
  };
}

export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
