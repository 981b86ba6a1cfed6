// The region's signers, for the functions that sign (certificates, status lists, endorsements, notices).
// Kept apart from ./certification.ts so that other functions bundle no KMS client.

import { config } from './certification.js';
import { RegionCredentialSigner } from './credential-signer.js';
import {
  type LedgeredSigner,
  ledgeredProofSignerFromEnvironment,
  ledgeredSignerFromEnvironment,
} from './signing-keys.js';

let signer: LedgeredSigner | undefined;
/** The region key behind the signing-key ledger: recorded before its first signature, refused once compromised. */
export function certificateSigner(): LedgeredSigner {
  if (!config.SIGNING_KEY_ID) throw new Error('SIGNING_KEY_ID is not set for this function');
  signer ??= ledgeredSignerFromEnvironment(config.SIGNING_KEY_ID, config.TABLE_NAME, config.ISSUER_DID);
  return signer;
}

let credentials: RegionCredentialSigner | undefined;
/** Both keys behind the ledger: the Ed25519 proof, then the ES256 JWS (credential-signer.ts). */
export function credentialSigner(): RegionCredentialSigner {
  if (!config.PROOF_KEY_ID) throw new Error('PROOF_KEY_ID is not set for this function');
  credentials ??= new RegionCredentialSigner({
    signer: certificateSigner(),
    proofSigner: ledgeredProofSignerFromEnvironment(
      config.PROOF_KEY_ID,
      config.TABLE_NAME,
      config.ISSUER_DID,
    ),
    issuerDid: config.ISSUER_DID,
  });
  return credentials;
}
