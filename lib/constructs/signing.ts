import { RemovalPolicy } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { ProofSuite } from '../../functions/domain/credential.js';
import type { SkillcertFunction } from './function.js';

/** What no one may do to a key whose loss would orphan what it signed or keyed: disable it or delete it. */
export const KEY_PROTECTION_ACTIONS = ['kms:ScheduleKeyDeletion', 'kms:DisableKey'];

/**
 * Denies disabling and scheduling the deletion of a key to every principal, administrators included. The
 * DeletionPolicy only covers CloudFormation; this covers the console and the CLI. Lifting it is a change to
 * this code, reviewed and deployed like any other (docs/deploy.md, "Teardown").
 */
export function protectKey(key: Key): Key {
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'NeverDisableOrDelete',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: KEY_PROTECTION_ACTIONS,
      resources: ['*'],
    }),
  );
  return key;
}

export interface SigningProps {
  /** The deployment's name (neijiang-prod): aliases are unique per account and region, so they carry it. */
  deploymentName: string;
  /**
   * Which keys sign: 1 for the first, one more for each rotation (context `signingKeyGeneration`).
   * Raising it creates new keys and points the aliases and every function at them; the previous keys
   * leave the template but stay in the account (retained), and the signing-key ledger keeps them
   * published for verification. See docs/keys.md.
   */
  generation?: number;
  /**
   * The Data Integrity cryptosuite: eddsa-rdfc-2022 makes an Ed25519 proof key beside the ES256 key;
   * ecdsa-rdfc-2019 makes none, the ES256 key signs the proofs too (docs/deploy.md, "Proof suite").
   */
  proofSuite?: ProofSuite;
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
 * The region's active signing keys: ECC P-256 for the ES256 JWS and, with eddsa-rdfc-2022, Ed25519 for the
 * Data Integrity proof embedded in the JSON credentials (with ecdsa-rdfc-2019 the P-256 key makes that
 * proof too). Private key material never leaves KMS. Retained: what they signed must stay verifiable after
 * they are rotated out or the stack is gone. Only the active generation is in the template; both keys
 * rotate together.
 */
export class Signing extends Construct {
  readonly key: Key;
  /** The Ed25519 key of the Data Integrity proofs (key spec ECC_NIST_EDWARDS25519); none with ecdsa-rdfc-2019. */
  readonly proofKey: Key | undefined;
  readonly proofSuite: ProofSuite;
  readonly generation: number;

  constructor(scope: Construct, id: string, props: SigningProps) {
    super(scope, id);
    const generation = props.generation ?? 1;
    if (!Number.isInteger(generation) || generation < 1) {
      throw new Error(`signingKeyGeneration must be a whole number from 1, not ${String(props.generation)}`);
    }
    this.generation = generation;
    this.proofSuite = props.proofSuite ?? 'eddsa-rdfc-2022';
    this.key = new Key(this, signingKeyLogicalId(generation), {
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      description: `skillcert ${props.deploymentName} certificate signing key (ES256), generation ${generation}`,
      removalPolicy: RemovalPolicy.RETAIN,
      // Asymmetric keys cannot rotate automatically; rotation is a new generation plus the key ledger.
      enableKeyRotation: false,
    });
    protectKey(this.key);
    new Alias(this, 'Alias', {
      aliasName: `alias/skillcert-${props.deploymentName}-signing`,
      targetKey: this.key,
    });
    if (this.proofSuite !== 'eddsa-rdfc-2022') {
      this.proofKey = undefined;
      return;
    }
    this.proofKey = new Key(this, proofKeyLogicalId(generation), {
      keySpec: KeySpec.ECC_NIST_EDWARDS25519,
      keyUsage: KeyUsage.SIGN_VERIFY,
      description: `skillcert ${props.deploymentName} Data Integrity proof key (Ed25519, eddsa-rdfc-2022), generation ${generation}`,
      removalPolicy: RemovalPolicy.RETAIN,
      enableKeyRotation: false,
    });
    protectKey(this.proofKey);
    new Alias(this, 'ProofAlias', {
      aliasName: `alias/skillcert-${props.deploymentName}-proof-signing`,
      targetKey: this.proofKey,
    });
  }

  /** What a function that adds Data Integrity proofs needs in its environment. */
  proofEnvironment(): Record<string, string> {
    return {
      PROOF_SUITE: this.proofSuite,
      ...(this.proofKey ? { PROOF_KEY_ID: this.proofKey.keyId } : {}),
    };
  }

  /** Lets a function add Data Integrity proofs: sign with the proof key (the ES256 key's grant is the caller's). */
  grantProof(fn: SkillcertFunction): SkillcertFunction {
    return this.proofKey ? fn.grantSign(this.proofKey) : fn;
  }

  /** Lets a function read the public halves of every active key. */
  grantPublicKeysRead(fn: SkillcertFunction): SkillcertFunction {
    fn.grantPublicKeyRead(this.key);
    return this.proofKey ? fn.grantPublicKeyRead(this.proofKey) : fn;
  }
}
