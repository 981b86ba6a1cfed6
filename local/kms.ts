// A local KMS for the template's asymmetric signing keys and HMAC keys, speaking KMS's own JSON protocol
// (awsJson1_1, X-Amz-Target TrentService.<Operation>), so functions run the same KmsSigner, KmsProofSigner
// and KmsIdentityKey adapters they run in AWS, through @aws-sdk/client-kms (AWS_ENDPOINT_URL_KMS), and
// every call is authorised by the caller's role and the key's policy (local/iam).
//
// Keys live under the region's data folder (`keys/`), in the files the in-process local signers have
// always used (`<keyId>.private.jwk.json`, `<keyId>.hmac.key`), so existing data and tests that sign
// with the same key file keep working. Operations: Sign, GetPublicKey, GenerateMac, VerifyMac, DescribeKey.
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  timingSafeEqual,
} from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { AwsServiceError, startAwsJsonServer } from './aws-json-server.js';
import type { JsonProtocolGuard } from './iam/json-protocol.js';
import type { SignedRequest } from './iam/sigv4.js';
import type { LocalSigningKey } from './model.js';

export interface LocalKmsOptions {
  keys: LocalSigningKey[];
  keysDir: string;
  port?: number;
  guard?: JsonProtocolGuard;
  logger?: (line: string) => void;
}

/** KMS refuses RAW messages above 4096 bytes. */
const MAX_RAW_MESSAGE = 4096;

type Material = { kind: 'private'; key: KeyObject } | { kind: 'hmac'; secret: Buffer };

async function loadOrCreate(
  path: string,
  create: () => string,
  read: (text: string) => Material | undefined,
) {
  try {
    // 'wx' fails if the file exists: whoever wrote first defines the key (as local-signer.ts does).
    const file = await open(path, 'wx', 0o600);
    try {
      await file.writeFile(create());
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (let attempt = 0; ; attempt++) {
    const material = read(await readFile(path, 'utf8'));
    if (material) return material;
    if (attempt > 20) throw new Error(`Local key file ${path} is unreadable`);
    await new Promise((r) => setTimeout(r, 10)); // the writer may still be writing
  }
}

function blob(input: Record<string, unknown>, member: string): Buffer {
  const value = input[member];
  if (typeof value !== 'string' || value.length === 0) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return Buffer.from(value, 'base64');
}

export async function startLocalKms(options: LocalKmsOptions) {
  await mkdir(options.keysDir, { recursive: true });
  const byId = new Map<string, LocalSigningKey>();
  for (const key of options.keys) {
    byId.set(key.keyId, key);
    byId.set(key.arn, key);
  }
  const material = new Map<string, Promise<Material>>();

  function keyFor(input: Record<string, unknown>): LocalSigningKey {
    const id = input.KeyId;
    if (typeof id !== 'string' || id === '') {
      throw new AwsServiceError(
        'ValidationException',
        "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must not be null",
      );
    }
    const key = byId.get(id);
    if (!key) throw new AwsServiceError('NotFoundException', `Key '${id}' does not exist`);
    return key;
  }

  function materialOf(key: LocalSigningKey): Promise<Material> {
    let m = material.get(key.keyId);
    if (!m) {
      m = load(key);
      material.set(key.keyId, m);
      m.catch(() => material.delete(key.keyId));
    }
    return m;
  }

  function load(key: LocalSigningKey): Promise<Material> {
    if (key.keySpec === 'HMAC_256') {
      return loadOrCreate(
        join(options.keysDir, `${key.keyId}.hmac.key`),
        () => randomBytes(32).toString('base64url'),
        (text) => {
          const secret = Buffer.from(text.trim(), 'base64url');
          return secret.length === 32 ? { kind: 'hmac', secret } : undefined;
        },
      );
    }
    const generate =
      key.keySpec === 'ECC_NIST_P256'
        ? () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
        : key.keySpec === 'ECC_NIST_EDWARDS25519'
          ? () => generateKeyPairSync('ed25519').privateKey
          : undefined;
    if (!generate) {
      return Promise.reject(
        new AwsServiceError('UnsupportedOperationException', `The local KMS has no ${key.keySpec} keys`),
      );
    }
    return loadOrCreate(
      join(options.keysDir, `${key.keyId}.private.jwk.json`),
      () => JSON.stringify(generate().export({ format: 'jwk' })),
      (text) => {
        try {
          return { kind: 'private', key: createPrivateKey({ key: JSON.parse(text), format: 'jwk' }) };
        } catch {
          return undefined;
        }
      },
    );
  }

  async function privateKey(key: LocalSigningKey): Promise<KeyObject> {
    if (key.keyUsage !== 'SIGN_VERIFY') {
      throw new AwsServiceError(
        'InvalidKeyUsageException',
        `${key.arn} key usage is ${key.keyUsage} which is not valid for this operation.`,
      );
    }
    const m = await materialOf(key);
    if (m.kind !== 'private')
      throw new AwsServiceError('InvalidKeyUsageException', `${key.arn} is not an asymmetric key`);
    return m.key;
  }

  async function hmacSecret(key: LocalSigningKey): Promise<Buffer> {
    if (key.keyUsage !== 'GENERATE_VERIFY_MAC') {
      throw new AwsServiceError(
        'InvalidKeyUsageException',
        `${key.arn} key usage is ${key.keyUsage} which is not valid for this operation.`,
      );
    }
    const m = await materialOf(key);
    if (m.kind !== 'hmac')
      throw new AwsServiceError('InvalidKeyUsageException', `${key.arn} is not an HMAC key`);
    return m.secret;
  }

  const signingAlgorithms = (key: LocalSigningKey) =>
    key.keySpec === 'ECC_NIST_P256' ? ['ECDSA_SHA_256'] : ['ED25519_SHA_512', 'ED25519_PH_SHA_512'];

  function mac(secret: Buffer, input: Record<string, unknown>): Buffer {
    if (input.MacAlgorithm !== 'HMAC_SHA_256') {
      throw new AwsServiceError(
        'InvalidKeyUsageException',
        `MacAlgorithm ${String(input.MacAlgorithm)} is not valid for this key`,
      );
    }
    return createHmac('sha256', secret).update(blob(input, 'Message')).digest();
  }

  const operations = {
    DescribeKey: (input: Record<string, unknown>) => {
      const key = keyFor(input);
      return {
        KeyMetadata: {
          AWSAccountId: key.arn.split(':')[4],
          KeyId: key.keyId,
          Arn: key.arn,
          Enabled: true,
          KeyState: 'Enabled',
          KeyManager: 'CUSTOMER',
          KeySpec: key.keySpec,
          KeyUsage: key.keyUsage,
          Origin: 'AWS_KMS',
        },
      };
    },
    GetPublicKey: async (input: Record<string, unknown>) => {
      const key = keyFor(input);
      const spki = createPublicKey(await privateKey(key)).export({ format: 'der', type: 'spki' });
      return {
        KeyId: key.arn,
        PublicKey: spki.toString('base64'),
        KeySpec: key.keySpec,
        CustomerMasterKeySpec: key.keySpec,
        KeyUsage: key.keyUsage,
        SigningAlgorithms: signingAlgorithms(key),
      };
    },
    Sign: async (input: Record<string, unknown>) => {
      const key = keyFor(input);
      const privateKeyObject = await privateKey(key);
      const message = blob(input, 'Message');
      const messageType = input.MessageType ?? 'RAW';
      const algorithm = input.SigningAlgorithm;
      if (!signingAlgorithms(key).includes(String(algorithm))) {
        throw new AwsServiceError(
          'InvalidKeyUsageException',
          `SigningAlgorithm ${String(algorithm)} is not valid for ${key.arn}`,
        );
      }
      if (messageType === 'RAW' && message.length > MAX_RAW_MESSAGE) {
        throw new AwsServiceError(
          'ValidationException',
          `Message of ${message.length} bytes exceeds the 4096-byte limit for RAW messages`,
        );
      }
      let signature: Buffer;
      if (algorithm === 'ECDSA_SHA_256') {
        if (messageType === 'DIGEST') {
          if (message.length !== 32)
            throw new AwsServiceError(
              'ValidationException',
              'Digest is invalid length for algorithm ECDSA_SHA_256.',
            );
          // A digest is signed as is: node:crypto always hashes, so the curve library signs the digest.
          const d = Buffer.from(privateKeyObject.export({ format: 'jwk' }).d as string, 'base64url');
          signature = Buffer.from(p256.sign(message, d, { prehash: false, format: 'der' }));
        } else {
          signature = sign('sha256', message, { key: privateKeyObject, dsaEncoding: 'der' });
        }
      } else if (algorithm === 'ED25519_SHA_512') {
        if (messageType !== 'RAW')
          throw new AwsServiceError('ValidationException', 'ED25519_SHA_512 requires MessageType RAW.');
        signature = sign(null, message, privateKeyObject);
      } else {
        throw new AwsServiceError(
          'UnsupportedOperationException',
          `The local KMS does not sign with ${String(algorithm)}`,
        );
      }
      return { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: algorithm };
    },
    GenerateMac: async (input: Record<string, unknown>) => {
      const key = keyFor(input);
      return {
        KeyId: key.arn,
        Mac: mac(await hmacSecret(key), input).toString('base64'),
        MacAlgorithm: input.MacAlgorithm,
      };
    },
    VerifyMac: async (input: Record<string, unknown>) => {
      const key = keyFor(input);
      const expected = mac(await hmacSecret(key), input);
      const given = blob(input, 'Mac');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new AwsServiceError('KMSInvalidMacException', 'The MAC is not valid for the message and key.');
      }
      return { KeyId: key.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
    },
  };

  const guard = options.guard;
  const server = await startAwsJsonServer({
    targetPrefix: 'TrentService',
    jsonVersion: '1.1',
    ...(options.port ? { port: options.port } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(guard
      ? {
          authorize: (operation: string, input: Record<string, unknown>, request: SignedRequest) => {
            // An unknown key id is authorised against the ARN the caller named, as KMS names it.
            const id = typeof input.KeyId === 'string' ? input.KeyId : '';
            const resource = byId.get(id)?.arn ?? (id.startsWith('arn:') ? id : '*');
            return guard(request, [{ action: `kms:${operation}`, resource }]);
          },
        }
      : {}),
    operations,
  });
  return { endpoint: server.endpoint, stop: server.stop };
}
