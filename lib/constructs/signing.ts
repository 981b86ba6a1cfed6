import { RemovalPolicy } from 'aws-cdk-lib';
import { Alias, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The region's certificate signing key: ECC P-256 for ES256 JWS. Private key material never leaves KMS.
 * Retained: certificates signed with it must stay verifiable after the stack is gone.
 */
export class Signing extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: { regionCode: string }) {
    super(scope, id);
    this.key = new Key(this, 'CertificateSigningKey', {
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      description: `skillcert ${props.regionCode} certificate signing key (ES256)`,
      removalPolicy: RemovalPolicy.RETAIN,
      // Asymmetric keys cannot rotate automatically; rotation is a new key plus a JWKS that keeps the old one.
      enableKeyRotation: false,
    });
    new Alias(this, 'Alias', {
      aliasName: `alias/skillcert-${props.regionCode}-signing`,
      targetKey: this.key,
    });
  }
}
