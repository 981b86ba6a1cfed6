// The main stack's HTTP API on the local cloud with real tokens from the local issuer: the JWT
// authorizer accepts and refuses as API Gateway does, and the published keys verify a signature made
// through the Signer port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSigner } from '../../functions/adapters/local-signer.js';
import { signCompactJws } from '../../functions/shared/signing.js';
import { buildApp } from '../../lib/app.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { synthesizeStack } from '../../local/synth.js';

let root: string;
let cloud: LocalCloud;
let issuer: string;
let webClientId: string;
let partner: { clientId: string; clientSecret: string };

async function token(form: Record<string, string>, basic?: string) {
  const response = await fetch(`${issuer}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
    },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function userToken(username: string, password: string) {
  const { body } = await token({ grant_type: 'password', client_id: webClientId, username, password });
  return body.access_token as string;
}

async function me(bearer?: string) {
  const response = await fetch(`${cloud.endpoints.api}/me`, {
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skillcert-api-'));
  const stack = synthesizeStack(buildApp({ outdir: join(root, 'cdk.out'), region: 'neijiang' }));
  cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
  });
  const [pool] = cloud.model.userPools;
  issuer = pool?.issuer as string;
  webClientId = pool?.clients.find((c) => !c.generateSecret)?.clientId as string;
  const secretClient = cloud.oidc.clients.find((c) => c.clientSecret);
  partner = {
    clientId: secretClient?.clientId as string,
    clientSecret: secretClient?.clientSecret as string,
  };
});

afterAll(async () => {
  await cloud?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('tokens from the local issuer', () => {
  it('carry Cognito access-token claims for a user', async () => {
    const result = await me(await userToken('zhangwei', 'Candidate-123!'));
    expect(result).toMatchObject({
      status: 200,
      body: { username: 'zhangwei', groups: ['candidates'], clientId: webClientId },
    });
    expect(result.body.sub).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('give a partner client only the scopes it asks for, within what it is allowed', async () => {
    const ok = await token(
      { grant_type: 'client_credentials', scope: 'skillcert/verify' },
      `${partner.clientId}:${partner.clientSecret}`,
    );
    expect(ok.status).toBe(200);
    const partnerMe = await me(ok.body.access_token);
    expect(partnerMe.body).toMatchObject({
      groups: [],
      scopes: ['skillcert/verify'],
      clientId: partner.clientId,
    });
    const tooMuch = await token(
      { grant_type: 'client_credentials', scope: 'skillcert/admin' },
      `${partner.clientId}:${partner.clientSecret}`,
    );
    expect(tooMuch).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('refuse a wrong client secret, a wrong password and an unknown grant', async () => {
    expect(await token({ grant_type: 'client_credentials' }, `${partner.clientId}:wrong`)).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect(
      await token({ grant_type: 'password', client_id: webClientId, username: 'zhangwei', password: 'nope' }),
    ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await token({ grant_type: 'implicit', client_id: webClientId })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
  });
});

describe('the JWT authorizer', () => {
  it('refuses a missing, expired, tampered, foreign or wrong-audience token with 401', async () => {
    const valid = await userToken('liumin', 'Admin-123456!');
    const now = Math.floor(Date.now() / 1000);
    const expired = await cloud.oidc.mintToken({
      sub: 'x',
      iss: issuer,
      client_id: webClientId,
      token_use: 'access',
      iat: now - 7200,
      exp: now - 3600,
    });
    const wrongIssuer = await cloud.oidc.mintToken({
      sub: 'x',
      iss: `${issuer}-elsewhere`,
      client_id: webClientId,
      iat: now,
      exp: now + 600,
    });
    const wrongAudience = await cloud.oidc.mintToken({
      sub: 'x',
      iss: issuer,
      client_id: 'someone-else',
      iat: now,
      exp: now + 600,
    });
    const [header, payload, signature] = valid.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
    const tampered = [
      header,
      Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admins', 'assessors'] })).toString(
        'base64url',
      ),
      signature,
    ].join('.');
    const { privateKey } = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ client_id: webClientId, sub: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: cloud.oidc.kid })
      .setIssuer(issuer)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);

    expect((await me(valid)).status).toBe(200);
    for (const bad of [undefined, expired, wrongIssuer, wrongAudience, tampered, foreign, 'not-a-jwt']) {
      const result = await me(bad);
      expect(result).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    }
  });

  it('leaves public routes open and answers unknown routes 404 as API Gateway does', async () => {
    expect((await fetch(`${cloud.endpoints.api}/.well-known/did.json`)).status).toBe(200);
    const missing = await fetch(`${cloud.endpoints.api}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
  });
});

describe('published keys', () => {
  it('verify a JWS signed through the Signer port, independently of our code', async () => {
    const key = cloud.model.signingKeys.find((k) => k.keyUsage === 'SIGN_VERIFY');
    const signer = new LocalSigner(cloud.keysDir, key?.keyId as string);
    const did = 'did:web:neijiang.skillcert.example';
    const jws = await signCompactJws(signer, did, { hello: '内江' }, 'vc+jwt');

    const jwks = (await (await fetch(`${cloud.endpoints.api}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: jwks.keys[0]?.kid, typ: 'vc+jwt' });
    const { payload } = await compactVerify(jws, createLocalJWKSet(jwks as never));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ hello: '内江' });

    const did_ = (await (await fetch(`${cloud.endpoints.api}/.well-known/did.json`)).json()) as {
      id: string;
      assertionMethod: string[];
    };
    expect(did_.id).toBe(did);
    expect(did_.assertionMethod).toEqual([jwks.keys[0]?.kid]);
  });
});
