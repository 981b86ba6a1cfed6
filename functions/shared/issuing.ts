// The credential signer of this function's environment (SIGNING_KEY_ID; PROOF_SUITE and, for
// eddsa-rdfc-2022, PROOF_KEY_ID), for the functions that issue credentials: certificates, endorsements,
// status lists. Apart from ./signer.ts so that a function signing only JWS (revocation notices) bundles no
// JSON-LD.

import { RegionCredentialSigner } from './credential-signer.js';
import { config } from './region-config.js';
import { certificateSigner } from './signer.js';
import { ledgeredProofSignerFromEnvironment } from './signing-keys.js';

let credentials: RegionCredentialSigner | undefined;
/**
 * The region's keys behind the key ledger: the Data Integrity proof, then the ES256 JWS. With
 * ecdsa-rdfc-2019 the ES256 key makes both (one key, one line of windows); with eddsa-rdfc-2022 (the
 * default) the Ed25519 key of PROOF_KEY_ID makes the proof.
 */
export function credentialSigner(): RegionCredentialSigner {
  const proofSuite = config.PROOF_SUITE ?? 'eddsa-rdfc-2022';
  if (proofSuite === 'eddsa-rdfc-2022' && !config.PROOF_KEY_ID)
    throw new Error(
      'PROOF_KEY_ID is not set for this function (eddsa-rdfc-2022 proofs need the Ed25519 key)',
    );
  credentials ??= new RegionCredentialSigner({
    signer: certificateSigner(),
    proofSigner:
      proofSuite === 'ecdsa-rdfc-2019'
        ? certificateSigner()
        : ledgeredProofSignerFromEnvironment(
            config.PROOF_KEY_ID as string,
            config.TABLE_NAME,
            config.ISSUER_DID,
          ),
    issuerDid: config.ISSUER_DID,
    proofSuite,
  });
  return credentials;
}
