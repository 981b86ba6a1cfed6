// The local KMS, driven by the real @aws-sdk/client-kms: signatures checked with node:crypto and
// @noble/curves (verifiers we did not write), MACs with node:crypto, and KMS's own error names.
import { createHmac, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalKms } from '../../../local/kms.js';
import type { LocalSigningKey } from '../../../local/model.js';

const key = (keyId: string, keySpec: string, keyUsage: string): LocalSigningKey => ({
  logicalId: keyId,
  keyId,
  arn: `arn:aws:kms:ap-southeast-1:000000000000:key/${keyId}`,
  keySpec,
  keyUsage,
});
const ES256 = key('local-es256', 'ECC_NIST_P256', 'SIGN_VERIFY');
const ED25519 = key('local-ed25519', 'ECC_NIST_EDWARDS25519', 'SIGN_VERIFY');
const HMAC = key('local-hmac', 'HMAC_256', 'GENERATE_VERIFY_MAC');

let dir: string;
let kms: Awaited<ReturnType<typeof startLocalKms>>;
let client: KMSClient;
const message = new TextEncoder().encode('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0');

async function publicKeyOf(keyId: string) {
  const out = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  return {
    out,
    key: createPublicKey({ key: Buffer.from(out.PublicKey as Uint8Array), format: 'der', type: 'spki' }),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skillcert-kms-'));
  kms = await startLocalKms({ keys: [ES256, ED25519, HMAC], keysDir: dir });
  client = new KMSClient({
    endpoint: kms.endpoint,
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await kms?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('local KMS', () => {
  it('signs a SHA-256 digest with ECDSA as is (MessageType DIGEST), DER-encoded, and a RAW message hashing it', async () => {
    const { out, key: publicKey } = await publicKeyOf(ES256.arn);
    expect(out).toMatchObject({
      KeyId: ES256.arn,
      KeySpec: 'ECC_NIST_P256',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    const raw = await client.send(
      new SignCommand({
        KeyId: ES256.keyId,
        Message: message,
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(
      verify(
        'sha256',
        message,
        { key: publicKey, dsaEncoding: 'der' },
        Buffer.from(raw.Signature as Uint8Array),
      ),
    ).toBe(true);
    const digest = new Uint8Array(32).fill(9);
    const signed = await client.send(
      new SignCommand({
        KeyId: ES256.keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    const jwk = publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x as string, 'base64url'),
      Buffer.from(jwk.y as string, 'base64url'),
    ]);
    expect(
      p256.verify(signed.Signature as Uint8Array, digest, point, { prehash: false, format: 'der' }),
    ).toBe(true);
  });

  it('signs pure Ed25519 (ED25519_SHA_512, RAW): 64 bytes that node:crypto verifies', async () => {
    const { key: publicKey } = await publicKeyOf(ED25519.keyId);
    const out = await client.send(
      new SignCommand({
        KeyId: ED25519.keyId,
        Message: message,
        MessageType: 'RAW',
        SigningAlgorithm: 'ED25519_SHA_512',
      }),
    );
    expect(out.Signature).toHaveLength(64);
    expect(verify(null, message, publicKey, Buffer.from(out.Signature as Uint8Array))).toBe(true);
  });

  it('keeps the key material in the keys folder, in the files the local signers read', async () => {
    const stored = JSON.parse(await readFile(join(dir, `${ES256.keyId}.private.jwk.json`), 'utf8'));
    const { key: publicKey } = await publicKeyOf(ES256.keyId);
    expect(publicKey.export({ format: 'jwk' }).x).toBe(stored.x);
  });

  it('makes and checks HMAC-SHA-256 MACs with the key in the folder', async () => {
    const { Mac } = await client.send(
      new GenerateMacCommand({ KeyId: HMAC.keyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    const secret = Buffer.from(
      (await readFile(join(dir, `${HMAC.keyId}.hmac.key`), 'utf8')).trim(),
      'base64url',
    );
    expect(Buffer.from(Mac as Uint8Array)).toEqual(createHmac('sha256', secret).update(message).digest());
    const ok = await client.send(
      new VerifyMacCommand({ KeyId: HMAC.keyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    expect(ok.MacValid).toBe(true);
    const tampered = Buffer.from(Mac as Uint8Array);
    tampered[0] = (tampered[0] as number) ^ 1;
    await expect(
      client.send(
        new VerifyMacCommand({
          KeyId: HMAC.keyId,
          Message: message,
          Mac: tampered,
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'KMSInvalidMacException' });
  });

  it("answers with KMS's error names: wrong usage, wrong algorithm, oversize RAW message, unknown key", async () => {
    await expect(
      client.send(
        new GenerateMacCommand({ KeyId: ES256.keyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
    await expect(
      client.send(
        new SignCommand({ KeyId: ES256.keyId, Message: message, SigningAlgorithm: 'ED25519_SHA_512' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
    await expect(
      client.send(
        new SignCommand({
          KeyId: ED25519.keyId,
          Message: new Uint8Array(4097),
          MessageType: 'RAW',
          SigningAlgorithm: 'ED25519_SHA_512',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      client.send(
        new SignCommand({
          KeyId: ES256.keyId,
          Message: new Uint8Array(31),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(client.send(new GetPublicKeyCommand({ KeyId: 'local-nope' }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });
});
