// Sign-in with the OAuth 2.0 authorization code flow and PKCE, through oauth4webapi (standard OpenID
// Connect only: discovery document, token endpoint, end-session endpoint), so the same code works with
// Cognito's managed login and with any OIDC provider a deployment names. Tokens are kept in
// localStorage so a candidate whose phone died comes back signed in; the strict CSP (no inline script,
// connect-src only the API and the provider) is what keeps other scripts from reading them.
import { signal } from '@preact/signals';
import * as oauth from 'oauth4webapi';
import { config } from './config';
import { language } from './i18n';

const SESSION_KEY = 'skillcert.session';
const PENDING_KEY = 'skillcert.signin';
/** Refresh this long before the access token expires, so a request never leaves with a dead token. */
const REFRESH_MARGIN_MS = 120_000;

export interface Session {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  expiresAt: number;
}

export const session = signal<Session | undefined>(readSession());

function readSession(): Session | undefined {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

function keep(next: Session | undefined): void {
  if (next) localStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else {
    localStorage.removeItem(SESSION_KEY);
    // No tokens left behind on a shared phone.
    void rotations('readwrite', (s) => s.delete(ROTATION_KEY)).catch(() => undefined);
  }
  session.value = next;
}

// Another tab signing in or out changes this one too.
addEventListener('storage', (event) => {
  if (event.key === SESSION_KEY) session.value = readSession();
});

/** Plain http only for a loopback issuer (the local cloud); anything else must be https. */
function requestOptions(): { [oauth.allowInsecureRequests]?: boolean } {
  const url = new URL(config().issuer);
  return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')
    ? { [oauth.allowInsecureRequests]: true }
    : {};
}

let server: Promise<oauth.AuthorizationServer> | undefined;
function authorizationServer(): Promise<oauth.AuthorizationServer> {
  if (!server) {
    const issuer = new URL(config().issuer);
    server = oauth
      .discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions() })
      .then((response) => oauth.processDiscoveryResponse(issuer, response))
      .catch((error: unknown) => {
        server = undefined;
        throw error;
      });
  }
  return server;
}

const client = (): oauth.Client => ({ client_id: config().clientId });

function fromTokens(tokens: oauth.TokenEndpointResponse, previous?: Session): Session {
  return {
    accessToken: tokens.access_token,
    ...((tokens.refresh_token ?? previous?.refreshToken)
      ? { refreshToken: tokens.refresh_token ?? previous?.refreshToken }
      : {}),
    ...((tokens.id_token ?? previous?.idToken) ? { idToken: tokens.id_token ?? previous?.idToken } : {}),
    expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000,
  };
}

/**
 * Set once this page is on its way to the provider (to sign in or out). A protected page re-renders when
 * the session ends and would start a sign-in: without this, that later navigation could overtake the
 * end-session one, leaving the provider's session alive; repeated renders would also each start a new
 * PKCE exchange and overwrite the pending one.
 */
let leaving = false;
// Back from the provider's page to this one restored from the back/forward cache: not leaving any more.
addEventListener('pageshow', (event) => {
  if (event.persisted) leaving = false;
});

/** Sends the browser to the provider's sign-in page; it comes back to /callback. */
export async function signIn(returnTo = location.pathname + location.search): Promise<void> {
  if (leaving) return;
  leaving = true;
  try {
    await startSignIn(returnTo);
  } catch (error) {
    leaving = false;
    throw error;
  }
}

async function startSignIn(returnTo: string): Promise<void> {
  const as = await authorizationServer();
  if (!as.authorization_endpoint) throw new Error('The identity provider has no authorization endpoint');
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ codeVerifier, state, nonce, returnTo }));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config().clientId,
    redirect_uri: config().redirectUri,
    response_type: 'code',
    scope: config().scopes,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    // The provider's sign-in page in the language the person chose here (OIDC ui_locales).
    ui_locales: language.value,
  }).toString();
  location.assign(url.href);
}

/** Finishes sign-in on /callback: checks state, trades the code (with the PKCE verifier) for tokens. */
export async function completeSignIn(): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as {
    codeVerifier: string;
    state: string;
    nonce: string;
    returnTo: string;
  } | null;
  if (!pending) throw new Error('No sign-in was started in this tab');
  sessionStorage.removeItem(PENDING_KEY);
  const as = await authorizationServer();
  const params = oauth.validateAuthResponse(as, client(), new URL(location.href), pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client(),
    oauth.None(),
    params,
    config().redirectUri,
    pending.codeVerifier,
    requestOptions(),
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client(), response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  keep(fromTokens(tokens));
  return pending.returnTo.startsWith('/') && !pending.returnTo.startsWith('/callback')
    ? pending.returnTo
    : '/';
}

let refreshing: Promise<Session | undefined> | undefined;

/**
 * Refresh tokens rotate and a spent one presented again ends the whole sign-in (docs/web.md): so tabs of
 * the app refresh one at a time, under a Web Lock, and a tab that waited takes the tokens the other one got.
 */
function oneTabAtATime<T>(work: () => Promise<T>): Promise<T> {
  return navigator.locks ? navigator.locks.request('skillcert.refresh', work) : work();
}

/**
 * The last rotation (spent refresh token → the session it bought), in IndexedDB: a tab that held the lock
 * writes it before letting go, and the next one reads it. localStorage would not do: each tab's process
 * keeps its own copy, updated a moment later, so the next tab could still see the spent token.
 */
function rotations<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open('skillcert-auth', 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore('rotations');
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      const tx = db.transaction('rotations', mode);
      const request = use(tx.objectStore('rotations'));
      tx.oncomplete = () => {
        db.close();
        resolve(request.result);
      };
      tx.onerror = tx.onabort = () => {
        db.close();
        reject(tx.error);
      };
    };
  });
}

const ROTATION_KEY = 'last';
interface Rotation {
  spent: string;
  session: Session;
}

async function rotatedFrom(spent: string): Promise<Session | undefined> {
  try {
    const last = await rotations<Rotation | undefined>('readonly', (s) => s.get(ROTATION_KEY));
    return last?.spent === spent ? last.session : undefined;
  } catch {
    return undefined; // no IndexedDB (a private window may refuse it): localStorage's view has to do
  }
}

async function recordRotation(rotation: Rotation): Promise<void> {
  await rotations('readwrite', (s) => s.put(rotation, ROTATION_KEY)).catch(() => undefined);
}

/** Trades the refresh token for new tokens; signs out locally when the provider refuses. */
export function refresh(): Promise<Session | undefined> {
  const spent = session.value?.refreshToken;
  if (!spent) return Promise.resolve(undefined);
  refreshing ??= oneTabAtATime(async () => {
    // Another tab that held the lock first may have bought new tokens with it already, or signed out.
    const rotated = await rotatedFrom(spent);
    if (rotated) {
      keep(rotated);
      return rotated;
    }
    const current = readSession();
    if (current?.refreshToken !== spent || !current) {
      session.value = current;
      return current;
    }
    try {
      const as = await authorizationServer();
      const response = await oauth.refreshTokenGrantRequest(
        as,
        client(),
        oauth.None(),
        spent,
        requestOptions(),
      );
      const next = fromTokens(await oauth.processRefreshTokenResponse(as, client(), response), current);
      await recordRotation({ spent, session: next });
      keep(next);
      return next;
    } catch (error) {
      // A refused refresh token (revoked, expired) means signing in again; a network error does not.
      if (error instanceof oauth.ResponseBodyError) keep(undefined);
      return session.value;
    }
  }).finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/** A usable access token, refreshed first when it is about to expire. */
export async function accessToken(): Promise<string | undefined> {
  const current = session.value;
  if (!current) return undefined;
  if (current.expiresAt - Date.now() < REFRESH_MARGIN_MS) return (await refresh())?.accessToken;
  return current.accessToken;
}

// Refresh ahead of expiry while the page is open, so a long exam never meets an expired token.
setInterval(() => {
  const current = session.value;
  if (current && current.expiresAt - Date.now() < REFRESH_MARGIN_MS) void refresh();
}, 30_000);

/** Forgets the tokens and ends the provider's session too, where it offers an end-session endpoint. */
export async function signOut(): Promise<void> {
  const idToken = session.value?.idToken;
  leaving = true;
  keep(undefined);
  try {
    const as = await authorizationServer();
    if (as.end_session_endpoint) {
      const url = new URL(as.end_session_endpoint);
      url.searchParams.set('client_id', config().clientId);
      url.searchParams.set('post_logout_redirect_uri', config().signOutRedirectUri);
      if (idToken) url.searchParams.set('id_token_hint', idToken);
      location.assign(url.href);
      return;
    }
  } catch {
    // The provider is unreachable: the local sign-out above still holds.
  }
  location.assign('/');
}
