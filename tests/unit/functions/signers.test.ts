import { createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { p256 } from '@noble/curves/nist.js';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { derToJose } from '../../../functions/adapters/der.js';
import { KmsSigner } from '../../../functions/adapters/kms-signer.js';
import { LocalSigner } from '../../../functions/adapters/local-signer.js';
import { signerFromEnvironment } from '../../../functions/adapters/signer.js';
import { defaultProvider } from '../../../functions/shared/lambda-credentials.js';
import { didDocument, publishedKey, signCompactJws } from '../../../functions/shared/signing.js';

const DID = 'did:web:neijiang.skillcert.example';

describe('derToJose', () => {
  it('turns node:crypto DER signatures into r||s that verify as IEEE P1363', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // Many signatures so short r/s (leading zero bytes) and 33-byte integers (sign padding) both occur.
    for (let i = 0; i < 200; i++) {
      const message = Buffer.from(`message ${i}`);
      const der = nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
      const jose = derToJose(der);
      expect(jose).toHaveLength(64);
      expect(nodeVerify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
    }
  });

  it.each([
    ['not a sequence', [0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]],
    ['length mismatch', [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]],
    ['not an integer', [0x30, 0x06, 0x04, 0x01, 0x01, 0x02, 0x01, 0x01]],
    ['integer too long', [0x30, 0x25, 0x02, 0x21, 0x01, ...new Array(32).fill(1), 0x02, 0x00]],
  ])('rejects a malformed signature: %s', (_name, bytes) => {
    expect(() => derToJose(Uint8Array.from(bytes))).toThrow(/DER signature/);
  });
});

describe('KmsSigner (KMS played by a real P-256 key behind a mocked client)', () => {
  const kms = mockClient(KMSClient);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  beforeEach(() => {
    kms.reset();
    kms.on(GetPublicKeyCommand).resolves({
      KeySpec: 'ECC_NIST_P256',
      PublicKey: publicKey.export({ format: 'der', type: 'spki' }),
    });
    kms.on(SignCommand).callsFake((input: { Message: Uint8Array; MessageType: string }) => {
      // KMS signs the SHA-256 digest it is given (no second hashing) and answers in DER.
      expect(input.MessageType).toBe('DIGEST');
      const secret = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
      const signature = p256.sign(input.Message, secret, { prehash: false, format: 'der' });
      return { Signature: signature, SigningAlgorithm: 'ECDSA_SHA_256' };
    });
  });

  it('produces an ES256 JWS that verifies against the public key KMS returns', async () => {
    const signer = new KmsSigner(new KMSClient({ region: 'ap-southeast-1' }), 'key-1');
    const jws = await signCompactJws(signer, DID, { credential: 'x' }, 'vc+jwt');
    const key = await importJWK(await signer.publicJwk(), 'ES256');
    const { payload, protectedHeader } = await compactVerify(jws, key);
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ credential: 'x' });
    // kid is the issuer DID with the key's RFC 7638 thumbprint as fragment; jose computes it independently.
    expect(protectedHeader).toEqual({
      alg: 'ES256',
      typ: 'vc+jwt',
      kid: (await publishedKey(signer, DID)).kid,
    });
    expect(await signer.keyId()).toBe(
      await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as JWK),
    );
    expect(protectedHeader.kid).toBe(`${DID}#${await signer.keyId()}`);
    expect(kms.commandCalls(SignCommand)[0]?.args[0].input).toMatchObject({
      KeyId: 'key-1',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
  });

  it('fetches the public key once per container', async () => {
    const signer = new KmsSigner(new KMSClient({ region: 'ap-southeast-1' }), 'key-1');
    await Promise.all([signer.publicJwk(), signer.keyId(), signer.publicJwk(), signer.keyId()]);
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('refuses a key of the wrong spec, and retries the fetch after a failure', async () => {
    kms
      .on(GetPublicKeyCommand)
      .resolvesOnce({ KeySpec: 'RSA_2048', PublicKey: new Uint8Array([1]) })
      .resolves({ KeySpec: 'ECC_NIST_P256', PublicKey: publicKey.export({ format: 'der', type: 'spki' }) });
    const signer = new KmsSigner(new KMSClient({ region: 'ap-southeast-1' }), 'key-1');
    await expect(signer.publicJwk()).rejects.toThrow(/RSA_2048, expected ECC_NIST_P256/);
    await expect(signer.publicJwk()).resolves.toMatchObject({ kty: 'EC', crv: 'P-256' });
  });
});

describe('LocalSigner', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-signer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('agrees on one key when many sandboxes start at once, and keeps it', async () => {
    const signers = Array.from({ length: 8 }, () => new LocalSigner(dir, 'local-key'));
    const jwks = await Promise.all(signers.map((s) => s.publicJwk()));
    expect(new Set(jwks.map((j) => j.x)).size).toBe(1);
    expect((await new LocalSigner(dir, 'local-key').publicJwk()).x).toBe(jwks[0]?.x);
  });

  it('signs so that the published key verifies, with a thumbprint key id under the DID', async () => {
    const signer = new LocalSigner(dir, 'local-key');
    const jws = await signCompactJws(signer, DID, { n: 1 }, 'vc+jwt');
    const published = await publishedKey(signer, DID);
    expect(published.kid).toMatch(/^did:web:neijiang\.skillcert\.example#[A-Za-z0-9_-]{43}$/);
    expect(published.kid).toBe(`${DID}#${await calculateJwkThumbprint(await signer.publicJwk())}`);
    expect(await signer.keyId()).toBe(await new LocalSigner(dir, 'local-key').keyId());
    await expect(
      compactVerify(jws, createPublicKey({ key: published as never, format: 'jwk' })),
    ).resolves.toBeDefined();
    expect(didDocument(DID, [published]).verificationMethod[0]).toEqual({
      id: published.kid,
      type: 'JsonWebKey',
      controller: DID,
      publicKeyJwk: { kty: 'EC', crv: 'P-256', x: published.x, y: published.y },
    });
  });

  it('refuses a key id that could escape its folder', () => {
    expect(() => new LocalSigner(dir, '../etc/passwd')).toThrow(/Invalid local key id/);
  });

  it('is chosen only when the local cloud says so', () => {
    expect(signerFromEnvironment('k', { SKILLCERT_LOCAL_KEYS_DIR: dir })).toBeInstanceOf(LocalSigner);
    expect(signerFromEnvironment('k', { AWS_REGION: 'ap-southeast-1' })).toBeInstanceOf(KmsSigner);
  });
});

describe('Lambda credentials (bundled in place of the SDK default chain)', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('reads the role credentials Lambda puts in the environment', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_SESSION_TOKEN = 'token';
    await expect(defaultProvider({})()).resolves.toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('says which variables are missing', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    await expect(defaultProvider()()).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('is accepted by an SDK client as its credential provider', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    const client = new KMSClient({ region: 'ap-southeast-1', credentialDefaultProvider: defaultProvider });
    await expect(client.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIDEXAMPLE' });
  });
});
