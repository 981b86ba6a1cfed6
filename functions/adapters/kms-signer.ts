import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Signer } from '../ports.js';
import { derToJose } from './der.js';

/**
 * The Signer port on AWS KMS (key spec ECC_NIST_P256, usage SIGN_VERIFY).
 *
 * Sign uses MessageType DIGEST with ECDSA_SHA_256: we hash the signing input here and KMS signs the
 * SHA-256 digest without hashing again, which is exactly ES256. RAW would make KMS hash it, but caps the
 * message at 4096 bytes, and a credential's JWS signing input can be larger. The signature KMS returns
 * is DER; JOSE wants r‖s.
 */
export class KmsSigner implements Signer {
  private publicKey?: Promise<JWK>;
  private thumbprint?: Promise<string>;

  constructor(
    private readonly kms: KMSClient,
    /** Key id, ARN or alias of the KMS key. */
    private readonly kmsKeyId: string,
  ) {}

  keyId(): Promise<string> {
    this.thumbprint ??= this.publicJwk()
      .then((jwk) => calculateJwkThumbprint(jwk, 'sha256'))
      .catch((error: unknown) => {
        this.thumbprint = undefined;
        throw error;
      });
    return this.thumbprint;
  }

  publicJwk(): Promise<JWK> {
    // A key's public half never changes: fetch it once per container.
    this.publicKey ??= this.fetchPublicJwk().catch((error: unknown) => {
      this.publicKey = undefined;
      throw error;
    });
    return this.publicKey;
  }

  private async fetchPublicJwk(): Promise<JWK> {
    const response = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.kmsKeyId }));
    if (!response.PublicKey) throw new Error(`KMS returned no public key for ${this.kmsKeyId}`);
    if (response.KeySpec !== 'ECC_NIST_P256') {
      throw new Error(`KMS key ${this.kmsKeyId} is ${response.KeySpec}, expected ECC_NIST_P256`);
    }
    // KMS answers with a DER SubjectPublicKeyInfo; node:crypto reads it and writes the JWK directly.
    const { kty, crv, x, y } = createPublicKey({
      key: Buffer.from(response.PublicKey),
      format: 'der',
      type: 'spki',
    }).export({ format: 'jwk' });
    return { kty, crv, x, y } as JWK;
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    const digest = createHash('sha256').update(signingInput).digest();
    const response = await this.kms.send(
      new SignCommand({
        KeyId: this.kmsKeyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!response.Signature) throw new Error(`KMS returned no signature for ${this.kmsKeyId}`);
    return derToJose(response.Signature);
  }
}
