import { RemovalPolicy } from 'aws-cdk-lib';
import { Alias, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface SigningProps {
  regionCode: string;
  /**
   * Which keys sign: 1 for the first, one more for each rotation (context `signingKeyGeneration`).
   * Raising it creates new keys and points the aliases and every function at them; the previous keys
   * leave the template but stay in the account (retained), and the signing-key ledger keeps them
   * published for verification. See docs/keys.md.
   */
  generation?: number;
}

/** The logical id of a generation's key. Generation 1 keeps the original id, so existing stacks keep their key. */
export function signingKeyLogicalId(generation: number): string {
  return generation === 1 ? 'CertificateSigningKey' : `CertificateSigningKeyG${generation}`;
}

/** The logical id of a generation's Ed25519 proof key, on the same pattern. */
export function proofKeyLogicalId(generation: number): string {
  return generation === 1 ? 'ProofSigningKey' : `ProofSigningKeyG${generation}`;
}

/**
 * The region's active signing keys, one per algorithm: ECC P-256 for the ES256 JWS, and Ed25519 for the
 * eddsa-rdfc-2022 Data Integrity proof embedded in the JSON credentials. Private key material never leaves
 * KMS. Retained: what they signed must stay verifiable after they are rotated out or the stack is gone.
 * Only the active generation is in the template; both keys rotate together.
 */
export class Signing extends Construct {
  readonly key: Key;
  /** The Ed25519 key of the Data Integrity proofs (key spec ECC_NIST_EDWARDS25519). */
  readonly proofKey: Key;
  readonly generation: number;

  constructor(scope: Construct, id: string, props: SigningProps) {
    super(scope, id);
    const generation = props.generation ?? 1;
    if (!Number.isInteger(generation) || generation < 1) {
      throw new Error(`signingKeyGeneration must be a whole number from 1, not ${String(props.generation)}`);
    }
    this.generation = generation;
    this.key = new Key(this, signingKeyLogicalId(generation), {
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      description: `skillcert ${props.regionCode} certificate signing key (ES256), generation ${generation}`,
      removalPolicy: RemovalPolicy.RETAIN,
      // Asymmetric keys cannot rotate automatically; rotation is a new generation plus the key ledger.
      enableKeyRotation: false,
    });
    new Alias(this, 'Alias', {
      aliasName: `alias/skillcert-${props.regionCode}-signing`,
      targetKey: this.key,
    });
    this.proofKey = new Key(this, proofKeyLogicalId(generation), {
      keySpec: KeySpec.ECC_NIST_EDWARDS25519,
      keyUsage: KeyUsage.SIGN_VERIFY,
      description: `skillcert ${props.regionCode} Data Integrity proof key (Ed25519, eddsa-rdfc-2022), generation ${generation}`,
      removalPolicy: RemovalPolicy.RETAIN,
      enableKeyRotation: false,
    });
    new Alias(this, 'ProofAlias', {
      aliasName: `alias/skillcert-${props.regionCode}-proof-signing`,
      targetKey: this.proofKey,
    });
  }
}
