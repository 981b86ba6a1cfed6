import { createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { ProofSigner, Signer } from '../ports.js';

/**
 * A private key kept in a file: the local cloud's stand-in for a KMS key, which has no local engine.
 * The key is created on first use; concurrent first uses (several sandboxes) agree on one key. Each
 * subclass says which kind of key it makes and how it signs.
 */
abstract class LocalKeyFile {
  private key?: Promise<KeyObject>;

  constructor(
    private readonly keysDir: string,
    /** The template's key id (SIGNING_KEY_ID, PROOF_KEY_ID): names the file, so it may not leave the folder. */
    private readonly localKeyId: string,
  ) {
    if (!/^[A-Za-z0-9._-]+$/.test(localKeyId)) throw new Error(`Invalid local key id '${localKeyId}'`);
  }

  /** A fresh key of this signer's kind. */
  protected abstract generate(): KeyObject;
  /** node:crypto's asymmetricKeyType of that kind ('ec', 'ed25519'). */
  protected abstract readonly keyType: string;

  private get path(): string {
    return join(this.keysDir, `${this.localKeyId}.private.jwk.json`);
  }

  private async loadOrCreate(): Promise<KeyObject> {
    await mkdir(this.keysDir, { recursive: true });
    const privateKey = this.generate();
    try {
      // 'wx' fails if the file exists: whoever wrote first defines the key.
      const file = await open(this.path, 'wx', 0o600);
      try {
        await file.writeFile(JSON.stringify(privateKey.export({ format: 'jwk' })));
      } finally {
        await file.close();
      }
      return privateKey;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return this.checked(await this.readExisting());
    }
  }

  private async readExisting(): Promise<KeyObject> {
    for (let attempt = 0; ; attempt++) {
      const text = await readFile(this.path, 'utf8');
      // The winner may still be writing; an empty or partial file is retried briefly.
      try {
        return createPrivateKey({ key: JSON.parse(text) as JsonWebKey, format: 'jwk' });
      } catch (parseError) {
        if (attempt > 20) throw parseError;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  /** A file holding another kind of key (an ES256 file named as the Ed25519 key) is a wiring mistake. */
  private checked(key: KeyObject): KeyObject {
    if (key.asymmetricKeyType !== this.keyType) {
      throw new Error(
        `Local key file ${this.path} holds a ${key.asymmetricKeyType} key, expected ${this.keyType}`,
      );
    }
    return key;
  }

  protected privateKey(): Promise<KeyObject> {
    this.key ??= this.loadOrCreate();
    return this.key;
  }

  /** Same scheme as KMS: the RFC 7638 thumbprint of the public key. */
  async keyId(): Promise<string> {
    return calculateJwkThumbprint(await this.publicJwk(), 'sha256');
  }

  async publicJwk(): Promise<JWK> {
    const { kty, crv, x, y } = (await this.privateKey()).export({ format: 'jwk' });
    return (kty === 'OKP' ? { kty, crv, x } : { kty, crv, x, y }) as JWK;
  }
}

/** The Signer port on an ES256 key file (see LocalKeyFile). */
export class LocalSigner extends LocalKeyFile implements Signer {
  protected readonly keyType = 'ec';

  protected generate(): KeyObject {
    return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(
      sign('sha256', signingInput, { key: await this.privateKey(), dsaEncoding: 'ieee-p1363' }),
    );
  }
}

/** The ProofSigner port on an Ed25519 key file (see LocalKeyFile): pure Ed25519, as KMS signs it. */
export class LocalProofSigner extends LocalKeyFile implements ProofSigner {
  protected readonly keyType = 'ed25519';

  protected generate(): KeyObject {
    return generateKeyPairSync('ed25519').privateKey;
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    // No digest argument: Ed25519 hashes internally (SHA-512), as RFC 8032 defines it.
    return new Uint8Array(sign(null, data, await this.privateKey()));
  }
}
