// The region's signing keys over time: the active key (KMS, or the local key file) and the ledger of every
// key that ever signed, with its window and any declared compromise. Signing goes through LedgeredSigner,
// which records a key the first time it signs and refuses to sign with a compromised or retired key;
// verifiers of this region's own certificates call regionVerificationKeys(). See docs/keys.md.
import type { JWK } from 'jose';
import { DynamoDbSigningKeyLedger } from '../adapters/dynamodb-signing-key-ledger.js';
import { signerFromEnvironment } from '../adapters/signer.js';
import {
  type CompromiseCheck,
  checkCompromise,
  type FirstUse,
  firstUse,
  publicationOrder,
  publicMembers,
  type SigningKeyIdentity,
  type SigningKeyRecord,
  type SigningKeyStatus,
  signingKeyStatus,
  signingRefusal,
  verificationKeyOf,
} from '../domain/signing-keys.js';
import type { VerificationKey } from '../domain/verification.js';
import type { Signer } from '../ports.js';
import { didDocument } from './signing.js';

/** How long a container trusts what it last read about its own key before reading the ledger again. */
export const LEDGER_RECHECK_MS = 60_000;

/** What the ledger must offer (DynamoDbSigningKeyLedger in AWS and on the local cloud; a Map in tests). */
export interface SigningKeyLedger {
  get(thumbprint: string): Promise<SigningKeyRecord | undefined>;
  list(): Promise<SigningKeyRecord[]>;
  recordFirstUse(plan: FirstUse): Promise<'recorded' | 'lost'>;
  putIfAbsent(record: SigningKeyRecord): Promise<boolean>;
  markCompromised(thumbprint: string, compromisedAt: string, reason: string): Promise<boolean>;
}

/** Thrown instead of signing with a key that is compromised or whose window has closed. */
export class SigningKeyRefused extends Error {
  override name = 'SigningKeyRefused';
}

/** A published key: JWK, kid and the window verifiers check (member names as VerificationKey reads them). */
export type PublishedSigningKey = VerificationKey & { alg: 'ES256'; use: 'sig' };

export async function keyIdentity(signer: Signer, issuerDid: string): Promise<SigningKeyIdentity> {
  const [publicJwk, thumbprint] = await Promise.all([signer.publicJwk(), signer.keyId()]);
  return { thumbprint, kid: `${issuerDid}#${thumbprint}`, publicJwk: publicMembers(publicJwk) };
}

const FIRST_USE_TRIES = 5;

/**
 * The key's ledger record, written first if it has none: concurrent first uses each try a conditional
 * transaction; the losers read the ledger again and find the winner's record.
 */
export async function ensureRecorded(
  key: SigningKeyIdentity,
  ledger: SigningKeyLedger,
  now: () => Date,
): Promise<SigningKeyRecord> {
  for (let attempt = 0; attempt < FIRST_USE_TRIES; attempt++) {
    const records = await ledger.list();
    const existing = records.find((r) => r.thumbprint === key.thumbprint);
    if (existing) return existing;
    const plan = firstUse(key, records, now());
    if ((await ledger.recordFirstUse(plan)) === 'recorded') return plan.record;
  }
  throw new Error(`Could not record signing key ${key.kid} in the ledger after ${FIRST_USE_TRIES} tries`);
}

/**
 * The Signer port, with the ledger first: a key is recorded before its first signature, and a key the
 * ledger says is compromised, or retired past its grace, signs nothing. What the ledger said is kept for
 * LEDGER_RECHECK_MS per container, so a declared compromise stops signing within that time.
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
      const record = await ensureRecorded(
        await keyIdentity(this.inner, this.issuerDid),
        this.ledger,
        this.now,
      );
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

/** A key as the admin list shows it. */
export interface SigningKeyView {
  thumbprint: string;
  kid: string;
  status: SigningKeyStatus;
  /** False only for the active key before its first signature. */
  recorded: boolean;
  publicJwk: JWK;
  recordedAt?: string;
  signsFrom?: string;
  signsUntil?: string;
  compromisedAt?: string;
  compromiseReason?: string;
}

export type CompromiseOutcome = { ok: true; key: SigningKeyView } | Extract<CompromiseCheck, { ok: false }>;

/** The region's keys: the active one from the signer, the rest from the ledger. */
export class RegionSigningKeys {
  constructor(
    private readonly deps: {
      /** The active key's signer (not ledgered: this class only reads its public half). */
      signer: Signer;
      ledger: SigningKeyLedger;
      issuerDid: string;
      now?: () => Date;
      /** Record the active key when the ledger is empty (needs write access to the table). */
      recordWhenEmpty?: boolean;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  active(): Promise<SigningKeyIdentity> {
    return keyIdentity(this.deps.signer, this.deps.issuerDid);
  }

  /**
   * The active key and every ledger key. With recordWhenEmpty, an empty ledger gets the active key
   * recorded first (as its first signature would), with no lower bound on its window: a deployment that
   * signed before the ledger existed keeps those certificates verifiable after its first rotation.
   */
  private async state(): Promise<{ active: SigningKeyIdentity; records: SigningKeyRecord[] }> {
    const [active, records] = await Promise.all([this.active(), this.deps.ledger.list()]);
    if (records.length > 0 || !this.deps.recordWhenEmpty) return { active, records };
    return { active, records: [await ensureRecorded(active, this.deps.ledger, () => this.now())] };
  }

  /** Every key verifiers need, active first, each with its window and any compromise. */
  async verificationKeys(): Promise<PublishedSigningKey[]> {
    const { active, records } = await this.state();
    const keys: (PublishedSigningKey & { thumbprint: string; recordedAt?: string })[] = records.map((r) => ({
      ...verificationKeyOf(r),
      thumbprint: r.thumbprint,
      recordedAt: r.recordedAt,
    }));
    if (!records.some((r) => r.thumbprint === active.thumbprint)) {
      // Published before its first signature, so verifiers that cache the set already know it.
      keys.push({
        ...active.publicJwk,
        kid: active.kid,
        alg: 'ES256',
        use: 'sig',
        thumbprint: active.thumbprint,
      });
    }
    return publicationOrder(keys, active.thumbprint).map(
      ({ thumbprint: _t, recordedAt: _r, ...key }) => key as PublishedSigningKey,
    );
  }

  async list(): Promise<SigningKeyView[]> {
    const { active, records } = await this.state();
    const views: SigningKeyView[] = records.map((r) => ({
      ...r,
      status: signingKeyStatus(r, active.thumbprint),
      recorded: true,
    }));
    if (!records.some((r) => r.thumbprint === active.thumbprint)) {
      views.push({ ...active, status: 'active', recorded: false });
    }
    return publicationOrder(views, active.thumbprint);
  }

  /**
   * Declares a key compromised as of a time: what it signed from then on stops verifying, and it signs
   * nothing more. The active key may be declared compromised before it ever signed (it is recorded
   * then). Nothing changes when the answer is not ok.
   */
  async compromise(thumbprint: string, compromisedAt: Date, reason: string): Promise<CompromiseOutcome> {
    for (let attempt = 0; attempt < FIRST_USE_TRIES; attempt++) {
      const now = this.now();
      const [active, records] = await Promise.all([this.active(), this.deps.ledger.list()]);
      const recorded = records.find((r) => r.thumbprint === thumbprint);
      const unrecordedActive =
        !recorded && thumbprint === active.thumbprint ? firstUse(active, records, now).record : undefined;
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
 * A did:web document listing every key as a JsonWebKey verification method; each method also carries
 * its window (signsFrom, signsUntil, compromisedAt), as the JWKS does.
 */
export function regionDidDocument(issuerDid: string, keys: PublishedSigningKey[]) {
  const document = didDocument(
    issuerDid,
    keys.map(({ signsFrom: _f, signsUntil: _u, compromisedAt: _c, ...key }) => key),
  );
  return {
    ...document,
    verificationMethod: document.verificationMethod.map((method, i) => {
      const { signsFrom, signsUntil, compromisedAt } = keys[i] as PublishedSigningKey;
      return {
        ...method,
        ...(signsFrom ? { signsFrom } : {}),
        ...(signsUntil ? { signsUntil } : {}),
        ...(compromisedAt ? { compromisedAt } : {}),
      };
    }),
  };
}

// ---- From the function's environment: SIGNING_KEY_ID, ISSUER_DID, TABLE_NAME ----

function required(name: 'SIGNING_KEY_ID' | 'ISSUER_DID' | 'TABLE_NAME', env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set for this function (signing keys need it)`);
  return value;
}

let fromEnvironment: RegionSigningKeys | undefined;

/**
 * The region's keys for this function, built once from its environment (SIGNING_KEY_ID, ISSUER_DID,
 * TABLE_NAME; the function needs kms:GetPublicKey on the active key and read access to the table).
 */
export function regionSigningKeys(env: NodeJS.ProcessEnv = process.env): RegionSigningKeys {
  fromEnvironment ??= new RegionSigningKeys({
    signer: signerFromEnvironment(required('SIGNING_KEY_ID', env), env),
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

/** The active key's signer behind the ledger: what every function that signs certificates uses. */
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
  );
}
