import { KMSClient } from '@aws-sdk/client-kms';
import type { Signer } from '../ports.js';
import { KmsSigner } from './kms-signer.js';
import { LocalSigner } from './local-signer.js';

/**
 * KMS in AWS; on the local cloud (which sets SKILLCERT_LOCAL_KEYS_DIR, since nothing emulates KMS) a
 * file-backed ES256 key under the same key id. Both produce the same JWS.
 */
export function signerFromEnvironment(keyId: string, env: NodeJS.ProcessEnv = process.env): Signer {
  const localKeysDir = env.SKILLCERT_LOCAL_KEYS_DIR;
  return localKeysDir ? new LocalSigner(localKeysDir, keyId) : new KmsSigner(new KMSClient({}), keyId);
}
