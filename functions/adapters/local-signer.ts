import { createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Signer } from '../ports.js';

/**
 * The Signer port on an ES256 key kept in a file: the local cloud's stand-in for KMS, which has no local
 * engine. The key is created on first use; concurrent first uses (several sandboxes) agree on one key.
 */
export class LocalSigner implements Signer {
  private key?: Promise<KeyObject>;

  constructor(
    private readonly keysDir: string,
    /** The template's key id (SIGNING_KEY_ID): names the file, so it may not leave the folder. */
    private readonly localKeyId: string,
  ) {
    if (!/^[A-Za-z0-9._-]+$/.test(localKeyId)) throw new Error(`Invalid local key id '${localKeyId}'`);
  }

  private get path(): string {
    return join(this.keysDir, `${this.localKeyId}.private.jwk.json`);
  }

  private async loadOrCreate(): Promise<KeyObject> {
    await mkdir(this.keysDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
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
  }

  private privateKey(): Promise<KeyObject> {
    this.key ??= this.loadOrCreate();
    return this.key;
  }

  /** Same scheme as KMS: the RFC 7638 thumbprint of the public key. */
  async keyId(): Promise<string> {
    return calculateJwkThumbprint(await this.publicJwk(), 'sha256');
  }

  async publicJwk(): Promise<JWK> {
    const { kty, crv, x, y } = (await this.privateKey()).export({ format: 'jwk' });
    return { kty, crv, x, y } as JWK;
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(
      sign('sha256', signingInput, { key: await this.privateKey(), dsaEncoding: 'ieee-p1363' }),
    );
  }
}
