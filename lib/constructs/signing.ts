import { RemovalPolicy } from 'aws-cdk-lib';
import { Alias, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface SigningProps {
  regionCode: string;
  /**
   * Which key signs: 1 for the first, one more for each rotation (context `signingKeyGeneration`).
   * Raising it creates a new key and points the alias and every function at it; the previous key
   * leaves the template but stays in the account (retained), and the signing-key ledger keeps it
   * published for verification. See docs/keys.md.
   */
  generation?: number;
}

/** The logical id of a generation's key. Generation 1 keeps the original id, so existing stacks keep their key. */
export function signingKeyLogicalId(generation: number): string {
  return generation === 1 ? 'CertificateSigningKey' : `CertificateSigningKeyG${generation}`;
}

/**
 * The region's active certificate signing key: ECC P-256 for ES256 JWS. Private key material never leaves
 * KMS. Retained: certificates signed with it must stay verifiable after it is rotated out or the stack
 * is gone. Only the active generation is in the template.
 */
export class Signing extends Construct {
  readonly key: Key;
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
  }
}
