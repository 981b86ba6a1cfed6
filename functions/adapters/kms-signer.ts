import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { JWK } from 'jose';
import type { Signer } from '../ports.js';
import { derToJose } from './der.js';

/** The Signer port on AWS KMS (key spec ECC_NIST_P256, usage SIGN_VERIFY). */
export class KmsSigner implements Signer {
  private publicKey?: Promise<JWK>;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  publicJwk(): Promise<JWK> {
    // A key's public half never changes: fetch it once per container.
    this.publicKey ??= this.fetchPublicJwk().catch((error: unknown) => {
      this.publicKey = undefined;
      throw error;
    });
    return this.publicKey;
  }

  private async fetchPublicJwk(): Promise<JWK> {
    const response = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    if (!response.PublicKey) throw new Error(`KMS returned no public key for ${this.keyId}`);
    if (response.KeySpec !== 'ECC_NIST_P256') {
      throw new Error(`KMS key ${this.keyId} is ${response.KeySpec}, expected ECC_NIST_P256`);
    }
    const { kty, crv, x, y } = createPublicKey({
      key: Buffer.from(response.PublicKey),
      format: 'der',
      type: 'spki',
    }).export({ format: 'jwk' });
    return { kty, crv, x, y } as JWK;
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    // Send the digest, not the message: KMS caps RAW messages at 4 KB and credentials can be larger.
    const digest = createHash('sha256').update(signingInput).digest();
    const response = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!response.Signature) throw new Error(`KMS returned no signature for ${this.keyId}`);
    return derToJose(response.Signature);
  }
}
