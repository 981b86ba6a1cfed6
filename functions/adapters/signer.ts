import { KMSClient } from '@aws-sdk/client-kms';
import type { ProofSigner, Signer } from '../ports.js';
import { KmsProofSigner, KmsSigner } from './kms-signer.js';
import { LocalProofSigner, LocalSigner } from './local-signer.js';

/**
 * KMS in AWS; on the local cloud (which sets SKILLCERT_LOCAL_KEYS_DIR, since nothing emulates KMS) a
 * file-backed ES256 key under the same key id. Both produce the same JWS.
 */
export function signerFromEnvironment(keyId: string, env: NodeJS.ProcessEnv = process.env): Signer {
  const localKeysDir = env.SKILLCERT_LOCAL_KEYS_DIR;
  return localKeysDir ? new LocalSigner(localKeysDir, keyId) : new KmsSigner(new KMSClient({}), keyId);
}

/**
 * The Ed25519 key for Data Integrity proofs (PROOF_KEY_ID): KMS in AWS, a file-backed Ed25519 key
 * under the same key id on the local cloud. Both make the same proofs.
 */
export function proofSignerFromEnvironment(keyId: string, env: NodeJS.ProcessEnv = process.env): ProofSigner {
  const localKeysDir = env.SKILLCERT_LOCAL_KEYS_DIR;
  return localKeysDir
    ? new LocalProofSigner(localKeysDir, keyId)
    : new KmsProofSigner(new KMSClient({}), keyId);
}
