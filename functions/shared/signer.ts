// The region's ES256 signer, for the functions that sign (certificates, status lists, endorsements,
// notices). Kept apart from ./certification.ts so that other functions bundle no KMS client, and from
// ./issuing.ts so that a function signing only JWS (revocation notices) bundles no JSON-LD.
import { config } from './region-config.js';
import { type LedgeredSigner, ledgeredSignerFromEnvironment } from './signing-keys.js';

let signer: LedgeredSigner | undefined;
/** The region key behind the signing-key ledger: recorded before its first signature, refused once compromised. */
export function certificateSigner(): LedgeredSigner {
  if (!config.SIGNING_KEY_ID) throw new Error('SIGNING_KEY_ID is not set for this function');
  signer ??= ledgeredSignerFromEnvironment(config.SIGNING_KEY_ID, config.TABLE_NAME, config.ISSUER_DID);
  return signer;
}
