import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { ProofSigner, Signer } from '../ports.js';
import { derToJose } from './der.js';

/**
 * What both KMS signers share: the key's public half, fetched once per container and checked to be of
 * the expected key spec, and its RFC 7638 thumbprint as the key id.
 */
abstract class KmsKey {
  private publicKey?: Promise<JWK>;
  private thumbprint?: Promise<string>;

  constructor(
    protected readonly kms: KMSClient,
    /** Key id, ARN or alias of the KMS key. */
    protected readonly kmsKeyId: string,
    private readonly keySpec: 'ECC_NIST_P256' | 'ECC_NIST_EDWARDS25519',
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
    if (response.KeySpec !== this.keySpec) {
      throw new Error(`KMS key ${this.kmsKeyId} is ${response.KeySpec}, expected ${this.keySpec}`);
    }
    // KMS answers with a DER SubjectPublicKeyInfo; node:crypto reads it and writes the JWK directly.
    const jwk = createPublicKey({
      key: Buffer.from(response.PublicKey),
      format: 'der',
      type: 'spki',
    }).export({ format: 'jwk' });
    return (
      jwk.kty === 'OKP'
        ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x }
        : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }
    ) as JWK;
  }
}

/**
 * The Signer port on AWS KMS (key spec ECC_NIST_P256, usage SIGN_VERIFY).
 *
 * Sign uses MessageType DIGEST with ECDSA_SHA_256: we hash the signing input here and KMS signs the
 * SHA-256 digest without hashing again, which is exactly ES256. RAW would make KMS hash it, but caps the
 * message at 4096 bytes, and a credential's JWS signing input can be larger. The signature KMS returns
 * is DER; JOSE wants r‖s.
 */
export class KmsSigner extends KmsKey implements Signer {
  constructor(kms: KMSClient, kmsKeyId: string) {
    super(kms, kmsKeyId, 'ECC_NIST_P256');
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

/**
 * The ProofSigner port on AWS KMS (key spec ECC_NIST_EDWARDS25519, usage SIGN_VERIFY).
 *
 * Sign uses ED25519_SHA_512 with MessageType RAW, which is pure Ed25519 (RFC 8032) as eddsa-rdfc-2022
 * requires; ED25519_PH_SHA_512 would be the pre-hashed variant, which verifiers do not accept. RAW caps
 * the message at 4096 bytes: eddsa-rdfc-2022 signs two SHA-256 hashes, 64 bytes. KMS returns the
 * 64-byte signature itself (R‖S), with no DER wrapping.
 */
export class KmsProofSigner extends KmsKey implements ProofSigner {
  constructor(kms: KMSClient, kmsKeyId: string) {
    super(kms, kmsKeyId, 'ECC_NIST_EDWARDS25519');
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    const response = await this.kms.send(
      new SignCommand({
        KeyId: this.kmsKeyId,
        Message: data,
        MessageType: 'RAW',
        SigningAlgorithm: 'ED25519_SHA_512',
      }),
    );
    if (!response.Signature) throw new Error(`KMS returned no signature for ${this.kmsKeyId}`);
    if (response.Signature.length !== 64) {
      throw new Error(
        `KMS returned a ${response.Signature.length}-byte signature for ${this.kmsKeyId}, expected 64 (Ed25519)`,
      );
    }
    return new Uint8Array(response.Signature);
  }
}
