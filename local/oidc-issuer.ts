// A local OIDC issuer standing in for Cognito: discovery, JWKS and a token endpoint per user pool, with
// Cognito's claim shapes. The RS256 key, client secrets and therefore user subjects persist under
// dataDir, so tokens and printed credentials survive a restart of `npm start`.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
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
  SignJWT,
} from 'jose';
import { cognitoAttributesOf, DEV_USERS, type DevUser } from './dev-identities.js';
import type { LocalUserPool } from './model.js';

export interface OidcIssuerOptions {
  port?: number;
  /** Undefined: key and secrets live in memory only (tests). */
  dataDir?: string;
  userPools: LocalUserPool[];
  region: string;
  /** The people who may sign in with grant_type=password; the seeded dev identities by default. */
  users?: DevUser[];
  /** Access and ID token lifetime (Cognito's default is one hour). */
  tokenLifetimeSeconds?: number;
}

export interface IssuedClient {
  userPoolId: string;
  clientId: string;
  /** Only for confidential clients (generateSecret in the template); persisted per data folder. */
  clientSecret?: string;
  scopes: string[];
  flows: string[];
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
      const { privateJwk, secrets } = JSON.parse(await readFile(file, 'utf8')) as Partial<PersistedState>;
      if (privateJwk?.kty === 'RSA') return { state: { privateJwk, secrets: secrets ?? {} }, fresh: false };
      throw new Error(`${file} holds no RSA private key; delete it to start with a new key`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return { state: { privateJwk: await exportJWK(privateKey), secrets: {} }, fresh: true };
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
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const users = options.users ?? DEV_USERS;
  const { state, fresh } = await loadState(options.dataDir);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = state.privateJwk;
  const kid = await calculateJwkThumbprint(publicJwk);
  const signingKey = await importJWK(state.privateJwk, 'RS256');
  const jwks = { keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] };

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
      };
    }),
  );
  if (changed && options.dataDir) await saveState(options.dataDir, state);

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

  async function userTokens(pool: LocalUserPool, client: IssuedClient, user: DevUser, scope: string | null) {
    const allowed = client.scopes.length > 0 ? client.scopes : [COGNITO_ADMIN_SCOPE];
    const scopes = grantScopes(scope, allowed);
    const found = lookupUser(pool.userPoolId, user.username) as IssuerUser;
    const now = Math.floor(Date.now() / 1000);
    if (pool.tokenShape === 'oidc') return standardUserTokens(pool, client, found, scopes, now);
    const common = {
      sub: found.sub,
      iss: issuerFor(pool.userPoolId),
      ...(found.groups.length > 0 ? { 'cognito:groups': found.groups } : {}),
      origin_jti: randomUUID(),
      event_id: randomUUID(),
      auth_time: now,
      iat: now,
      exp: now + lifetime,
    };
    const accessToken = await mintToken({
      ...common,
      client_id: client.clientId,
      token_use: 'access',
      scope: scopes.join(' '),
      jti: randomUUID(),
      username: user.username,
      version: 2,
    });
    const idToken = await mintToken({
      ...common,
      aud: client.clientId,
      'cognito:username': user.username,
      token_use: 'id',
      jti: randomUUID(),
      // Cognito puts attributes in the ID token with their own types: email_verified is a boolean.
      ...Object.fromEntries(
        Object.entries(found.attributes).map(([k, v]) => [k, k === 'email_verified' ? v === 'true' : v]),
      ),
    });
    return { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: lifetime };
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
  ) {
    const groups = user.groups.map((g) => pool.groupNames?.[g] ?? g);
    const common = {
      sub: user.sub,
      iss: issuerFor(pool.userPoolId),
      aud: client.clientId,
      azp: client.clientId,
      preferred_username: user.username,
      ...(groups.length > 0 ? { [pool.groupsClaim ?? 'groups']: groups } : {}),
      auth_time: now,
      iat: now,
      exp: now + lifetime,
    };
    const accessToken = await mintToken({
      ...common,
      client_id: client.clientId,
      scope: scopes.join(' '),
      jti: randomUUID(),
    });
    const idToken = await mintToken({
      ...common,
      jti: randomUUID(),
      ...(user.attributes.email ? { email: user.attributes.email, email_verified: true } : {}),
      ...(user.attributes.name ? { name: user.attributes.name } : {}),
    });
    return { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: lifetime };
  }

  async function clientToken(pool: LocalUserPool, client: IssuedClient, scope: string | null) {
    const scopes = grantScopes(scope, client.scopes);
    const now = Math.floor(Date.now() / 1000);
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

  async function token(pool: LocalUserPool, request: IncomingMessage) {
    const type = String(request.headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      request.resume();
      throw new OAuthError(400, 'invalid_request', 'Use Content-Type application/x-www-form-urlencoded');
    }
    const form = await readForm(request);
    const viaBasic = /^Basic\s/i.test(String(request.headers.authorization ?? ''));
    const { clientId, clientSecret } = clientCredentials(request.headers.authorization, form);
    const grantType = form.get('grant_type');
    if (!grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
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
    switch (grantType) {
      case 'client_credentials':
        // Cognito: only confidential clients with the client_credentials flow enabled.
        if (!client.clientSecret || !client.flows.includes('client_credentials')) {
          throw new OAuthError(400, 'unauthorized_client', 'This client may not use client_credentials');
        }
        return clientToken(pool, client, form.get('scope'));
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
        return userTokens(pool, client, user, form.get('scope'));
      }
      default:
        throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
  }

  function discovery(pool: LocalUserPool) {
    const issuer = issuerFor(pool.userPoolId);
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer}/oauth2/token`,
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      response_types_supported: ['code', 'token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      grant_types_supported: ['client_credentials', 'password'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: [
        ...new Set(['openid', 'email', 'profile', ...pool.clients.flatMap((c) => c.allowedOAuthScopes)]),
      ],
      claims_supported: ['sub', 'iss', 'aud', 'email', 'email_verified', 'name', 'cognito:username'],
    };
  }

  server.on('request', async (request: IncomingMessage, response: ServerResponse) => {
    try {
      const url = new URL(request.url ?? '/', baseUrl);
      const [, poolId, ...rest] = url.pathname.split('/');
      const pool = options.userPools.find((p) => p.userPoolId === poolId);
      const path = `/${rest.join('/')}`;
      const routes: Record<string, { method: string; run: (p: LocalUserPool) => Promise<unknown> }> = {
        '/.well-known/openid-configuration': { method: 'GET', run: async (p) => discovery(p) },
        '/.well-known/jwks.json': { method: 'GET', run: async () => jwks },
        '/oauth2/token': { method: 'POST', run: (p) => token(p, request) },
      };
      const route = routes[path];
      if (!pool || !route) {
        request.resume();
        throw new OAuthError(404, 'not_found', pool ? `No ${path} here` : 'Unknown user pool');
      }
      if (request.method !== route.method) {
        request.resume();
        throw new OAuthError(405, 'invalid_request', `Use ${route.method}`, { allow: route.method });
      }
      sendJson(response, 200, await route.run(pool));
    } catch (error) {
      if (error instanceof OAuthError) {
        sendJson(
          response,
          error.status,
          { error: error.error, error_description: error.message },
          error.headers,
        );
      } else {
        sendJson(response, 500, { error: 'server_error' });
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
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
