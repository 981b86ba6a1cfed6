import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alias, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { protectKey } from './signing.js';

/**
 * The region's identity key: an HMAC-SHA-256 key in KMS that turns a resident ID into the MAC the region
 * keeps for holder checks. Without it the MAC cannot be computed, so a leaked record cannot be searched
 * back to the 18-character number (docs/credentials.md). Retained: losing it would orphan every MAC.
 */
export class HolderIdentity extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: { deploymentName: string }) {
    super(scope, id);
    this.key = new Key(this, 'IdentityKey', {
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      description: `skillcert ${props.deploymentName} identity key (HMAC-SHA-256 of resident IDs)`,
      removalPolicy: RemovalPolicy.RETAIN,
      // KMS rotates only symmetric encryption keys automatically; a new HMAC key would need every MAC
      // recomputed from IDs the region does not keep, so this key is not rotated.
      enableKeyRotation: false,
    });
    // Losing or disabling it would orphan every stored MAC: nobody may.
    protectKey(this.key);
    new Alias(this, 'Alias', {
      aliasName: `alias/skillcert-${props.deploymentName}-identity`,
      targetKey: this.key,
    });
    Validations.of(this.key).acknowledge({
      id: 'AwsSolutions-KMS5',
      reason:
        'HMAC keys cannot rotate automatically in KMS, and a new key would orphan every stored MAC (the IDs are not kept to recompute them).',
    });
  }
}
