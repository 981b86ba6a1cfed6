// The credential signer of this function's environment (SIGNING_KEY_ID, PROOF_KEY_ID), for the
// functions that issue credentials: certificates, endorsements, status lists. Apart from ./signer.ts so
// that a function signing only JWS (revocation notices) bundles no JSON-LD.

import { RegionCredentialSigner } from './credential-signer.js';
import { config } from './region-config.js';
import { certificateSigner } from './signer.js';
import { ledgeredProofSignerFromEnvironment } from './signing-keys.js';

let credentials: RegionCredentialSigner | undefined;
/** Both region keys behind the key ledger: the Ed25519 proof, then the ES256 JWS. */
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
