// The signing-key ledger around the Signer port and the public-keys routes, on an in-memory ledger with
// the DynamoDB adapter's conditional semantics; the adapter itself runs against DynamoDB Local in
// tests/integration/key-rotation.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalSigner } from '../../../functions/adapters/local-signer.js';
import { SUPERSEDED_GRACE_MS } from '../../../functions/domain/signing-keys.js';
import { verifyCredential } from '../../../functions/domain/verification.js';
import { publicKeysHandler } from '../../../functions/handlers/public-keys.js';
import { signingKeysAdminHandler } from '../../../functions/handlers/signing-keys-admin-api.js';
import { signCompactJws } from '../../../functions/shared/signing.js';
import {
  LEDGER_RECHECK_MS,
  LedgeredSigner,
  RegionSigningKeys,
  SigningKeyRefused,
} from '../../../functions/shared/signing-keys.js';
import { MemoryLedger } from '../../support/memory-ledger.js';
import { clock } from '../../support/test-keys.js';

const DID = 'did:web:neijiang.skillcert.example';

const dir = await mkdtemp(join(tmpdir(), 'signing-keys-'));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const credential = (validFrom: Date) => ({
  issuer: { id: DID },
  validFrom: validFrom.toISOString(),
  credentialSubject: { name: '张伟' },
});

describe('LedgeredSigner', () => {
  it('records a key before its first signature, once, and closes the previous key’s window after the grace', async () => {
    const ledger = new MemoryLedger();
    const time = clock('2026-05-01T08:00:00.000Z');
    const g1 = new LocalSigner(dir, 'g1');
    // Several containers sign at once for the first time: they agree on one record.
    const containers = [1, 2, 3].map(() => new LedgeredSigner(g1, ledger, DID, time.now, { generation: 1 }));
    await Promise.all(containers.map((s) => s.sign(new Uint8Array([1]))));
    expect(ledger.items.size).toBe(1);
    expect(ledger.writes).toBe(1);
    const [first] = await ledger.list();
    expect(first).toMatchObject({
      thumbprint: await g1.keyId(),
      kid: `${DID}#${await g1.keyId()}`,
      generation: 1,
    });
    expect(first).not.toHaveProperty('signsFrom');

    time.advance(86_400_000);
    const g2 = new LedgeredSigner(new LocalSigner(dir, 'g2'), ledger, DID, time.now, { generation: 2 });
    await Promise.all([g2.sign(new Uint8Array([2])), g2.sign(new Uint8Array([3]))]);
    expect((await ledger.get(await g2.keyId()))?.signsFrom).toBe(
      new Date(time.now().getTime() - 60_000).toISOString(),
    );
    // The old window stays open while the new generation settles (a failed deployment may roll back).
    expect((await ledger.get(await g1.keyId()))?.signsUntil).toBeUndefined();
    time.advance(SUPERSEDED_GRACE_MS);
    await g2.sign(new Uint8Array([3]));
    const g1Record = await ledger.get(await g1.keyId());
    expect(g1Record?.signsUntil).toBe(new Date(time.now().getTime() + SUPERSEDED_GRACE_MS).toISOString());

    // An old container keeps signing through the grace, then refuses.
    const [old] = containers;
    await expect(old?.sign(new Uint8Array([4]))).resolves.toHaveLength(64);
    time.advance(SUPERSEDED_GRACE_MS);
    await expect(old?.sign(new Uint8Array([5]))).rejects.toThrow(/was retired/);
  });

  it('refuses to sign once its key is declared compromised, within the recheck interval', async () => {
    const ledger = new MemoryLedger();
    const time = clock('2026-05-01T08:00:00.000Z');
    const inner = new LocalSigner(dir, 'compromised');
    const signer = new LedgeredSigner(inner, ledger, DID, time.now);
    await signer.sign(new Uint8Array([1]));
    await ledger.markCompromised(await inner.keyId(), time.now().toISOString(), 'key file copied');
    time.advance(LEDGER_RECHECK_MS);
    const refusal = signer.sign(new Uint8Array([2]));
    await expect(refusal).rejects.toBeInstanceOf(SigningKeyRefused);
    await expect(refusal).rejects.toThrow(/declared compromised .* \(key file copied\)/);
  });
});

function event(routeKey: string, extra: Partial<APIGatewayProxyEventV2> & { groups?: string[] } = {}) {
  const [, rawPath = ''] = routeKey.split(' ');
  const { groups, ...rest } = extra;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      requestId: 'r',
      http: { method: routeKey.split(' ')[0], path: rawPath },
      ...(groups
        ? { authorizer: { jwt: { claims: { sub: 's-1', 'cognito:groups': groups }, scopes: [] } } }
        : {}),
    } as never,
    ...rest,
  } as APIGatewayProxyEventV2;
}
const context = { awsRequestId: 'req-1', functionName: 'test' } as Context;

describe('the public-keys routes', () => {
  const ledger = new MemoryLedger();
  const time = clock('2026-05-01T08:00:00.000Z');
  const g1 = new LocalSigner(join(dir, 'routes'), 'g1');
  const g2 = new LocalSigner(join(dir, 'routes'), 'g2');
  let active: LocalSigner = g1;
  // As deployed: the public function's keys never record; the admin function's record on an empty ledger.
  const keysOf = (recordWhenEmpty: boolean) => () =>
    new RegionSigningKeys({ signer: active, ledger, issuerDid: DID, now: time.now, recordWhenEmpty });
  const publicHandler = publicKeysHandler(keysOf(false), () => DID);
  const adminHandler = signingKeysAdminHandler(keysOf(true));
  const call = async (routeKey: string, extra: Parameters<typeof event>[1] = {}) => {
    const handler = routeKey.includes(' /admin/') ? adminHandler : publicHandler;
    const answer = await handler(event(routeKey, extra), context);
    return { status: answer.statusCode, body: JSON.parse(answer.body as string), headers: answer.headers };
  };
  const compromise = (thumbprint: string, body: unknown, groups = ['admins']) =>
    call('POST /admin/signing-keys/{thumbprint}/compromise', {
      pathParameters: { thumbprint },
      body: JSON.stringify(body),
      groups,
    });

  it('keeps certificates verifiable across a rotation and voids what a compromised key signed after the compromise', async () => {
    // Serving the key set writes nothing, even on an empty ledger: the active key is published from KMS.
    const first = await call('GET /.well-known/jwks.json');
    expect(first.status).toBe(200);
    expect(first.headers).toMatchObject({ 'content-type': 'application/jwk-set+json' });
    expect(first.body.keys).toHaveLength(1);
    expect((await call('GET /.well-known/did.json')).status).toBe(200);
    expect(ledger.items.size).toBe(0);
    // The admin list records it (for certificates signed before the ledger existed).
    expect((await call('GET /admin/signing-keys', { groups: ['admins'] })).status).toBe(200);
    expect(ledger.items.size).toBe(1);

    const signer1 = new LedgeredSigner(g1, ledger, DID, time.now, { generation: 1 });
    const before = await signCompactJws(signer1, DID, credential(time.now()), 'vc+jwt');
    time.advance(3_600_000);
    const after = await signCompactJws(signer1, DID, credential(time.now()), 'vc+jwt');

    // Rotate: the new key is published before it signs, the old one stays.
    time.advance(86_400_000);
    active = g2;
    const rotated = (await call('GET /.well-known/jwks.json')).body.keys as { kid: string }[];
    expect(rotated.map((k) => k.kid)).toEqual([`${DID}#${await g2.keyId()}`, `${DID}#${await g1.keyId()}`]);
    expect(rotated[0]).not.toHaveProperty('signsFrom');
    const signer2 = new LedgeredSigner(g2, ledger, DID, time.now, { generation: 2 });
    const newer = await signCompactJws(signer2, DID, credential(time.now()), 'vc+jwt');
    // Settled: its next signature closes the old window.
    time.advance(SUPERSEDED_GRACE_MS);
    await signer2.sign(new Uint8Array([1]));

    const jwks = (await call('GET /.well-known/jwks.json')).body.keys;
    expect(jwks[0]).toMatchObject({ signsFrom: expect.any(String) });
    expect(jwks[1]).toMatchObject({ signsUntil: expect.any(String) });
    expect(jwks[1]).not.toHaveProperty('signsFrom');
    const verdict = (jws: string, keys = jwks) =>
      verifyCredential({ credential: jws, keys, now: time.now() });
    for (const jws of [before, after, newer]) expect((await verdict(jws)).status).toBe('valid');

    const list = await call('GET /admin/signing-keys', { groups: ['admins'] });
    expect(list.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(list.body.keys.map((k: { status: string }) => k.status)).toEqual(['active', 'retired']);

    // Declared compromised between the two signatures of the old key.
    const t = new Date(Date.parse(JSON.parse(atob(before.split('.')[1] as string)).validFrom) + 60_000);
    const declared = await compromise(await g1.keyId(), {
      compromisedAt: t.toISOString(),
      reason: 'key material found in a backup',
    });
    expect(declared.status).toBe(200);
    expect(declared.body).toMatchObject({ status: 'compromised', compromisedAt: t.toISOString() });
    const afterCompromise = (await call('GET /.well-known/jwks.json')).body.keys;
    expect(afterCompromise[1]).toMatchObject({ compromisedAt: t.toISOString() });
    expect(afterCompromise[1]).not.toHaveProperty('compromiseReason');
    expect((await verdict(before, afterCompromise)).status).toBe('valid');
    const refused = await verdict(after, afterCompromise);
    expect(refused.status).toBe('signature-invalid');
    expect(refused.reasons[0]).toMatch(/declared compromised/);
    expect((await verdict(newer, afterCompromise)).status).toBe('valid');

    // The DID document carries the same keys and windows.
    const did = (await call('GET /.well-known/did.json')).body;
    expect(did.assertionMethod).toEqual(afterCompromise.map((k: { kid: string }) => k.kid));
    expect(did.verificationMethod[1]).toMatchObject({
      id: afterCompromise[1].kid,
      type: 'JsonWebKey',
      compromisedAt: t.toISOString(),
      signsUntil: afterCompromise[1].signsUntil,
    });
    expect(did.verificationMethod[1].publicKeyJwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: afterCompromise[1].x,
      y: afterCompromise[1].y,
    });
  });

  it('refuses bad declarations and changes nothing', async () => {
    const thumbprint = await g2.keyId();
    const snapshot = JSON.stringify([...ledger.items]);
    const writes = ledger.writes;
    const past = new Date(time.now().getTime() - 1000).toISOString();
    expect(
      (await compromise(thumbprint, { compromisedAt: past, reason: 'leak' }, ['assessors'])).status,
    ).toBe(403);
    expect((await compromise('A'.repeat(43), { compromisedAt: past, reason: 'leak' })).status).toBe(404);
    expect((await compromise('../etc', { compromisedAt: past, reason: 'leak' })).status).toBe(404);
    const future = new Date(time.now().getTime() + 60_000).toISOString();
    const inFuture = await compromise(thumbprint, { compromisedAt: future, reason: 'leak' });
    expect(inFuture.status).toBe(400);
    expect(inFuture.body.message).toMatch(/in the future/);
    // Named as the field's problem, in both languages, so the admin page shows it next to the time.
    expect(inFuture.body.details).toEqual([
      {
        field: 'compromisedAt',
        message: inFuture.body.message,
        messageZh: inFuture.body.messageZh,
      },
    ]);
    expect(inFuture.body.messageZh).toMatch(/^compromisedAt \S+ 晚于当前时间；/);
    expect((await compromise(thumbprint, { compromisedAt: 'yesterday', reason: 'leak' })).status).toBe(400);
    expect((await compromise(thumbprint, { compromisedAt: past })).status).toBe(400);
    const twice = await compromise(await g1.keyId(), { compromisedAt: past, reason: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body.messageZh).toMatch(/^密钥 \S+ 已被声明自 \S+ 起泄露$/);
    expect((await call('GET /admin/signing-keys', { groups: ['candidates'] })).status).toBe(403);
    expect((await call('GET /admin/signing-keys')).status).toBe(401);
    expect(JSON.stringify([...ledger.items])).toBe(snapshot);
    expect(ledger.writes).toBe(writes);
  });

  it('lets an admin declare the active key compromised before it ever signed, and then it signs nothing', async () => {
    const g3 = new LocalSigner(join(dir, 'routes'), 'g3');
    active = g3;
    const listed = await call('GET /admin/signing-keys', { groups: ['admins'] });
    expect(listed.body.keys[0]).toMatchObject({
      thumbprint: await g3.keyId(),
      status: 'active',
      recorded: false,
    });
    const declared = await compromise(await g3.keyId(), {
      compromisedAt: time.now().toISOString(),
      reason: 'generated on a compromised host',
    });
    expect(declared.status).toBe(200);
    expect(declared.body).toMatchObject({ status: 'compromised', recorded: true });
    await expect(new LedgeredSigner(g3, ledger, DID, time.now).sign(new Uint8Array([1]))).rejects.toThrow(
      SigningKeyRefused,
    );
    // Nothing it could sign verifies.
    const forged = await signCompactJws(g3, DID, credential(new Date(time.now().getTime() - 5000)), 'vc+jwt');
    const keys = (await call('GET /.well-known/jwks.json')).body.keys;
    expect((await verifyCredential({ credential: forged, keys, now: time.now() })).status).toBe(
      'signature-invalid',
    );
  });
});
