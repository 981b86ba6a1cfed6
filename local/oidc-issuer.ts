// A local OIDC issuer standing in for Cognito: discovery, JWKS and a token endpoint per user pool, with
// Cognito's claim shapes. Keys, client secrets and user ids persist under dataDir so tokens and
// printed credentials survive a restart of `npm start`.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
import { DEV_USERS, type DevUser } from './dev-identities.js';
import type { LocalUserPool, LocalUserPoolClient } from './model.js';

export interface OidcIssuerOptions {
  port?: number;
  /** Undefined: keys and secrets live in memory only (tests). */
  dataDir?: string;
  userPools: LocalUserPool[];
  region: string;
  users?: DevUser[];
  /** Access and ID token lifetime (Cognito's default is one hour). */
  tokenLifetimeSeconds?: number;
}

export interface IssuedClient {
  userPoolId: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  flows: string[];
}

interface PersistedState {
  privateJwk: JWK;
  secrets: Record<string, string>;
}

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

const USER_SCOPES = ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'];

/** Stable per-username subject, like Cognito's immutable `sub`. */
function subjectOf(userPoolId: string, username: string): string {
  const h = createHash('sha256').update(`${userPoolId}/${username}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function loadState(dataDir: string | undefined): Promise<PersistedState> {
  const file = dataDir ? join(dataDir, 'oidc-issuer.json') : undefined;
  if (file) {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as PersistedState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const state: PersistedState = { privateJwk: await exportJWK(privateKey), secrets: {} };
  if (file && dataDir) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(state), { mode: 0o600 });
  }
  return state;
}

function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.length > 64 * 1024) {
        reject(new OAuthError(400, 'invalid_request', 'Request too large'));
        request.destroy();
      }
    });
    request.on('end', () => resolve(new URLSearchParams(text)));
    request.on('error', reject);
  });
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}

export async function startOidcIssuer(options: OidcIssuerOptions) {
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const users = options.users ?? DEV_USERS;
  const state = await loadState(options.dataDir);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = state.privateJwk;
  const kid = await calculateJwkThumbprint(publicJwk);
  const signingKey = await importJWK(state.privateJwk, 'RS256');
  const jwks = { keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] };

  // Secrets for confidential clients: generated once per data folder, as Cognito generates them once.
  let secretsChanged = false;
  const clients: IssuedClient[] = options.userPools.flatMap((pool) =>
    pool.clients.map((client: LocalUserPoolClient) => {
      let secret: string | undefined;
      if (client.generateSecret) {
        secret = state.secrets[client.clientId];
        if (!secret) {
          secret = randomBytes(24).toString('base64url');
          state.secrets[client.clientId] = secret;
          secretsChanged = true;
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
  if (secretsChanged && options.dataDir) {
    await writeFile(join(options.dataDir, 'oidc-issuer.json'), JSON.stringify(state), { mode: 0o600 });
  }

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const issuerFor = (userPoolId: string) => `${baseUrl}/${userPoolId}`;

  /** Signs any claims with the issuer's key; tests use it to make expired or odd tokens. */
  async function mintToken(claims: JWTPayload, header: { kid?: string } = {}): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid ?? kid }).sign(signingKey);
  }

  async function userTokens(pool: LocalUserPool, client: IssuedClient, user: DevUser) {
    const now = Math.floor(Date.now() / 1000);
    const sub = subjectOf(pool.userPoolId, user.username);
    const common = { sub, iss: issuerFor(pool.userPoolId), auth_time: now, iat: now, exp: now + lifetime };
    const groups = user.groups.filter((g) => pool.groups.includes(g));
    const eventId = randomUUID();
    const accessToken = await mintToken({
      ...common,
      'cognito:groups': groups,
      client_id: client.clientId,
      origin_jti: randomUUID(),
      event_id: eventId,
      token_use: 'access',
      scope: USER_SCOPES.join(' '),
      jti: randomUUID(),
      username: user.username,
      version: 2,
    });
    const idToken = await mintToken({
      ...common,
      aud: client.clientId,
      'cognito:groups': groups,
      'cognito:username': user.username,
      token_use: 'id',
      event_id: eventId,
      email: user.email,
      email_verified: true,
      name: user.name,
      'custom:employer': user.employer,
      'custom:trainingOrg': user.trainingOrg,
      jti: randomUUID(),
    });
    return { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: lifetime };
  }

  async function clientToken(pool: LocalUserPool, client: IssuedClient, requested: string | null) {
    const scopes = requested ? requested.split(/\s+/).filter(Boolean) : client.scopes;
    const unknown = scopes.filter((s) => !client.scopes.includes(s));
    if (unknown.length > 0 || scopes.length === 0) {
      throw new OAuthError(
        400,
        'invalid_scope',
        `Scopes not allowed for this client: ${unknown.join(' ') || '(none)'}`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await mintToken({
      sub: client.clientId,
      iss: issuerFor(pool.userPoolId),
      client_id: client.clientId,
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: now,
      iat: now,
      exp: now + lifetime,
      jti: randomUUID(),
      version: 2,
    });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime };
  }

  async function token(pool: LocalUserPool, request: IncomingMessage) {
    const type = String(request.headers['content-type'] ?? '');
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthError(400, 'invalid_request', 'Use Content-Type application/x-www-form-urlencoded');
    }
    const form = await readForm(request);
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = /^Basic (.+)$/i.exec(String(request.headers.authorization ?? ''));
    if (basic?.[1]) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId = id ?? null;
      clientSecret = secret ?? null;
    }
    const client = clients.find((c) => c.userPoolId === pool.userPoolId && c.clientId === clientId);
    if (!client || (client.clientSecret !== undefined && client.clientSecret !== clientSecret)) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed');
    }
    switch (form.get('grant_type')) {
      case 'client_credentials':
        if (!client.flows.includes('client_credentials')) {
          throw new OAuthError(400, 'unauthorized_client', 'This client may not use client_credentials');
        }
        return clientToken(pool, client, form.get('scope'));
      case 'password': {
        // Local convenience for trying every role from a terminal; Cognito uses SRP or the hosted UI.
        const user = users.find((u) => u.username === form.get('username'));
        if (!user || user.password !== form.get('password')) {
          throw new OAuthError(400, 'invalid_grant', 'Incorrect username or password');
        }
        return userTokens(pool, client, user);
      }
      case null:
        throw new OAuthError(400, 'invalid_request', 'grant_type is required');
      default:
        throw new OAuthError(
          400,
          'unsupported_grant_type',
          `grant_type ${form.get('grant_type')} is not supported`,
        );
    }
  }

  server.on('request', async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', baseUrl);
      const [, poolId, ...rest] = url.pathname.split('/');
      const pool = options.userPools.find((p) => p.userPoolId === poolId);
      const path = `/${rest.join('/')}`;
      if (!pool)
        return sendJson(response, 404, { error: 'not_found', error_description: 'Unknown user pool' });
      if (request.method === 'GET' && path === '/.well-known/openid-configuration') {
        const issuer = issuerFor(pool.userPoolId);
        return sendJson(response, 200, {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          token_endpoint: `${issuer}/oauth2/token`,
          authorization_endpoint: `${issuer}/oauth2/authorize`,
          response_types_supported: ['code', 'token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          grant_types_supported: ['client_credentials', 'password'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        });
      }
      if (request.method === 'GET' && path === '/.well-known/jwks.json') return sendJson(response, 200, jwks);
      if (request.method === 'POST' && path === '/oauth2/token')
        return sendJson(response, 200, await token(pool, request));
      return sendJson(response, 404, {
        error: 'not_found',
        error_description: `No ${request.method} ${path}`,
      });
    } catch (error) {
      if (error instanceof OAuthError) {
        return sendJson(
          response,
          error.status,
          { error: error.error, error_description: error.message },
          error.status === 401 ? { 'www-authenticate': 'Basic realm="token"' } : {},
        );
      }
      return sendJson(response, 500, { error: 'server_error' });
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
    mintToken,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
