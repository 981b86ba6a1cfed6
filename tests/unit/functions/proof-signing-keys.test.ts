// The Ed25519 proof keys in the signing-key ledger: the same generations, windows, rotation and
// compromise rules as the ES256 keys, on their own line of windows (neither algorithm's first use closes
// the other's window), published in the JWKS as OKP keys (alg EdDSA) and in did.json as Multikey
// verification methods; the admin list and the compromise route handle them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalProofSigner, LocalSigner } from '../../../functions/adapters/local-signer.js';
import { VC_CONTEXT } from '../../../functions/domain/credential.js';
import { SUPERSEDED_GRACE_MS } from '../../../functions/domain/signing-keys.js';
import { publicKeysHandler } from '../../../functions/handlers/public-keys.js';
import { signingKeysAdminHandler } from '../../../functions/handlers/signing-keys-admin-api.js';
import { addProof, checkProof } from '../../../functions/shared/data-integrity.js';
import { ed25519Multikey } from '../../../functions/shared/multikey.js';
import {
  LEDGER_RECHECK_MS,
  LedgeredProofSigner,
  LedgeredSigner,
  proofVerificationMethod,
  RegionSigningKeys,
  SigningKeyRefused,
} from '../../../functions/shared/signing-keys.js';
import { MemoryLedger } from '../../support/memory-ledger.js';
import { clock } from '../../support/test-keys.js';

const DID = 'did:web:neijiang.skillcert.example';

const dir = await mkdtemp(join(tmpdir(), 'proof-signing-keys-'));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const document = (at: Date) => ({
  '@context': [VC_CONTEXT],
  type: ['VerifiableCredential'],
  issuer: DID,
  validFrom: at.toISOString(),
  credentialSubject: { id: 'urn:uuid:0b8f7c4e-2a1d-4e6b-9c3f-5d7a8e9f0a1b' },
});

describe('LedgeredProofSigner', () => {
  it('records the Ed25519 key before its first proof, and neither algorithm closes the other’s window', async () => {
    const ledger = new MemoryLedger();
    const time = clock('2026-05-01T08:00:00.000Z');
    const es1 = new LocalSigner(dir, 'es-g1');
    const ed1 = new LocalProofSigner(dir, 'ed-g1');
    const gen = (generation: number) => ({ generation });
    await new LedgeredSigner(es1, ledger, DID, time.now, gen(1)).sign(new Uint8Array([1]));
    time.advance(60_000);
    // Several containers add their first proofs at once: one record.
    const proofs = [1, 2, 3].map(() => new LedgeredProofSigner(ed1, ledger, DID, time.now, gen(1)));
    await Promise.all(proofs.map((s) => s.sign(new Uint8Array(64))));
    expect(ledger.items.size).toBe(2);
    const edRecord = await ledger.get(await ed1.keyId());
    expect(edRecord).toMatchObject({
      kid: `${DID}#${await ed1.keyId()}`,
      publicJwk: { kty: 'OKP', crv: 'Ed25519', x: (await ed1.publicJwk()).x },
    });
    expect(edRecord?.publicJwk).not.toHaveProperty('y');
    // The ES256 key's window stays open.
    expect((await ledger.get(await es1.keyId()))?.signsUntil).toBeUndefined();

    // Rotation: generation 2 of each, on its own line.
    time.advance(86_400_000);
    const ed2 = new LocalProofSigner(dir, 'ed-g2');
    const ed2Signer = new LedgeredProofSigner(ed2, ledger, DID, time.now, gen(2));
    await ed2Signer.sign(new Uint8Array(64));
    expect((await ledger.get(await ed2.keyId()))?.signsFrom).toBe(
      new Date(time.now().getTime() - 60_000).toISOString(),
    );
    time.advance(SUPERSEDED_GRACE_MS);
    await ed2Signer.sign(new Uint8Array(64));
    expect((await ledger.get(await ed1.keyId()))?.signsUntil).toBe(
      new Date(time.now().getTime() + SUPERSEDED_GRACE_MS).toISOString(),
    );
    expect((await ledger.get(await es1.keyId()))?.signsUntil).toBeUndefined();

    // An old container's proof key signs through the grace, then refuses.
    const [old] = proofs;
    await expect(old?.sign(new Uint8Array(64))).resolves.toHaveLength(64);
    time.advance(SUPERSEDED_GRACE_MS);
    await expect(old?.sign(new Uint8Array(64))).rejects.toThrow(/was retired/);

    const es2 = new LocalSigner(dir, 'es-g2');
    const es2Signer = new LedgeredSigner(es2, ledger, DID, time.now, gen(2));
    await es2Signer.sign(new Uint8Array([2]));
    time.advance(SUPERSEDED_GRACE_MS);
    await es2Signer.sign(new Uint8Array([2]));
    expect((await ledger.get(await es1.keyId()))?.signsUntil).toBeDefined();
    expect((await ledger.get(await ed2.keyId()))?.signsUntil).toBeUndefined();
    await expect(
      new LedgeredProofSigner(ed2, ledger, DID, time.now, gen(2)).sign(new Uint8Array(64)),
    ).resolves.toHaveLength(64);
  });

  it('refuses proofs once its key is declared compromised, within the recheck interval', async () => {
    const ledger = new MemoryLedger();
    const time = clock('2026-05-01T08:00:00.000Z');
    const inner = new LocalProofSigner(dir, 'ed-compromised');
    const signer = new LedgeredProofSigner(inner, ledger, DID, time.now);
    const created = time.now();
    const verificationMethod = await proofVerificationMethod(signer, DID);
    expect(verificationMethod).toBe(`${DID}#${await inner.keyId()}`);
    await addProof(document(created), { signer, verificationMethod, created });
    await ledger.markCompromised(await inner.keyId(), time.now().toISOString(), 'key file copied');
    time.advance(LEDGER_RECHECK_MS);
    await expect(addProof(document(time.now()), { signer, verificationMethod, created })).rejects.toThrow(
      SigningKeyRefused,
    );
  });
});

function event(routeKey: string, extra: Partial<APIGatewayProxyEventV2> & { groups?: string[] } = {}) {
  const [method, rawPath = ''] = routeKey.split(' ');
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
      http: { method, path: rawPath },
      ...(groups
        ? { authorizer: { jwt: { claims: { sub: 's-1', 'cognito:groups': groups }, scopes: [] } } }
        : {}),
    } as never,
    ...rest,
  } as APIGatewayProxyEventV2;
}
const context = { awsRequestId: 'req-1', functionName: 'test' } as Context;

describe('the public-keys routes with a proof key', () => {
  const ledger = new MemoryLedger();
  const time = clock('2026-05-01T08:00:00.000Z');
  const es = new LocalSigner(join(dir, 'routes'), 'es');
  const ed1 = new LocalProofSigner(join(dir, 'routes'), 'ed1');
  const ed2 = new LocalProofSigner(join(dir, 'routes'), 'ed2');
  let proofSigner = ed1;
  // As deployed: the public function's keys never record; the admin function's record on an empty ledger.
  const keysOf = (recordWhenEmpty: boolean) => () =>
    new RegionSigningKeys({
      signer: es,
      proofSigner,
      ledger,
      issuerDid: DID,
      now: time.now,
      recordWhenEmpty,
    });
  const publicHandler = publicKeysHandler(keysOf(false), () => DID);
  const adminHandler = signingKeysAdminHandler(keysOf(true));
  const call = async (routeKey: string, extra: Parameters<typeof event>[1] = {}) => {
    const handler = routeKey.includes(' /admin/') ? adminHandler : publicHandler;
    const answer = await handler(event(routeKey, extra), context);
    return { status: answer.statusCode, body: JSON.parse(answer.body as string) };
  };

  it('publishes the Ed25519 key before its first proof, as an OKP key with alg EdDSA and as a Multikey', async () => {
    const jwks = (await call('GET /.well-known/jwks.json')).body.keys;
    expect(jwks.map((k: { alg: string }) => k.alg)).toEqual(['ES256', 'EdDSA']);
    expect(jwks[1]).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: (await ed1.publicJwk()).x,
      kid: `${DID}#${await ed1.keyId()}`,
      alg: 'EdDSA',
      use: 'sig',
    });
    // Serving writes nothing; the admin list records only the ES256 key (for certificates from before the ledger).
    expect(ledger.items.size).toBe(0);
    await call('GET /admin/signing-keys', { groups: ['admins'] });
    expect([...ledger.items.keys()]).toEqual([await es.keyId()]);

    const did = (await call('GET /.well-known/did.json')).body;
    expect(did['@context']).toEqual([
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/security/jwk/v1',
      'https://w3id.org/security/multikey/v1',
    ]);
    expect(did.assertionMethod).toEqual(jwks.map((k: { kid: string }) => k.kid));
    expect(did.verificationMethod[1]).toEqual({
      id: jwks[1].kid,
      type: 'Multikey',
      controller: DID,
      publicKeyMultibase: ed25519Multikey(jwks[1]),
    });
    expect(did.verificationMethod[0]).toMatchObject({ type: 'JsonWebKey', publicKeyJwk: { kty: 'EC' } });
  });

  it('keeps proofs verifiable across a proof-key rotation, and a compromise voids only the one key', async () => {
    const signer1 = new LedgeredProofSigner(ed1, ledger, DID, time.now, { generation: 1 });
    const vm1 = await proofVerificationMethod(ed1, DID);
    const before = await addProof(document(time.now()), {
      signer: signer1,
      verificationMethod: vm1,
      created: time.now(),
    });
    time.advance(86_400_000);
    proofSigner = ed2;
    const signer2 = new LedgeredProofSigner(ed2, ledger, DID, time.now, { generation: 2 });
    const vm2 = await proofVerificationMethod(ed2, DID);
    const after = await addProof(document(time.now()), {
      signer: signer2,
      verificationMethod: vm2,
      created: time.now(),
    });
    time.advance(SUPERSEDED_GRACE_MS);
    await signer2.sign(new Uint8Array(64));
    const jwks = (await call('GET /.well-known/jwks.json')).body.keys;
    expect(jwks.map((k: { kid: string }) => k.kid)).toEqual([`${DID}#${await es.keyId()}`, vm2, vm1]);
    expect(jwks[2]).toMatchObject({ alg: 'EdDSA', signsUntil: expect.any(String) });
    expect(jwks[0]).not.toHaveProperty('signsUntil');
    expect(await checkProof(before, jwks)).toMatchObject({ ok: true, key: { kid: vm1 } });
    expect(await checkProof(after, jwks)).toMatchObject({ ok: true, key: { kid: vm2 } });

    const list = (await call('GET /admin/signing-keys', { groups: ['admins'] })).body.keys;
    expect(list.map((k: { alg: string; status: string }) => `${k.alg} ${k.status}`)).toEqual([
      'ES256 active',
      'EdDSA active',
      'EdDSA retired',
    ]);

    const declared = await call('POST /admin/signing-keys/{thumbprint}/compromise', {
      pathParameters: { thumbprint: await ed1.keyId() },
      body: JSON.stringify({ compromisedAt: time.now().toISOString(), reason: 'key file copied' }),
      groups: ['admins'],
    });
    expect(declared.status).toBe(200);
    expect(declared.body).toMatchObject({ alg: 'EdDSA', status: 'compromised' });
    const afterCompromise = (await call('GET /.well-known/jwks.json')).body.keys;
    expect(afterCompromise[2]).toMatchObject({ kid: vm1, compromisedAt: time.now().toISOString() });
    expect(afterCompromise.slice(0, 2).every((k: object) => !('compromisedAt' in k))).toBe(true);
    const did = (await call('GET /.well-known/did.json')).body;
    expect(did.verificationMethod[2]).toMatchObject({
      type: 'Multikey',
      compromisedAt: time.now().toISOString(),
    });
  });

  it('lets an admin declare the active proof key compromised before its first proof; it then signs nothing', async () => {
    const ed3 = new LocalProofSigner(join(dir, 'routes'), 'ed3');
    proofSigner = ed3;
    const declared = await call('POST /admin/signing-keys/{thumbprint}/compromise', {
      pathParameters: { thumbprint: await ed3.keyId() },
      body: JSON.stringify({ compromisedAt: time.now().toISOString(), reason: 'made on a compromised host' }),
      groups: ['admins'],
    });
    expect(declared.status).toBe(200);
    expect(declared.body).toMatchObject({ alg: 'EdDSA', status: 'compromised', recorded: true });
    await expect(
      new LedgeredProofSigner(ed3, ledger, DID, time.now).sign(new Uint8Array(64)),
    ).rejects.toThrow(SigningKeyRefused);
    // The ES256 key still signs: a proof key's compromise is its own.
    await expect(
      new LedgeredSigner(es, ledger, DID, time.now).sign(new Uint8Array([1])),
    ).resolves.toHaveLength(64);
  });
});
