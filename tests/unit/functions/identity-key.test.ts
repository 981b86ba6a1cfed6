// The identity key: a keyed hash of resident IDs that nobody without the key can compute.
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import {
  identityKeyFromEnvironment,
  KmsIdentityKey,
  LocalIdentityKey,
} from '../../../functions/adapters/identity-key.js';

const ID = '51100219900307123X';
const dir = await mkdtemp(join(tmpdir(), 'identity-key-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the local identity key', () => {
  it('is HMAC-SHA-256 under a 256-bit key created once, which concurrent first uses agree on', async () => {
    const keys = Array.from({ length: 5 }, () => new LocalIdentityKey(dir, 'local-identity'));
    const macs = await Promise.all(keys.map((k) => k.mac(ID)));
    expect(new Set(macs).size).toBe(1);
    const key = Buffer.from(
      (await readFile(join(dir, 'local-identity.hmac.key'), 'utf8')).trim(),
      'base64url',
    );
    expect(key).toHaveLength(32);
    expect(macs[0]).toBe(`hmac-sha256$${createHmac('sha256', key).update(ID).digest('base64url')}`);
  });

  it('gives another MAC under another key, and for another ID', async () => {
    const a = new LocalIdentityKey(dir, 'region-a');
    const b = new LocalIdentityKey(dir, 'region-b');
    expect(await a.mac(ID)).not.toBe(await b.mac(ID));
    expect(await a.mac(ID)).not.toBe(await a.mac('11010519491231002X'));
  });

  it('refuses a key id that would leave the keys folder', () => {
    expect(() => new LocalIdentityKey(dir, '../elsewhere')).toThrow(/Invalid local key id/);
  });
});

describe('the KMS identity key', () => {
  const kms = mockClient(KMSClient);
  afterAll(() => kms.restore());

  it('asks KMS for an HMAC_SHA_256 of the normalised ID and writes it like the local key', async () => {
    kms.on(GenerateMacCommand).resolves({ Mac: new Uint8Array([1, 2, 3]) });
    expect(await new KmsIdentityKey(new KMSClient({}), 'key-1').mac(ID)).toBe('hmac-sha256$AQID');
    expect(kms.commandCalls(GenerateMacCommand)[0]?.args[0].input).toMatchObject({
      KeyId: 'key-1',
      MacAlgorithm: 'HMAC_SHA_256',
    });
  });

  it('fails loudly when KMS returns no MAC', async () => {
    kms.on(GenerateMacCommand).resolves({});
    await expect(new KmsIdentityKey(new KMSClient({}), 'key-1').mac(ID)).rejects.toThrow(/no MAC for key-1/);
  });
});

describe('identityKeyFromEnvironment', () => {
  it('uses the local key where the local cloud says so, KMS elsewhere, and needs IDENTITY_KEY_ID', () => {
    expect(
      identityKeyFromEnvironment({ IDENTITY_KEY_ID: 'k', SKILLCERT_LOCAL_KEYS_DIR: dir }),
    ).toBeInstanceOf(LocalIdentityKey);
    expect(identityKeyFromEnvironment({ IDENTITY_KEY_ID: 'k' })).toBeInstanceOf(KmsIdentityKey);
    expect(() => identityKeyFromEnvironment({})).toThrow(/IDENTITY_KEY_ID/);
  });
});
