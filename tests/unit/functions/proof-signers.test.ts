// The ProofSigner adapters: the local Ed25519 key file (agreed on by concurrent sandboxes, pure Ed25519
// that node:crypto and jose verify) and the KMS adapter's error paths, which only a mocked client can
// produce (the signing itself is exercised for real through the local key and Digital Bazaar's verifier
// in data-integrity.test.ts).
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { KmsProofSigner } from '../../../functions/adapters/kms-signer.js';
import { LocalProofSigner, LocalSigner } from '../../../functions/adapters/local-signer.js';
import { proofSignerFromEnvironment } from '../../../functions/adapters/signer.js';

const dir = await mkdtemp(join(tmpdir(), 'proof-signer-'));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LocalProofSigner', () => {
  it('agrees on one Ed25519 key when many sandboxes start at once, and keeps it', async () => {
    const signers = Array.from({ length: 8 }, () => new LocalProofSigner(dir, 'proof-key'));
    const jwks = await Promise.all(signers.map((s) => s.publicJwk()));
    expect(new Set(jwks.map((j) => j.x)).size).toBe(1);
    expect(jwks[0]).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect((await new LocalProofSigner(dir, 'proof-key').publicJwk()).x).toBe(jwks[0]?.x);
  });

  it('signs pure Ed25519 (64 bytes) that its public JWK verifies, with the RFC 7638 thumbprint as key id', async () => {
    const signer = new LocalProofSigner(dir, 'proof-key');
    const data = new Uint8Array(64).fill(7);
    const signature = await signer.sign(data);
    expect(signature).toHaveLength(64);
    const publicKey = createPublicKey({ key: (await signer.publicJwk()) as never, format: 'jwk' });
    expect(verify(null, data, publicKey, signature)).toBe(true);
    expect(verify(null, new Uint8Array(64), publicKey, signature)).toBe(false);
    expect(await signer.keyId()).toBe(await calculateJwkThumbprint((await signer.publicJwk()) as JWK));
  });

  it('refuses a key file of another kind under its name, and a key id that could escape its folder', async () => {
    await new LocalSigner(dir, 'es256-key').publicJwk();
    await expect(new LocalProofSigner(dir, 'es256-key').publicJwk()).rejects.toThrow(
      /holds a ec key, expected ed25519/,
    );
    await new LocalProofSigner(dir, 'ed-key').publicJwk();
    await expect(new LocalSigner(dir, 'ed-key').publicJwk()).rejects.toThrow(
      /holds a ed25519 key, expected ec/,
    );
    expect(() => new LocalProofSigner(dir, '../keys')).toThrow(/Invalid local key id/);
  });

  it('is chosen only when the local cloud says so', () => {
    expect(proofSignerFromEnvironment('k', { SKILLCERT_LOCAL_KEYS_DIR: dir })).toBeInstanceOf(
      LocalProofSigner,
    );
    expect(proofSignerFromEnvironment('k', { AWS_REGION: 'ap-southeast-1' })).toBeInstanceOf(KmsProofSigner);
  });
});

describe('KmsProofSigner, where KMS answers what it should not', () => {
  const kms = mockClient(KMSClient);
  beforeEach(() => kms.reset());
  const signer = () => new KmsProofSigner(new KMSClient({ region: 'ap-southeast-1' }), 'proof-key-1');

  it('refuses an answer without a public key', async () => {
    kms.on(GetPublicKeyCommand).resolves({ KeySpec: 'ECC_NIST_EDWARDS25519' });
    await expect(signer().publicJwk()).rejects.toThrow(/no public key for proof-key-1/);
  });

  it('refuses a key of another spec (the ES256 key wired as the proof key), and fetches again after', async () => {
    kms
      .on(GetPublicKeyCommand)
      .resolvesOnce({ KeySpec: 'ECC_NIST_P256', PublicKey: new Uint8Array([1]) })
      .resolves({ KeySpec: 'RSA_2048', PublicKey: new Uint8Array([1]) });
    const s = signer();
    await expect(s.keyId()).rejects.toThrow(/ECC_NIST_P256, expected ECC_NIST_EDWARDS25519/);
    await expect(s.keyId()).rejects.toThrow(/RSA_2048, expected ECC_NIST_EDWARDS25519/);
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('refuses a missing or misshapen signature', async () => {
    kms
      .on(SignCommand)
      .resolvesOnce({})
      .resolves({ Signature: new Uint8Array(72) });
    await expect(signer().sign(new Uint8Array(64))).rejects.toThrow(/no signature/);
    await expect(signer().sign(new Uint8Array(64))).rejects.toThrow(/72-byte signature .* expected 64/);
  });
});
