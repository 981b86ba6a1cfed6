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
  else localStorage.removeItem(SESSION_KEY);
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

/** Sends the browser to the provider's sign-in page; it comes back to /callback. */
export async function signIn(returnTo = location.pathname + location.search): Promise<void> {
  // Signing out clears the session, and a protected page re-rendering without one asks to sign in: that
  // navigation must not replace the one to the provider's end-session endpoint already under way.
  if (signingOut) return;
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

/** Trades the refresh token for new tokens; signs out locally when the provider refuses. */
export function refresh(): Promise<Session | undefined> {
  const current = session.value;
  if (!current?.refreshToken) return Promise.resolve(undefined);
  refreshing ??= (async () => {
    try {
      const as = await authorizationServer();
      const response = await oauth.refreshTokenGrantRequest(
        as,
        client(),
        oauth.None(),
        current.refreshToken as string,
        requestOptions(),
      );
      const next = fromTokens(await oauth.processRefreshTokenResponse(as, client(), response), current);
      keep(next);
      return next;
    } catch (error) {
      // A refused refresh token (revoked, expired) means signing in again; a network error does not.
      if (error instanceof oauth.ResponseBodyError) keep(undefined);
      return session.value;
    } finally {
      refreshing = undefined;
    }
  })();
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
let signingOut = false;

export async function signOut(): Promise<void> {
  const idToken = session.value?.idToken;
  signingOut = true;
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
