// How a region secures every credential it issues (certificates, endorsements, status lists): first the
// embedded Data Integrity proof of the region's suite (eddsa-rdfc-2022 with its Ed25519 key, or
// ecdsa-rdfc-2019 with its ES256 key), then the ES256 JWS in OB 3.0's JWT format over the credential that
// carries that proof — the order OB 3.0 requires. The proof is a set of one (`proof: [ … ]`), as 1EdTech's
// JSON schemas require.
import type { ProofSuite } from '../domain/credential.js';
import type { CredentialSigner, ProofSigner, Signer } from '../ports.js';
import { addProof } from './data-integrity.js';
import { signCredentialJwt } from './signing.js';
import { proofVerificationMethod } from './signing-keys.js';

export class RegionCredentialSigner implements CredentialSigner {
  constructor(
    private readonly keys: {
      signer: Signer;
      proofSigner: ProofSigner;
      issuerDid: string;
      /** eddsa-rdfc-2022 unless the deployment says otherwise. */
      proofSuite?: ProofSuite;
    },
  ) {}

  async sign(credential: Record<string, unknown>): Promise<{ json: Record<string, unknown>; jws: string }> {
    const { signer, proofSigner, issuerDid } = this.keys;
    // The proof is dated when the credential says it was issued: verifiers check the key windows there.
    const created = typeof credential.validFrom === 'string' ? new Date(credential.validFrom) : new Date();
    const { proof, ...unsecured } = await addProof(credential, {
      signer: proofSigner,
      verificationMethod: await proofVerificationMethod(proofSigner, issuerDid),
      created,
      ...(this.keys.proofSuite ? { cryptosuite: this.keys.proofSuite } : {}),
    });
    const json = { ...unsecured, proof: [proof] };
    return { json, jws: await signCredentialJwt(signer, issuerDid, json) };
  }
}
