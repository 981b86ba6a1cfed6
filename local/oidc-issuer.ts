// A local OIDC issuer standing in for Cognito or another OpenID provider, per user pool: discovery, JWKS,
// a sign-in page behind the authorization endpoint (authorization code with PKCE, S256 only), a token
// endpoint (authorization_code, refresh_token with rotation, client_credentials, and a local-only password
// grant), revocation, userinfo and RP-initiated logout — with Cognito's claim shapes or standard ones.
// Redirect URIs are the template's CallbackURLs/LogoutURLs, matched exactly. The RS256 key, client
// secrets and refresh tokens persist under dataDir, so tokens and printed credentials survive a restart
// of `npm start`; sign-in sessions, pending sign-ins and codes live in memory (short-lived by design).
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { cognitoAttributesOf, DEV_USERS, type DevUser } from './dev-identities.js';
import type { LocalUserPool, LocalUserPoolClient } from './model.js';
import {
  errorPage,
  loginPage,
  type Page,
  type PageLanguage,
  pageLanguage,
  signedOutPage,
} from './oidc-pages.js';

export interface OidcIssuerOptions {
  port?: number;
  /** Undefined: key and secrets live in memory only (tests). */
  dataDir?: string;
  userPools: LocalUserPool[];
  region: string;
  /** The people who may sign in with grant_type=password; the seeded dev identities by default. */
  users?: DevUser[];
  /** Access and ID token lifetime for every client, instead of the template's (tests: expiry). */
  tokenLifetimeSeconds?: number;
  /** Refresh token lifetime for every client, instead of the template's (tests). */
  refreshLifetimeSeconds?: number;
  /** The issuer's clock in milliseconds (tests move it to expire codes and tokens); Date.now by default. */
  now?: () => number;
}

export interface IssuedClient {
  userPoolId: string;
  clientId: string;
  /** Only for confidential clients (generateSecret in the template); persisted per data folder. */
  clientSecret?: string;
  scopes: string[];
  flows: string[];
  callbackUrls: string[];
  logoutUrls: string[];
  lifetimes: { accessSeconds: number; idSeconds: number; refreshSeconds: number };
  refreshRotation?: { retryGraceSeconds: number };
}

/** What `npm start` prints about a seeded user: enough to sign in and to know what they are. */
export interface DevUserSummary {
  username: string;
  password: string;
  groups: DevUser['groups'];
  name: string;
}

/** A seeded user as the issuer knows them: their Cognito subject and attributes. */
export interface IssuerUser {
  username: string;
  sub: string;
  groups: string[];
  /** email, name, custom:employer, custom:trainingOrg … as Cognito would store them. */
  attributes: Record<string, string>;
}

export interface OidcIssuer {
  /** e.g. http://127.0.0.1:4101 */
  baseUrl: string;
  /** `${baseUrl}/${userPoolId}`: what the tokens carry as `iss` and the JWT authorizer expects. */
  issuerFor(userPoolId: string): string;
  /** Key id of the RS256 signing key (the JWK thumbprint). */
  kid: string;
  clients: IssuedClient[];
  devUsers: DevUserSummary[];
  /** The stable `sub` a username has in a pool (like Cognito's immutable sub). */
  subjectOf(userPoolId: string, username: string): string;
  /** Finds a seeded user by username or sub, with the attributes an ID token carries. */
  lookupUser(userPoolId: string, usernameOrSub: string): IssuerUser | undefined;
  /** Signs any claims with the issuer's key; tests use it to make expired or odd tokens. */
  mintToken(claims: JWTPayload, header?: { kid?: string }): Promise<string>;
  stop(): Promise<void>;
}

interface PersistedState {
  privateJwk: JWK;
  secrets: Record<string, string>;
  /** SHA-256 of a refresh token (base64url) → what it grants. Only hashes are kept, as a server should. */
  refreshTokens?: Record<string, RefreshRecord>;
}

/** One refresh token. Tokens rotated from one sign-in share a family; reuse of a spent one ends the family. */
interface RefreshRecord {
  poolId: string;
  clientId: string;
  username: string;
  scopes: string[];
  family: string;
  /** The sign-in session (the `sid` claim) the family came from: logout ends it. */
  sid: string;
  authTime: number;
  /** Seconds since the epoch; a rotated token keeps the family's end (Cognito: "remaining duration"). */
  expiresAt: number;
  /** When it was exchanged (rotation): it still works until usedAt + the client's retry grace. */
  usedAt?: number;
  revoked?: boolean;
}

/** A sign-in the authorization endpoint accepted and the login form completes. */
interface PendingSignIn {
  poolId: string;
  clientId: string;
  redirectUri: string;
  state: string | null;
  nonce: string | null;
  codeChallenge: string;
  scopes: string[];
  expiresAt: number;
}

interface AuthorizationCode {
  poolId: string;
  clientId: string;
  username: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  scopes: string[];
  sid: string;
  authTime: number;
  expiresAt: number;
  used: boolean;
  /** The refresh token family issued for it: revoked when the code is presented again (RFC 6749 §4.1.2). */
  family?: string;
}

interface SignInSession {
  poolId: string;
  username: string;
  authTime: number;
  expiresAt: number;
}

/** An RFC 6749 §5.2 error answer. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

const STATE_FILE = 'oidc-issuer.json';
const MAX_FORM_BYTES = 16 * 1024;
/** Cognito's authorization codes are good for five minutes; a sign-in form for ten. */
const CODE_SECONDS = 300;
const PENDING_SECONDS = 600;
/** Managed login's session: an hour in which the app may send the person back without a password. */
const SESSION_SECONDS = 3600;
/** After this many wrong passwords in a row a username is locked out of the form for LOCKOUT_SECONDS. */
const MAX_FAILED_SIGN_INS = 5;
const LOCKOUT_SECONDS = 300;
/** RFC 7636 §4.1: the verifier is 43–128 unreserved characters; an S256 challenge is 43 base64url ones. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const DEFAULT_LIFETIMES = { accessSeconds: 3600, idSeconds: 3600, refreshSeconds: 30 * 86400 };

/** base64url(SHA-256(verifier)) compared in constant time with the challenge (RFC 7636 §4.6). */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!VERIFIER.test(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

/** Exact match, as Cognito and RFC 9700 §2.1 require: no prefixes, no normalisation, no wildcards. */
export function redirectRegistered(uri: string | null, registered: readonly string[]): uri is string {
  return uri !== null && registered.includes(uri);
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');
/** Cognito puts this scope in tokens from its own sign-in API; clients without OAuth scopes get it. */
const COGNITO_ADMIN_SCOPE = 'aws.cognito.signin.user.admin';

/** Stable per-username subject, shaped like Cognito's UUID `sub`. */
export function subjectOf(userPoolId: string, username: string): string {
  const h = createHash('sha256').update(`${userPoolId}/${username}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function saveState(dataDir: string, state: PersistedState): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, STATE_FILE);
  // Write then rename, so a crash never leaves half a key behind.
  await writeFile(`${file}.tmp`, JSON.stringify(state), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

async function loadState(dataDir: string | undefined): Promise<{ state: PersistedState; fresh: boolean }> {
  if (dataDir) {
    const file = join(dataDir, STATE_FILE);
    try {
      const { privateJwk, secrets, refreshTokens } = JSON.parse(
        await readFile(file, 'utf8'),
      ) as Partial<PersistedState>;
      if (privateJwk?.kty === 'RSA') {
        return {
          state: { privateJwk, secrets: secrets ?? {}, refreshTokens: refreshTokens ?? {} },
          fresh: false,
        };
      }
      throw new Error(`${file} holds no RSA private key; delete it to start with a new key`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return { state: { privateJwk: await exportJWK(privateKey), secrets: {}, refreshTokens: {} }, fresh: true };
}

/** Reads an application/x-www-form-urlencoded body; too large → 413 (the rest is drained, never a hang). */
function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_FORM_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_FORM_BYTES) reject(new OAuthError(413, 'invalid_request', 'Request body too large'));
      else resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    });
    request.on('error', reject);
  });
}

/** Client credentials from HTTP Basic (RFC 6749 §2.3.1: form-encoded, then base64) or the form body. */
export function clientCredentials(
  authorization: string | undefined,
  form: URLSearchParams,
): { clientId: string | null; clientSecret: string | null } {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!basic?.[1]) return { clientId: form.get('client_id'), clientSecret: form.get('client_secret') };
  if (form.has('client_secret')) {
    throw new OAuthError(400, 'invalid_request', 'Use one client authentication method, not two');
  }
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    throw new OAuthError(401, 'invalid_client', 'Malformed Basic credentials', {
      'www-authenticate': 'Basic realm="token"',
    });
  }
  const formDecode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  const clientId = formDecode(decoded.slice(0, colon));
  const bodyId = form.get('client_id');
  if (bodyId !== null && bodyId !== clientId) {
    throw new OAuthError(400, 'invalid_request', 'client_id in the body differs from the Basic credentials');
  }
  return { clientId, clientSecret: formDecode(decoded.slice(colon + 1)) };
}

/** Scopes a token gets: the requested ones, all of which the client must be allowed; none requested → all. */
export function grantScopes(requested: string | null, allowed: string[]): string[] {
  const scopes = requested === null ? allowed : requested.split(' ').filter(Boolean);
  const refused = scopes.filter((s) => !allowed.includes(s));
  if (refused.length > 0) {
    throw new OAuthError(400, 'invalid_scope', `Scope not allowed for this client: ${refused.join(' ')}`);
  }
  if (scopes.length === 0) throw new OAuthError(400, 'invalid_scope', 'No scope requested or allowed');
  return [...new Set(scopes)];
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    pragma: 'no-cache',
    ...headers,
  });
  response.end(text);
}

export async function startOidcIssuer(options: OidcIssuerOptions): Promise<OidcIssuer> {
  const nowMs = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  const users = options.users ?? DEV_USERS;
  const { state, fresh } = await loadState(options.dataDir);
  const refreshTokens: Record<string, RefreshRecord> = state.refreshTokens ?? {};
  state.refreshTokens = refreshTokens;
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = state.privateJwk;
  const kid = await calculateJwkThumbprint(publicJwk);
  const signingKey = await importJWK(state.privateJwk, 'RS256');
  const verifyKey = await importJWK({ ...publicJwk, alg: 'RS256' }, 'RS256');
  const jwks = { keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] };

  const lifetimesOf = (client: LocalUserPoolClient) => {
    const base = client.tokenLifetimes ?? DEFAULT_LIFETIMES;
    return {
      accessSeconds: options.tokenLifetimeSeconds ?? base.accessSeconds,
      idSeconds: options.tokenLifetimeSeconds ?? base.idSeconds,
      refreshSeconds: options.refreshLifetimeSeconds ?? base.refreshSeconds,
    };
  };

  // Secrets for confidential clients: generated once per data folder, as Cognito generates them once.
  let changed = fresh;
  const clients: IssuedClient[] = options.userPools.flatMap((pool) =>
    pool.clients.map((client) => {
      let secret: string | undefined;
      if (client.generateSecret) {
        secret = state.secrets[client.clientId];
        if (!secret) {
          secret = randomBytes(32).toString('base64url');
          state.secrets[client.clientId] = secret;
          changed = true;
        }
      }
      return {
        userPoolId: pool.userPoolId,
        clientId: client.clientId,
        ...(secret ? { clientSecret: secret } : {}),
        scopes: client.allowedOAuthScopes,
        flows: client.allowedOAuthFlows,
        callbackUrls: client.callbackUrls ?? [],
        logoutUrls: client.logoutUrls ?? [],
        lifetimes: lifetimesOf(client),
        ...(client.refreshRotation ? { refreshRotation: client.refreshRotation } : {}),
      };
    }),
  );

  // Writes are chained so two refreshes never interleave their renames.
  let saving: Promise<void> = Promise.resolve();
  function persist(): Promise<void> {
    if (!options.dataDir) return Promise.resolve();
    const dir = options.dataDir;
    const now = nowSeconds();
    for (const [hash, record] of Object.entries(refreshTokens)) {
      if (record.expiresAt <= now) delete refreshTokens[hash];
    }
    saving = saving.then(() => saveState(dir, state)).catch(() => {});
    return saving;
  }
  if (changed) await persist();

  const pending = new Map<string, PendingSignIn>();
  const codes = new Map<string, AuthorizationCode>();
  const sessions = new Map<string, SignInSession>();
  const failures = new Map<string, { count: number; lockedUntil: number }>();
  function sweep(): void {
    const now = nowSeconds();
    for (const map of [pending, codes, sessions] as Map<string, { expiresAt: number }>[]) {
      for (const [key, value] of map) if (value.expiresAt <= now) map.delete(key);
    }
  }

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const issuerFor = (userPoolId: string) => `${baseUrl}/${userPoolId}`;

  async function mintToken(claims: JWTPayload, header: { kid?: string } = {}): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid ?? kid }).sign(signingKey);
  }

  function lookupUser(userPoolId: string, usernameOrSub: string): IssuerUser | undefined {
    const pool = options.userPools.find((p) => p.userPoolId === userPoolId);
    if (!pool) return undefined;
    const user = users.find(
      (u) => u.username === usernameOrSub || subjectOf(userPoolId, u.username) === usernameOrSub,
    );
    if (!user) return undefined;
    return {
      username: user.username,
      sub: subjectOf(userPoolId, user.username),
      groups: user.groups.filter((g) => pool.groups.includes(g)),
      attributes: cognitoAttributesOf(user),
    };
  }

  /** What a user's sign-in adds to the tokens: the nonce of the request, when and in which session. */
  interface SignInContext {
    nonce?: string | null;
    authTime: number;
    sid?: string;
  }

  async function userTokens(
    pool: LocalUserPool,
    client: IssuedClient,
    username: string,
    scopes: string[],
    signIn: SignInContext,
  ) {
    const found = lookupUser(pool.userPoolId, username) as IssuerUser;
    const now = nowSeconds();
    const { accessSeconds, idSeconds } = client.lifetimes;
    const fromSignIn = {
      auth_time: signIn.authTime,
      ...(signIn.sid ? { sid: signIn.sid } : {}),
    };
    const idExtras = signIn.nonce ? { nonce: signIn.nonce } : {};
    if (pool.tokenShape === 'oidc') {
      return standardUserTokens(pool, client, found, scopes, now, fromSignIn, idExtras);
    }
    const common = {
      sub: found.sub,
      iss: issuerFor(pool.userPoolId),
      ...(found.groups.length > 0 ? { 'cognito:groups': found.groups } : {}),
      origin_jti: randomUUID(),
      event_id: randomUUID(),
      ...fromSignIn,
      iat: now,
    };
    const accessToken = await mintToken({
      ...common,
      exp: now + accessSeconds,
      client_id: client.clientId,
      token_use: 'access',
      scope: scopes.join(' '),
      jti: randomUUID(),
      username,
      version: 2,
    });
    const idToken = await mintToken({
      ...common,
      ...idExtras,
      exp: now + idSeconds,
      aud: client.clientId,
      'cognito:username': username,
      token_use: 'id',
      jti: randomUUID(),
      // Cognito puts attributes in the ID token with their own types: email_verified is a boolean.
      ...Object.fromEntries(
        Object.entries(found.attributes).map(([k, v]) => [k, k === 'email_verified' ? v === 'true' : v]),
      ),
    });
    return { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: accessSeconds };
  }

  /**
   * Tokens as an outside OpenID provider issues them (RFC 9068 access tokens, OIDC ID tokens): standard
   * claims only, plus the provider's groups claim carrying the provider's names for our groups.
   */
  async function standardUserTokens(
    pool: LocalUserPool,
    client: IssuedClient,
    user: IssuerUser,
    scopes: string[],
    now: number,
    fromSignIn: Record<string, unknown>,
    idExtras: Record<string, unknown>,
  ) {
    const { accessSeconds, idSeconds } = client.lifetimes;
    const groups = user.groups.map((g) => pool.groupNames?.[g] ?? g);
    const common = {
      sub: user.sub,
      iss: issuerFor(pool.userPoolId),
      aud: client.clientId,
      azp: client.clientId,
      preferred_username: user.username,
      ...(groups.length > 0 ? { [pool.groupsClaim ?? 'groups']: groups } : {}),
      ...fromSignIn,
      iat: now,
    };
    const accessToken = await mintToken({
      ...common,
      exp: now + accessSeconds,
      client_id: client.clientId,
      scope: scopes.join(' '),
      jti: randomUUID(),
    });
    const idToken = await mintToken({
      ...common,
      ...idExtras,
      exp: now + idSeconds,
      jti: randomUUID(),
      ...(user.attributes.email ? { email: user.attributes.email, email_verified: true } : {}),
      ...(user.attributes.name ? { name: user.attributes.name } : {}),
    });
    return { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: accessSeconds };
  }

  async function clientToken(pool: LocalUserPool, client: IssuedClient, scope: string | null) {
    const scopes = grantScopes(scope, client.scopes);
    const now = nowSeconds();
    const lifetime = client.lifetimes.accessSeconds;
    const accessToken = await mintToken({
      sub: client.clientId,
      ...(pool.tokenShape === 'oidc'
        ? { aud: client.clientId, azp: client.clientId }
        : { token_use: 'access' }),
      scope: scopes.join(' '),
      auth_time: now,
      iss: issuerFor(pool.userPoolId),
      exp: now + lifetime,
      iat: now,
      version: 2,
      jti: randomUUID(),
      client_id: client.clientId,
    });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime };
  }

  /** A new refresh token in a family (a new family at sign-in); only its hash is kept. */
  function issueRefreshToken(
    client: IssuedClient,
    fields: Omit<RefreshRecord, 'clientId' | 'expiresAt'> & { expiresAt?: number },
  ): string {
    const token = randomBytes(48).toString('base64url');
    refreshTokens[hashToken(token)] = {
      ...fields,
      clientId: client.clientId,
      expiresAt: fields.expiresAt ?? nowSeconds() + client.lifetimes.refreshSeconds,
    };
    return token;
  }

  function revokeWhere(match: (record: RefreshRecord) => boolean): number {
    let count = 0;
    for (const record of Object.values(refreshTokens)) {
      if (!record.revoked && match(record)) {
        record.revoked = true;
        count++;
      }
    }
    return count;
  }

  const invalidGrant = (why: string) => new OAuthError(400, 'invalid_grant', why);

  async function authorizationCodeGrant(pool: LocalUserPool, client: IssuedClient, form: URLSearchParams) {
    const code = form.get('code');
    const verifier = form.get('code_verifier');
    if (!code) throw new OAuthError(400, 'invalid_request', 'code is required');
    if (!verifier) throw new OAuthError(400, 'invalid_request', 'code_verifier is required (PKCE)');
    const grant = codes.get(code);
    if (!grant || grant.poolId !== pool.userPoolId || grant.clientId !== client.clientId) {
      throw invalidGrant('The authorization code is not valid for this client');
    }
    if (grant.used) {
      // A code presented twice may have been stolen: whatever it yielded stops working (RFC 6749 §4.1.2).
      if (grant.family) revokeWhere((r) => r.family === grant.family);
      await persist();
      throw invalidGrant('The authorization code was already used');
    }
    grant.used = true;
    if (grant.expiresAt <= nowSeconds()) throw invalidGrant('The authorization code has expired');
    if (form.get('redirect_uri') !== grant.redirectUri) {
      throw invalidGrant('redirect_uri differs from the one the code was issued for');
    }
    if (!verifierMatches(verifier, grant.codeChallenge)) {
      throw invalidGrant('code_verifier does not match the code_challenge');
    }
    const family = randomUUID();
    grant.family = family;
    const tokens = await userTokens(pool, client, grant.username, grant.scopes, {
      nonce: grant.nonce,
      authTime: grant.authTime,
      sid: grant.sid,
    });
    const refreshToken = issueRefreshToken(client, {
      poolId: pool.userPoolId,
      username: grant.username,
      scopes: grant.scopes,
      family,
      sid: grant.sid,
      authTime: grant.authTime,
    });
    await persist();
    return { ...tokens, refresh_token: refreshToken };
  }

  async function refreshTokenGrant(pool: LocalUserPool, client: IssuedClient, form: URLSearchParams) {
    const token = form.get('refresh_token');
    if (!token) throw new OAuthError(400, 'invalid_request', 'refresh_token is required');
    const record = refreshTokens[hashToken(token)];
    const now = nowSeconds();
    if (!record || record.poolId !== pool.userPoolId || record.clientId !== client.clientId) {
      throw invalidGrant('Invalid Refresh Token');
    }
    if (record.revoked) throw invalidGrant('Refresh Token has been revoked');
    if (record.expiresAt <= now) throw invalidGrant('Refresh Token has expired');
    const rotation = client.refreshRotation;
    if (rotation && record.usedAt !== undefined && now > record.usedAt + rotation.retryGraceSeconds) {
      // A spent token used again: someone holds a copy, so the whole family ends (RFC 9700 §4.14.2).
      revokeWhere((r) => r.family === record.family);
      await persist();
      throw invalidGrant('Refresh Token has been rotated and cannot be used again');
    }
    if (!lookupUser(pool.userPoolId, record.username)) throw invalidGrant('User does not exist');
    const tokens = await userTokens(pool, client, record.username, record.scopes, {
      authTime: record.authTime,
      sid: record.sid,
    });
    if (!rotation) return tokens;
    record.usedAt ??= now;
    const { usedAt: _spent, clientId: _client, ...family } = record;
    const next = issueRefreshToken(client, family);
    await persist();
    return { ...tokens, refresh_token: next };
  }

  /** The token endpoint's client: authenticated by its secret, or public (no secret) when it has none. */
  function authenticateClient(pool: LocalUserPool, request: IncomingMessage, form: URLSearchParams) {
    const viaBasic = /^Basic\s/i.test(String(request.headers.authorization ?? ''));
    const { clientId, clientSecret } = clientCredentials(request.headers.authorization, form);
    if (!clientId) throw new OAuthError(400, 'invalid_request', 'client_id is required');
    const client = clients.find((c) => c.userPoolId === pool.userPoolId && c.clientId === clientId);
    const secretOk =
      client !== undefined &&
      (client.clientSecret === undefined ? clientSecret === null : client.clientSecret === clientSecret);
    if (!client || !secretOk) {
      // RFC 6749 §5.2: 401 with a challenge when the client tried HTTP Basic.
      throw new OAuthError(
        viaBasic ? 401 : 400,
        'invalid_client',
        'Client authentication failed',
        viaBasic ? { 'www-authenticate': 'Basic realm="token"' } : {},
      );
    }
    return client;
  }

  async function readUrlEncoded(request: IncomingMessage): Promise<URLSearchParams> {
    const type = String(request.headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      request.resume();
      throw new OAuthError(400, 'invalid_request', 'Use Content-Type application/x-www-form-urlencoded');
    }
    return readForm(request);
  }

  async function token(pool: LocalUserPool, request: IncomingMessage) {
    const form = await readUrlEncoded(request);
    const grantType = form.get('grant_type');
    if (!grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    const client = authenticateClient(pool, request, form);
    switch (grantType) {
      case 'client_credentials':
        // Cognito: only confidential clients with the client_credentials flow enabled.
        if (!client.clientSecret || !client.flows.includes('client_credentials')) {
          throw new OAuthError(400, 'unauthorized_client', 'This client may not use client_credentials');
        }
        return clientToken(pool, client, form.get('scope'));
      case 'authorization_code':
        if (!client.flows.includes('code')) {
          throw new OAuthError(400, 'unauthorized_client', 'This client may not use authorization_code');
        }
        return authorizationCodeGrant(pool, client, form);
      case 'refresh_token':
        return refreshTokenGrant(pool, client, form);
      case 'password': {
        // A LOCAL CONVENIENCE, not a Cognito feature: Cognito signs users in with SRP or its hosted UI.
        // It lets every seeded role be tried from a terminal. Machine clients get no user tokens.
        if (client.flows.includes('client_credentials')) {
          throw new OAuthError(400, 'unauthorized_client', 'Machine clients cannot sign users in');
        }
        const username = form.get('username');
        const password = form.get('password');
        if (!username || password === null) {
          throw new OAuthError(400, 'invalid_request', 'username and password are required');
        }
        const user = users.find((u) => u.username === username);
        if (!user || user.password !== password) {
          throw new OAuthError(400, 'invalid_grant', 'Incorrect username or password.');
        }
        const allowed = client.scopes.length > 0 ? client.scopes : [COGNITO_ADMIN_SCOPE];
        const scopes = grantScopes(form.get('scope'), allowed);
        return userTokens(pool, client, user.username, scopes, { authTime: nowSeconds() });
      }
      default:
        throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
  }

  /** RFC 7009: the token and its whole family stop working; unknown tokens are not an error. */
  async function revoke(pool: LocalUserPool, request: IncomingMessage) {
    const form = await readUrlEncoded(request);
    const client = authenticateClient(pool, request, form);
    const token = form.get('token');
    if (!token) throw new OAuthError(400, 'invalid_request', 'token is required');
    const record = refreshTokens[hashToken(token)];
    if (record && record.clientId === client.clientId) {
      revokeWhere((r) => r.family === record.family);
      await persist();
    }
    return {};
  }

  async function userInfo(pool: LocalUserPool, request: IncomingMessage) {
    request.resume();
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
    const challenge = { 'www-authenticate': 'Bearer error="invalid_token"' };
    if (!bearer) throw new OAuthError(401, 'invalid_token', 'A Bearer access token is required', challenge);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(bearer, verifyKey, {
        issuer: issuerFor(pool.userPoolId),
        currentDate: new Date(nowMs()),
      }));
    } catch {
      throw new OAuthError(401, 'invalid_token', 'The access token is not valid', challenge);
    }
    const user = typeof claims.sub === 'string' ? lookupUser(pool.userPoolId, claims.sub) : undefined;
    if (!user || (pool.tokenShape !== 'oidc' && claims.token_use !== 'access')) {
      throw new OAuthError(401, 'invalid_token', 'The access token is not valid', challenge);
    }
    return {
      sub: user.sub,
      ...(pool.tokenShape === 'oidc' ? { preferred_username: user.username } : { username: user.username }),
      ...(user.attributes.email ? { email: user.attributes.email, email_verified: true } : {}),
      ...(user.attributes.name ? { name: user.attributes.name } : {}),
    };
  }

  function discovery(pool: LocalUserPool) {
    const issuer = issuerFor(pool.userPoolId);
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      token_endpoint: `${issuer}/oauth2/token`,
      userinfo_endpoint: `${issuer}/oauth2/userInfo`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      end_session_endpoint: `${issuer}/logout`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', 'password'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      ui_locales_supported: ['zh-CN', 'en'],
      scopes_supported: [
        ...new Set(['openid', 'email', 'profile', ...pool.clients.flatMap((c) => c.allowedOAuthScopes)]),
      ],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'sid',
        'email',
        'email_verified',
        'name',
        ...(pool.tokenShape === 'oidc'
          ? ['preferred_username', pool.groupsClaim ?? 'groups']
          : ['cognito:username', 'cognito:groups']),
      ],
    };
  }

  // ------------------------------------------------------------------------ browser sign-in and logout

  type Answer =
    | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
    | { kind: 'page'; page: Page; headers?: Record<string, string> }
    | { kind: 'redirect'; location: string; headers?: Record<string, string> };

  const cookieName = (poolId: string) => `skillcert_signin_${poolId.replace(/[^A-Za-z0-9_]/g, '_')}`;
  function sessionOf(pool: LocalUserPool, request: IncomingMessage): [string, SignInSession] | undefined {
    const wanted = cookieName(pool.userPoolId);
    for (const part of String(request.headers.cookie ?? '').split(';')) {
      const [name, value] = part.trim().split('=');
      if (name !== wanted || !value) continue;
      const session = sessions.get(value);
      if (session && session.poolId === pool.userPoolId && session.expiresAt > nowSeconds()) {
        return [value, session];
      }
    }
    return undefined;
  }
  const sessionCookie = (pool: LocalUserPool, sid: string, maxAge: number) =>
    `${cookieName(pool.userPoolId)}=${sid}; Path=/${pool.userPoolId}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}`;

  function withQuery(uri: string, params: Record<string, string | null | undefined>): string {
    const url = new URL(uri);
    for (const [k, v] of Object.entries(params))
      if (v !== null && v !== undefined) url.searchParams.set(k, v);
    return url.toString();
  }

  function issueCode(
    pool: LocalUserPool,
    signIn: PendingSignIn,
    sid: string,
    session: SignInSession,
  ): Answer {
    const code = randomBytes(32).toString('base64url');
    codes.set(code, {
      poolId: pool.userPoolId,
      clientId: signIn.clientId,
      username: session.username,
      redirectUri: signIn.redirectUri,
      codeChallenge: signIn.codeChallenge,
      nonce: signIn.nonce,
      scopes: signIn.scopes,
      sid,
      authTime: session.authTime,
      expiresAt: nowSeconds() + CODE_SECONDS,
      used: false,
    });
    return {
      kind: 'redirect',
      location: withQuery(signIn.redirectUri, { code, state: signIn.state }),
    };
  }

  function authorize(pool: LocalUserPool, request: IncomingMessage, query: URLSearchParams): Answer {
    request.resume();
    sweep();
    const lang = pageLanguage(
      query.get('ui_locales') ?? query.get('lang'),
      request.headers['accept-language'],
    );
    const client = clients.find(
      (c) => c.userPoolId === pool.userPoolId && c.clientId === query.get('client_id'),
    );
    // Until the client and its redirect URI are known good, errors are shown here, never redirected
    // (RFC 6749 §4.1.2.1): an open redirector would hand codes to whoever asks.
    if (!client) return { kind: 'page', page: errorPage(lang, 'badClient', 400) };
    const redirectUri = query.get('redirect_uri');
    if (!redirectRegistered(redirectUri, client.callbackUrls)) {
      return { kind: 'page', page: errorPage(lang, 'badRedirect', 400) };
    }
    const state = query.get('state');
    const refuse = (error: string, description: string): Answer => ({
      kind: 'redirect',
      location: withQuery(redirectUri, { error, error_description: description, state }),
    });
    if (query.get('response_type') !== 'code') {
      return refuse('unsupported_response_type', 'Only response_type=code is supported');
    }
    if (!client.flows.includes('code')) {
      return refuse('unauthorized_client', 'This client may not use the authorization code flow');
    }
    const challenge = query.get('code_challenge');
    if (!challenge) return refuse('invalid_request', 'code_challenge is required (PKCE)');
    if (query.get('code_challenge_method') !== 'S256') {
      return refuse('invalid_request', 'code_challenge_method must be S256; plain is refused');
    }
    if (!S256_CHALLENGE.test(challenge)) {
      return refuse('invalid_request', 'code_challenge must be 43 base64url characters (S256)');
    }
    let scopes: string[];
    try {
      scopes = grantScopes(query.get('scope'), client.scopes);
    } catch (error) {
      return refuse('invalid_scope', (error as Error).message);
    }
    if (!scopes.includes('openid')) return refuse('invalid_scope', 'The openid scope is required');
    const signIn: PendingSignIn = {
      poolId: pool.userPoolId,
      clientId: client.clientId,
      redirectUri,
      state,
      nonce: query.get('nonce'),
      codeChallenge: challenge,
      scopes,
      expiresAt: nowSeconds() + PENDING_SECONDS,
    };
    const prompt = (query.get('prompt') ?? '').split(' ');
    const existing = sessionOf(pool, request);
    if (existing && !prompt.includes('login')) return issueCode(pool, signIn, existing[0], existing[1]);
    if (prompt.includes('none')) return refuse('login_required', 'The user is not signed in');
    const requestId = randomBytes(24).toString('base64url');
    pending.set(requestId, signIn);
    return {
      kind: 'redirect',
      location: `${issuerFor(pool.userPoolId)}/login?${new URLSearchParams({ request_id: requestId, lang })}`,
    };
  }

  function formFor(pool: LocalUserPool, requestId: string, signIn: PendingSignIn, lang: PageLanguage) {
    const login = `${issuerFor(pool.userPoolId)}/login`;
    const other: PageLanguage = lang === 'zh-CN' ? 'en' : 'zh-CN';
    return {
      lang,
      action: login,
      requestId,
      switchHref: `${login}?${new URLSearchParams({ request_id: requestId, lang: other })}`,
      redirectOrigin: new URL(signIn.redirectUri).origin,
    };
  }

  async function login(
    pool: LocalUserPool,
    request: IncomingMessage,
    query: URLSearchParams,
  ): Promise<Answer> {
    sweep();
    if (request.method !== 'POST') request.resume();
    const form = request.method === 'POST' ? await readUrlEncoded(request) : query;
    const lang = pageLanguage(form.get('lang'), request.headers['accept-language']);
    const requestId = form.get('request_id') ?? '';
    const signIn = pending.get(requestId);
    if (!signIn || signIn.poolId !== pool.userPoolId) {
      return { kind: 'page', page: errorPage(lang, 'expired', 400) };
    }
    const base = formFor(pool, requestId, signIn, lang);
    if (request.method !== 'POST') return { kind: 'page', page: loginPage(base) };

    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    if (!username || !password) {
      return { kind: 'page', page: loginPage({ ...base, username, message: 'missing', status: 400 }) };
    }
    const now = nowSeconds();
    const record = failures.get(username);
    if (record && record.lockedUntil > now) {
      const lockedMinutes = Math.ceil((record.lockedUntil - now) / 60);
      return {
        kind: 'page',
        page: loginPage({ ...base, username, message: 'lockedOut', lockedMinutes, status: 429 }),
      };
    }
    const user = users.find((u) => u.username === username);
    if (!user || user.password !== password || !lookupUser(pool.userPoolId, username)) {
      const count = (record?.count ?? 0) + 1;
      failures.set(username, {
        count: count >= MAX_FAILED_SIGN_INS ? 0 : count,
        lockedUntil: count >= MAX_FAILED_SIGN_INS ? now + LOCKOUT_SECONDS : 0,
      });
      return { kind: 'page', page: loginPage({ ...base, username, message: 'badCredentials', status: 401 }) };
    }
    failures.delete(username);
    pending.delete(requestId);
    const sid = randomBytes(24).toString('base64url');
    const session: SignInSession = {
      poolId: pool.userPoolId,
      username,
      authTime: now,
      expiresAt: now + SESSION_SECONDS,
    };
    sessions.set(sid, session);
    const answer = issueCode(pool, signIn, sid, session);
    return { ...answer, headers: { 'set-cookie': sessionCookie(pool, sid, SESSION_SECONDS) } };
  }

  /**
   * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), also answering Cognito's /logout
   * parameters (client_id, logout_uri): the sign-in session ends, and so does every refresh token issued
   * in it; then back to the app's registered logout URL, or a signed-out page.
   */
  async function logout(
    pool: LocalUserPool,
    request: IncomingMessage,
    query: URLSearchParams,
  ): Promise<Answer> {
    request.resume();
    const lang = pageLanguage(query.get('ui_locales'), request.headers['accept-language']);
    let hintSid: string | undefined;
    let hintClient: string | undefined;
    const hint = query.get('id_token_hint');
    if (hint) {
      try {
        // An expired ID token is still a fine hint of who is signing out (RP-Initiated Logout §2).
        const { payload } = await jwtVerify(hint, verifyKey, {
          issuer: issuerFor(pool.userPoolId),
          currentDate: new Date(0),
        });
        hintSid = typeof payload.sid === 'string' ? payload.sid : undefined;
        hintClient = typeof payload.aud === 'string' ? payload.aud : undefined;
      } catch {
        return { kind: 'page', page: errorPage(lang, 'badClient', 400) };
      }
    }
    const clientId = query.get('client_id') ?? hintClient;
    const redirect = query.get('post_logout_redirect_uri') ?? query.get('logout_uri');
    const client = clients.find((c) => c.userPoolId === pool.userPoolId && c.clientId === clientId);
    if (redirect !== null) {
      if (!client) return { kind: 'page', page: errorPage(lang, 'badClient', 400) };
      if (!redirectRegistered(redirect, client.logoutUrls)) {
        return { kind: 'page', page: errorPage(lang, 'badRedirect', 400) };
      }
    }
    const current = sessionOf(pool, request);
    const ended = new Set([current?.[0], hintSid].filter((s): s is string => Boolean(s)));
    for (const sid of ended) sessions.delete(sid);
    if (revokeWhere((r) => ended.has(r.sid)) > 0) await persist();
    const headers = { 'set-cookie': sessionCookie(pool, '', 0) };
    if (redirect === null) return { kind: 'page', page: signedOutPage(lang), headers };
    return { kind: 'redirect', location: withQuery(redirect, { state: query.get('state') }), headers };
  }

  /** Origins of the registered redirect URIs: the apps whose scripts may call the token endpoint. */
  const appOrigins = new Set(
    clients
      .flatMap((c) => [...c.callbackUrls, ...c.logoutUrls])
      .map((u) => {
        try {
          return new URL(u).origin;
        } catch {
          return '';
        }
      }),
  );
  function corsHeaders(request: IncomingMessage, path: string): Record<string, string> {
    const origin = request.headers.origin;
    if (!origin) return {};
    // Discovery and keys are public documents; the token endpoints answer only the registered apps.
    if (path.startsWith('/.well-known/')) return { 'access-control-allow-origin': '*' };
    return appOrigins.has(origin) ? { 'access-control-allow-origin': origin, vary: 'origin' } : {};
  }

  const routes: Record<
    string,
    { methods: string[]; run: (p: LocalUserPool, r: IncomingMessage, q: URLSearchParams) => Promise<Answer> }
  > = {
    '/.well-known/openid-configuration': {
      methods: ['GET'],
      run: async (p) => ({ kind: 'json', status: 200, body: discovery(p) }),
    },
    '/.well-known/jwks.json': {
      methods: ['GET'],
      run: async () => ({ kind: 'json', status: 200, body: jwks }),
    },
    '/oauth2/token': {
      methods: ['POST'],
      run: async (p, r) => ({ kind: 'json', status: 200, body: await token(p, r) }),
    },
    '/oauth2/revoke': {
      methods: ['POST'],
      run: async (p, r) => ({ kind: 'json', status: 200, body: await revoke(p, r) }),
    },
    '/oauth2/userInfo': {
      methods: ['GET'],
      run: async (p, r) => ({ kind: 'json', status: 200, body: await userInfo(p, r) }),
    },
    '/oauth2/authorize': { methods: ['GET'], run: async (p, r, q) => authorize(p, r, q) },
    '/login': { methods: ['GET', 'POST'], run: login },
    '/logout': { methods: ['GET'], run: logout },
  };

  server.on('request', async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', baseUrl);
    const [, poolId, ...rest] = url.pathname.split('/');
    const path = `/${rest.join('/')}`;
    const cors = corsHeaders(request, path);
    try {
      const pool = options.userPools.find((p) => p.userPoolId === poolId);
      const route = routes[path];
      if (!pool || !route) {
        request.resume();
        throw new OAuthError(404, 'not_found', pool ? `No ${path} here` : 'Unknown user pool');
      }
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
        request.resume();
        response.writeHead(204, {
          ...cors,
          ...(cors['access-control-allow-origin']
            ? {
                'access-control-allow-methods': route.methods.join(','),
                'access-control-allow-headers': 'authorization,content-type',
                'access-control-max-age': '600',
              }
            : {}),
        });
        response.end();
        return;
      }
      if (!route.methods.includes(request.method ?? '')) {
        request.resume();
        throw new OAuthError(405, 'invalid_request', `Use ${route.methods.join(' or ')}`, {
          allow: route.methods.join(', '),
        });
      }
      const answer = await route.run(pool, request, url.searchParams);
      if (answer.kind === 'json') {
        sendJson(response, answer.status, answer.body, { ...cors, ...answer.headers });
      } else if (answer.kind === 'page') {
        response.writeHead(answer.page.status, {
          ...answer.page.headers,
          ...answer.headers,
          'content-length': String(Buffer.byteLength(answer.page.body)),
        });
        response.end(answer.page.body);
      } else {
        // 303: the browser follows a POSTed form's redirect with a GET.
        response.writeHead(request.method === 'POST' ? 303 : 302, {
          location: answer.location,
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
          ...answer.headers,
        });
        response.end();
      }
    } catch (error) {
      if (error instanceof OAuthError) {
        sendJson(
          response,
          error.status,
          { error: error.error, error_description: error.message },
          { ...cors, ...error.headers },
        );
      } else {
        sendJson(response, 500, { error: 'server_error' }, cors);
      }
    }
  });

  return {
    baseUrl,
    issuerFor,
    kid,
    clients,
    devUsers: users.map((u) => ({
      username: u.username,
      password: u.password,
      groups: u.groups,
      name: u.name,
    })),
    subjectOf,
    lookupUser,
    mintToken,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await saving;
    },
  };
}
