// The region's signing keys over time: the active keys (KMS, or the local key files) — ES256 for the JWS,
// Ed25519 for the Data Integrity proof — and the ledger of every key that ever signed, with its window and
// any declared compromise. Signing goes through LedgeredSigner (LedgeredProofSigner), which records a key
// the first time it signs and refuses to sign with a compromised or retired key; verifiers of this
// region's own certificates call regionVerificationKeys(). See docs/keys.md.
import type { JWK } from 'jose';
import { DynamoDbSigningKeyLedger } from '../adapters/dynamodb-signing-key-ledger.js';
import { proofSignerFromEnvironment, signerFromEnvironment } from '../adapters/signer.js';
import {
  algorithmOf,
  type CompromiseCheck,
  checkCompromise,
  type FirstUse,
  firstUse,
  publicationOrder,
  publicMembers,
  type SigningAlgorithm,
  type SigningKeyIdentity,
  type SigningKeyRecord,
  type SigningKeyStatus,
  signingKeyStatus,
  signingRefusal,
  supersession,
  verificationKeyOf,
  type WindowClosing,
} from '../domain/signing-keys.js';
import type { VerificationKey } from '../domain/verification.js';
import type { ProofSigner, Signer } from '../ports.js';
import { ed25519Multikey, MULTIKEY_CONTEXT } from './multikey.js';

/** How long a container trusts what it last read about its own key before reading the ledger again. */
export const LEDGER_RECHECK_MS = 60_000;

/** What the ledger must offer (DynamoDbSigningKeyLedger in AWS and on the local cloud; a Map in tests). */
export interface SigningKeyLedger {
  get(thumbprint: string): Promise<SigningKeyRecord | undefined>;
  list(): Promise<SigningKeyRecord[]>;
  recordFirstUse(plan: FirstUse): Promise<'recorded' | 'lost'>;
  /** Sets each signsUntil only where it is still unset. */
  closeWindows(closings: WindowClosing[]): Promise<void>;
  putIfAbsent(record: SigningKeyRecord): Promise<boolean>;
  markCompromised(thumbprint: string, compromisedAt: string, reason: string): Promise<boolean>;
}

/** Thrown instead of signing with a key that is compromised or whose window has closed. */
export class SigningKeyRefused extends Error {
  override name = 'SigningKeyRefused';
}

/** A published key: JWK, kid and the window verifiers check (member names as VerificationKey reads them). */
export type PublishedSigningKey = VerificationKey & { alg: SigningAlgorithm; use: 'sig' };

export async function keyIdentity(
  signer: Signer | ProofSigner,
  issuerDid: string,
): Promise<SigningKeyIdentity> {
  const [publicJwk, thumbprint] = await Promise.all([signer.publicJwk(), signer.keyId()]);
  return { thumbprint, kid: `${issuerDid}#${thumbprint}`, publicJwk: publicMembers(publicJwk) };
}

const FIRST_USE_TRIES = 5;

/**
 * The key's ledger record, written first if it has none (with the generation, when known), and the
 * ledger as read: concurrent first uses each try a conditional put; the losers read the ledger again
 * and find the winner's record.
 */
async function recordedIn(
  key: SigningKeyIdentity,
  ledger: SigningKeyLedger,
  now: () => Date,
  generation?: number,
): Promise<{ record: SigningKeyRecord; records: SigningKeyRecord[] }> {
  for (let attempt = 0; attempt < FIRST_USE_TRIES; attempt++) {
    const records = await ledger.list();
    const existing = records.find((r) => r.thumbprint === key.thumbprint);
    if (existing) return { record: existing, records };
    const plan = firstUse(key, records, now(), generation);
    if ((await ledger.recordFirstUse(plan)) === 'recorded') return { record: plan.record, records };
  }
  throw new Error(`Could not record signing key ${key.kid} in the ledger after ${FIRST_USE_TRIES} tries`);
}

/** The key's ledger record, written first if it has none. */
export async function ensureRecorded(
  key: SigningKeyIdentity,
  ledger: SigningKeyLedger,
  now: () => Date,
  generation?: number,
): Promise<SigningKeyRecord> {
  return (await recordedIn(key, ledger, now, generation)).record;
}

export interface LedgeredSignerOptions {
  /**
   * The key generation of this deployment (SIGNING_KEY_GENERATION, from the CDK context). Recorded with
   * the key; a signer that knows it closes the windows of older generations once its key has been in use
   * for the grace (docs/keys.md). Without it, a signer closes nothing.
   */
  generation?: number;
}

/**
 * The Signer port, with the ledger first: a key is recorded before its first signature, and a key the
 * ledger says is compromised, or retired past its grace, signs nothing. What the ledger said is kept for
 * LEDGER_RECHECK_MS per container, so a declared compromise stops signing within that time. Each time
 * it reads the ledger, a key that may sign also closes the windows its generation supersedes.
 */
export class LedgeredSigner implements Signer {
  private record?: SigningKeyRecord;
  private readAt = 0;
  private reading?: Promise<SigningKeyRecord>;

  constructor(
    private readonly inner: Signer,
    private readonly ledger: SigningKeyLedger,
    private readonly issuerDid: string,
    private readonly now: () => Date = () => new Date(),
    private readonly options: LedgeredSignerOptions = {},
  ) {}

  keyId(): Promise<string> {
    return this.inner.keyId();
  }

  publicJwk(): Promise<JWK> {
    return this.inner.publicJwk();
  }

  /** The key's ledger record, recording it if this is its first use. */
  async ensureRecorded(): Promise<SigningKeyRecord> {
    if (this.record && this.now().getTime() - this.readAt < LEDGER_RECHECK_MS) return this.record;
    this.reading ??= (async () => {
      const { generation } = this.options;
      const key = await keyIdentity(this.inner, this.issuerDid);
      const { record, records } = await recordedIn(key, this.ledger, this.now, generation);
      if (generation !== undefined && !signingRefusal(record, this.now())) {
        const ledger = records.some((r) => r.thumbprint === record.thumbprint)
          ? records
          : [...records, record];
        const closings = supersession(key, generation, ledger, this.now());
        if (closings.length > 0) await this.ledger.closeWindows(closings);
      }
      this.record = record;
      this.readAt = this.now().getTime();
      return record;
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    const refusal = signingRefusal(await this.ensureRecorded(), this.now());
    if (refusal) throw new SigningKeyRefused(refusal);
    return this.inner.sign(signingInput);
  }
}

/**
 * The ProofSigner port with the ledger first: the same rules as LedgeredSigner (recorded before its first
 * proof, refused once compromised or retired), on the Ed25519 key's own line of windows. The two ports
 * have the same shape, so this is LedgeredSigner under the name its callers look for.
 */
export class LedgeredProofSigner extends LedgeredSigner implements ProofSigner {}

/** The Data Integrity verificationMethod of a proof key: `${issuerDid}#${thumbprint}`, as in did.json. */
export async function proofVerificationMethod(signer: ProofSigner, issuerDid: string): Promise<string> {
  return `${issuerDid}#${await signer.keyId()}`;
}

/** A key as the admin list shows it. */
export interface SigningKeyView {
  thumbprint: string;
  kid: string;
  status: SigningKeyStatus;
  /** False only for the active key before its first signature. */
  recorded: boolean;
  /** ES256 (the JWS key) or EdDSA (the Data Integrity proof key). */
  alg: SigningAlgorithm;
  publicJwk: JWK;
  recordedAt?: string;
  signsFrom?: string;
  signsUntil?: string;
  compromisedAt?: string;
  compromiseReason?: string;
}

export type CompromiseOutcome = { ok: true; key: SigningKeyView } | Extract<CompromiseCheck, { ok: false }>;

/** The region's keys: the active ones from the signers, the rest from the ledger. */
export class RegionSigningKeys {
  constructor(
    private readonly deps: {
      /** The active ES256 key's signer (not ledgered: this class only reads its public half). */
      signer: Signer;
      /** The active Ed25519 proof key's signer, likewise. */
      proofSigner?: ProofSigner;
      ledger: SigningKeyLedger;
      issuerDid: string;
      now?: () => Date;
      /** Record the active key when the ledger is empty (needs write access to the table). */
      recordWhenEmpty?: boolean;
      /** The deployment's key generation, recorded with the keys this class records. */
      generation?: number;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The active ES256 key. */
  active(): Promise<SigningKeyIdentity> {
    return keyIdentity(this.deps.signer, this.deps.issuerDid);
  }

  /** The active keys: the ES256 key, then the Ed25519 proof key when there is one. */
  actives(): Promise<SigningKeyIdentity[]> {
    const signers = [this.deps.signer, ...(this.deps.proofSigner ? [this.deps.proofSigner] : [])];
    return Promise.all(signers.map((s) => keyIdentity(s, this.deps.issuerDid)));
  }

  /**
   * The active keys and every ledger key. With recordWhenEmpty, an empty ledger gets the active ES256
   * key recorded first (as its first signature would), with no lower bound on its window: a deployment
   * that signed before the ledger existed keeps those certificates verifiable after its first rotation.
   */
  private async state(): Promise<{ actives: SigningKeyIdentity[]; records: SigningKeyRecord[] }> {
    const [actives, records] = await Promise.all([this.actives(), this.deps.ledger.list()]);
    if (records.length > 0 || !this.deps.recordWhenEmpty) return { actives, records };
    const es256 = actives[0] as SigningKeyIdentity;
    return {
      actives,
      records: [await ensureRecorded(es256, this.deps.ledger, () => this.now(), this.deps.generation)],
    };
  }

  /** Every key verifiers need, active ones first, each with its window and any compromise. */
  async verificationKeys(): Promise<PublishedSigningKey[]> {
    const { actives, records } = await this.state();
    const keys: (PublishedSigningKey & { thumbprint: string; recordedAt?: string })[] = records.map((r) => ({
      ...verificationKeyOf(r),
      thumbprint: r.thumbprint,
      recordedAt: r.recordedAt,
    }));
    for (const active of actives) {
      if (records.some((r) => r.thumbprint === active.thumbprint)) continue;
      // Published before its first signature, so verifiers that cache the set already know it.
      keys.push({
        ...active.publicJwk,
        kid: active.kid,
        alg: algorithmOf(active.publicJwk),
        use: 'sig',
        thumbprint: active.thumbprint,
      });
    }
    return publicationOrder(
      keys,
      actives.map((a) => a.thumbprint),
    ).map(({ thumbprint: _t, recordedAt: _r, ...key }) => key as PublishedSigningKey);
  }

  async list(): Promise<SigningKeyView[]> {
    const { actives, records } = await this.state();
    const activeThumbprints = actives.map((a) => a.thumbprint);
    const views: SigningKeyView[] = records.map((r) => ({
      ...r,
      alg: algorithmOf(r.publicJwk),
      status: signingKeyStatus(r, activeThumbprints),
      recorded: true,
    }));
    for (const active of actives) {
      if (records.some((r) => r.thumbprint === active.thumbprint)) continue;
      views.push({ ...active, alg: algorithmOf(active.publicJwk), status: 'active', recorded: false });
    }
    return publicationOrder(views, activeThumbprints);
  }

  /**
   * Declares a key compromised as of a time: what it signed from then on stops verifying, and it signs
   * nothing more. The active key may be declared compromised before it ever signed (it is recorded
   * then). Nothing changes when the answer is not ok.
   */
  async compromise(thumbprint: string, compromisedAt: Date, reason: string): Promise<CompromiseOutcome> {
    for (let attempt = 0; attempt < FIRST_USE_TRIES; attempt++) {
      const now = this.now();
      const [actives, records] = await Promise.all([this.actives(), this.deps.ledger.list()]);
      const recorded = records.find((r) => r.thumbprint === thumbprint);
      const active = recorded ? undefined : actives.find((a) => a.thumbprint === thumbprint);
      const unrecordedActive = active
        ? firstUse(active, records, now, this.deps.generation).record
        : undefined;
      const check = checkCompromise(recorded ?? unrecordedActive, compromisedAt, now);
      if (!check.ok) return check;
      const at = compromisedAt.toISOString();
      const written = recorded
        ? await this.deps.ledger.markCompromised(thumbprint, at, reason)
        : await this.deps.ledger.putIfAbsent({
            ...(unrecordedActive as SigningKeyRecord),
            // It never signed: its window opens where the compromise starts, so nothing it signs verifies.
            signsFrom: at,
            compromisedAt: at,
            compromiseReason: reason,
          });
      if (written) {
        const key = (await this.list()).find((k) => k.thumbprint === thumbprint);
        if (key) return { ok: true, key };
      }
      // Someone else wrote this key's record meanwhile: look again.
    }
    throw new Error(`Could not declare key ${thumbprint} compromised after ${FIRST_USE_TRIES} tries`);
  }
}

/**
 * A did:web document listing every key under assertionMethod: the ES256 keys as JsonWebKey verification
 * methods (publicKeyJwk), the Ed25519 keys as Multikey ones (publicKeyMultibase), which is what
 * Data Integrity verifiers of eddsa-rdfc-2022 resolve. Each method also carries its window (signsFrom,
 * signsUntil, compromisedAt), as the JWKS does.
 */
export function regionDidDocument(issuerDid: string, keys: PublishedSigningKey[]) {
  const verificationMethod = keys.map((key) => {
    const { kid, alg, use: _use, signsFrom, signsUntil, compromisedAt, ...rest } = key;
    const window = {
      ...(signsFrom ? { signsFrom } : {}),
      ...(signsUntil ? { signsUntil } : {}),
      ...(compromisedAt ? { compromisedAt } : {}),
    };
    const publicKey =
      alg === 'EdDSA'
        ? { type: 'Multikey', publicKeyMultibase: ed25519Multikey(rest) }
        : { type: 'JsonWebKey', publicKeyJwk: publicMembers(rest) };
    return { id: kid, controller: issuerDid, ...publicKey, ...window };
  });
  const hasMultikey = keys.some((k) => k.alg === 'EdDSA');
  return {
    '@context': [
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/security/jwk/v1',
      ...(hasMultikey ? [MULTIKEY_CONTEXT] : []),
    ],
    id: issuerDid,
    verificationMethod,
    assertionMethod: keys.map((k) => k.kid),
  };
}

// ---- From the function's environment: SIGNING_KEY_ID, PROOF_KEY_ID, SIGNING_KEY_GENERATION, ISSUER_DID,
// TABLE_NAME ----

function required(name: 'SIGNING_KEY_ID' | 'ISSUER_DID' | 'TABLE_NAME', env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set for this function (signing keys need it)`);
  return value;
}

/** SIGNING_KEY_GENERATION: the deployment's key generation, a whole number from 1. */
export function keyGenerationFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.SIGNING_KEY_GENERATION;
  const generation = Number(value);
  if (!value || !Number.isInteger(generation) || generation < 1) {
    throw new Error(
      `SIGNING_KEY_GENERATION must be set to the key generation, a whole number from 1 (it is ${value === undefined ? 'not set' : `'${value}'`})`,
    );
  }
  return generation;
}

let fromEnvironment: RegionSigningKeys | undefined;

/**
 * The region's keys for this function, built once from its environment (SIGNING_KEY_ID, ISSUER_DID,
 * TABLE_NAME, and PROOF_KEY_ID when the function has the proof key; the function needs
 * kms:GetPublicKey on the active keys and read access to the table).
 */
export function regionSigningKeys(env: NodeJS.ProcessEnv = process.env): RegionSigningKeys {
  fromEnvironment ??= new RegionSigningKeys({
    signer: signerFromEnvironment(required('SIGNING_KEY_ID', env), env),
    ...(env.PROOF_KEY_ID ? { proofSigner: proofSignerFromEnvironment(env.PROOF_KEY_ID, env) } : {}),
    ...(env.SIGNING_KEY_GENERATION ? { generation: keyGenerationFromEnvironment(env) } : {}),
    ledger: new DynamoDbSigningKeyLedger(required('TABLE_NAME', env)),
    issuerDid: required('ISSUER_DID', env),
  });
  return fromEnvironment;
}

/**
 * This region's verification keys (active and every ledger key, with windows and compromises), for
 * verifying its own certificates with verifyCredential. Read fresh on every call: cache it yourself
 * if you call it per request.
 */
export function regionVerificationKeys(): Promise<VerificationKey[]> {
  return regionSigningKeys().verificationKeys();
}

/**
 * The active key's signer behind the ledger: what every function that signs certificates uses. The
 * function's SIGNING_KEY_GENERATION says which generation it belongs to.
 */
export function ledgeredSignerFromEnvironment(
  keyId: string,
  tableName: string,
  issuerDid: string,
  env: NodeJS.ProcessEnv = process.env,
): LedgeredSigner {
  return new LedgeredSigner(
    signerFromEnvironment(keyId, env),
    new DynamoDbSigningKeyLedger(tableName),
    issuerDid,
    undefined,
    { generation: keyGenerationFromEnvironment(env) },
  );
}

/** The active Ed25519 proof key behind the ledger: what every function that adds Data Integrity proofs uses. */
export function ledgeredProofSignerFromEnvironment(
  keyId: string,
  tableName: string,
  issuerDid: string,
  env: NodeJS.ProcessEnv = process.env,
): LedgeredProofSigner {
  return new LedgeredProofSigner(
    proofSignerFromEnvironment(keyId, env),
    new DynamoDbSigningKeyLedger(tableName),
    issuerDid,
    undefined,
    { generation: keyGenerationFromEnvironment(env) },
  );
}
