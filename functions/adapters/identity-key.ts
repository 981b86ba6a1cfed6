// The IdentityKey port: HMAC-SHA-256 under the region's identity key. In AWS a KMS HMAC_256 key
// (GenerateMac; the key never leaves KMS); on the local cloud, which has no KMS, a 256-bit key in a file
// under the local keys folder, created on first use.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import type { IdentityKey } from '../ports.js';

const format = (mac: Uint8Array) => `hmac-sha256$${Buffer.from(mac).toString('base64url')}`;

export class KmsIdentityKey implements IdentityKey {
  constructor(
    private readonly kms: KMSClient,
    private readonly kmsKeyId: string,
  ) {}

  async mac(input: string): Promise<string> {
    const out = await this.kms.send(
      new GenerateMacCommand({
        KeyId: this.kmsKeyId,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: new TextEncoder().encode(input),
      }),
    );
    if (!out.Mac) throw new Error(`KMS returned no MAC for ${this.kmsKeyId}`);
    return format(out.Mac);
  }
}

export class LocalIdentityKey implements IdentityKey {
  private key?: Promise<Buffer>;

  constructor(
    private readonly keysDir: string,
    /** The template's key id (IDENTITY_KEY_ID): names the file, so it may not leave the folder. */
    private readonly localKeyId: string,
  ) {
    if (!/^[A-Za-z0-9._-]+$/.test(localKeyId)) throw new Error(`Invalid local key id '${localKeyId}'`);
  }

  private async loadOrCreate(): Promise<Buffer> {
    const path = join(this.keysDir, `${this.localKeyId}.hmac.key`);
    await mkdir(this.keysDir, { recursive: true });
    const fresh = randomBytes(32);
    try {
      // 'wx' fails if the file exists: whoever wrote first defines the key; the others read it.
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(fresh.toString('base64url'));
      await file.close();
      return fresh;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      for (let attempt = 0; ; attempt++) {
        const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
        if (key.length === 32) return key;
        if (attempt > 20) throw new Error(`The local identity key ${path} is not a 256-bit key`);
        await new Promise((r) => setTimeout(r, 10)); // the winner may still be writing
      }
    }
  }

  async mac(input: string): Promise<string> {
    this.key ??= this.loadOrCreate();
    return format(
      createHmac('sha256', await this.key)
        .update(input)
        .digest(),
    );
  }
}

/** KMS in AWS; the local key file where the local cloud sets SKILLCERT_LOCAL_KEYS_DIR. */
export function identityKeyFromEnvironment(env: NodeJS.ProcessEnv = process.env): IdentityKey {
  const keyId = env.IDENTITY_KEY_ID;
  if (!keyId) throw new Error('IDENTITY_KEY_ID is not set for this function');
  const localKeysDir = env.SKILLCERT_LOCAL_KEYS_DIR;
  return localKeysDir
    ? new LocalIdentityKey(localKeysDir, keyId)
    : new KmsIdentityKey(new KMSClient({}), keyId);
}
