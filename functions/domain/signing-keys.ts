// The rules of the region's signing-key ledger: when a key's signing window opens and closes, when a key
// may sign, what it is called in a list, and what a declaration of compromise may say. Pure: records,
// keys and the time come in as arguments; the ledger itself lives in DynamoDB (see
// functions/adapters/dynamodb-signing-key-ledger.ts) and docs/keys.md tells the whole story.
import type { JWK } from 'jose';
import type { VerificationKey } from './verification.js';

/**
 * A key's window opens this long before its first recorded signature: the clock of the function that
 * records the key and the clock that stamped a credential's validFrom may differ by this much.
 */
export const SIGNS_FROM_CLOCK_SKEW_MS = 60_000;

/**
 * How long a newer generation's key must have been in use before it closes the older keys' windows, and
 * how long those windows then stay open. The first wait lets a deployment that fails and rolls back
 * leave the older key signing (its window never closed); the second lets containers still running the
 * previous deployment (in-flight invocations, retries) finish with the old key. Anything the old key
 * signs after its window closed is refused by verifiers.
 */
export const SUPERSEDED_GRACE_MS = 15 * 60_000;

/**
 * What a region signs with: ES256 (compact JWS) and EdDSA (Ed25519, the eddsa-rdfc-2022 Data Integrity
 * proof). Each algorithm has its own line of keys: a key's first use closes only the windows of older
 * keys of its own algorithm, never the other one's.
 */
export type SigningAlgorithm = 'ES256' | 'EdDSA';

/** The algorithm a public key signs with, from its JWK; any other kind of key is refused. */
export function algorithmOf(jwk: Pick<JWK, 'kty' | 'crv'>): SigningAlgorithm {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw new Error(`Signing keys are EC P-256 or OKP Ed25519, not ${String(jwk.kty)} ${String(jwk.crv)}`);
}

/** One key in the ledger: its public half, its window, and a compromise if one was declared. */
export interface SigningKeyRecord {
  /** RFC 7638 thumbprint (the Signer port's keyId); the ledger's sort key. */
  thumbprint: string;
  /** `${issuerDid}#${thumbprint}`, as in the JWS header. */
  kid: string;
  /** kty, crv, x (and y for EC): enough to verify after the key itself is gone from the stack. */
  publicJwk: JWK;
  recordedAt: string;
  /** Absent only for the region's first key, which may have signed before the ledger existed. */
  signsFrom?: string;
  /**
   * Set by a key of a newer generation (same algorithm) once it has been in use for SUPERSEDED_GRACE_MS:
   * the moment it does so plus SUPERSEDED_GRACE_MS.
   */
  signsUntil?: string;
  /**
   * The key generation (CDK context signingKeyGeneration) of the deployment that first used the key.
   * Absent for keys recorded before generations were: they count as older than any generation.
   */
  generation?: number;
  /** Everything the key signed from this time on is void. */
  compromisedAt?: string;
  compromiseReason?: string;
}

export type SigningKeyStatus = 'active' | 'retired' | 'compromised';

export interface SigningKeyIdentity {
  thumbprint: string;
  kid: string;
  publicJwk: JWK;
}

/** What a key's first signature writes: its own record. It closes no other window (see supersession). */
export interface FirstUse {
  record: SigningKeyRecord;
}

/** The end of an older key's window, written only if the window is still open. */
export interface WindowClosing {
  thumbprint: string;
  signsUntil: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Only the public members of an EC or OKP JWK: a ledger never holds anything private. */
export function publicMembers(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk;
  return (algorithmOf(jwk) === 'EdDSA' ? { kty, crv, x } : { kty, crv, x, y }) as JWK;
}

/**
 * The record a key's first signature writes, given the ledger as it is. The window opens the clock-skew
 * allowance before now; the region's very first key of an algorithm gets no lower bound, since
 * certificates the first ES256 key signed before the ledger existed must keep verifying. The record
 * carries the signer's generation when it knows it.
 */
export function firstUse(
  key: SigningKeyIdentity,
  ledger: SigningKeyRecord[],
  now: Date,
  generation?: number,
): FirstUse {
  const algorithm = algorithmOf(key.publicJwk);
  const others = ledger.filter(
    (r) => r.thumbprint !== key.thumbprint && algorithmOf(r.publicJwk) === algorithm,
  );
  return {
    record: {
      thumbprint: key.thumbprint,
      kid: key.kid,
      publicJwk: publicMembers(key.publicJwk),
      recordedAt: now.toISOString(),
      ...(others.length > 0 ? { signsFrom: iso(now.getTime() - SIGNS_FROM_CLOCK_SKEW_MS) } : {}),
      ...(generation !== undefined ? { generation } : {}),
    },
  };
}

/**
 * The windows a key of generation `generation` closes when it signs now: those of the keys of its own
 * algorithm from an older generation (a key recorded without one counts as the oldest) that are still
 * open — but only once the key has been in use for SUPERSEDED_GRACE_MS, so a deployment rolled back
 * before then leaves the older key signing; they then close SUPERSEDED_GRACE_MS from now. A key never
 * closes a newer generation's window, and the other algorithm's keys are not touched.
 */
export function supersession(
  key: { thumbprint: string; publicJwk: JWK },
  generation: number,
  ledger: SigningKeyRecord[],
  now: Date,
): WindowClosing[] {
  const own = ledger.find((r) => r.thumbprint === key.thumbprint);
  if (!own || now.getTime() - Date.parse(own.recordedAt) < SUPERSEDED_GRACE_MS) return [];
  const algorithm = algorithmOf(key.publicJwk);
  return ledger
    .filter(
      (r) =>
        r.thumbprint !== key.thumbprint &&
        r.signsUntil === undefined &&
        algorithmOf(r.publicJwk) === algorithm &&
        (r.generation ?? 0) < generation,
    )
    .map((r) => ({ thumbprint: r.thumbprint, signsUntil: iso(now.getTime() + SUPERSEDED_GRACE_MS) }));
}

/** Why this key may not sign now, or undefined when it may. */
export function signingRefusal(record: SigningKeyRecord, now: Date): string | undefined {
  if (record.compromisedAt) {
    return `Signing key ${record.kid} was declared compromised as of ${record.compromisedAt}${
      record.compromiseReason ? ` (${record.compromiseReason})` : ''
    }; it signs nothing more. Rotate to a new key generation (docs/keys.md).`;
  }
  if (record.signsUntil && now.getTime() >= Date.parse(record.signsUntil)) {
    return `Signing key ${record.kid} was retired: its window closed at ${record.signsUntil}, when a newer key took over. Deploy the current key generation.`;
  }
  return undefined;
}

/** The active keys' thumbprints: one per algorithm (ES256 first), or a single one. */
type Active = string | readonly string[];
const activeList = (active: Active): readonly string[] => (typeof active === 'string' ? [active] : active);

export function signingKeyStatus(
  record: { thumbprint: string; compromisedAt?: string },
  active: Active,
): SigningKeyStatus {
  if (record.compromisedAt) return 'compromised';
  return activeList(active).includes(record.thumbprint) ? 'active' : 'retired';
}

/** The record as verifiers see it: a JWK with its kid and window, in the member names verification reads. */
export function verificationKeyOf(
  record: SigningKeyRecord,
): VerificationKey & { alg: SigningAlgorithm; use: 'sig' } {
  return {
    ...publicMembers(record.publicJwk),
    kid: record.kid,
    alg: algorithmOf(record.publicJwk),
    use: 'sig',
    ...(record.signsFrom ? { signsFrom: record.signsFrom } : {}),
    ...(record.signsUntil ? { signsUntil: record.signsUntil } : {}),
    ...(record.compromisedAt ? { compromisedAt: record.compromisedAt } : {}),
  };
}

/** The active keys first (in the order given), then the others, newest window first. */
export function publicationOrder<T extends { thumbprint: string; signsFrom?: string; recordedAt?: string }>(
  keys: T[],
  active: Active,
): T[] {
  const actives = activeList(active);
  const rank = (k: T) => {
    const i = actives.indexOf(k.thumbprint);
    return i === -1 ? actives.length : i;
  };
  const since = (k: T) => k.signsFrom ?? k.recordedAt ?? '';
  return [...keys].sort((a, b) => rank(a) - rank(b) || since(b).localeCompare(since(a)));
}

export type CompromiseCheck =
  | { ok: true }
  | {
      ok: false;
      problem: 'unknown-key' | 'in-the-future' | 'already-compromised';
      message: string;
      messageZh: string;
    };

/** Whether a declaration of compromise may be recorded for this key (undefined: the ledger has no such key). */
export function checkCompromise(
  record: { kid: string; compromisedAt?: string } | undefined,
  compromisedAt: Date,
  now: Date,
): CompromiseCheck {
  if (!record)
    return {
      ok: false,
      problem: 'unknown-key',
      message: 'No signing key has this thumbprint',
      messageZh: '没有指纹为此值的签名密钥',
    };
  if (compromisedAt.getTime() > now.getTime()) {
    return {
      ok: false,
      problem: 'in-the-future',
      message: `compromisedAt ${compromisedAt.toISOString()} is in the future; declare a compromise once it has happened`,
      messageZh: `compromisedAt ${compromisedAt.toISOString()} 晚于当前时间；请在泄露发生后再声明`,
    };
  }
  if (record.compromisedAt) {
    return {
      ok: false,
      problem: 'already-compromised',
      message: `Key ${record.kid} was already declared compromised as of ${record.compromisedAt}`,
      messageZh: `密钥 ${record.kid} 已被声明自 ${record.compromisedAt} 起泄露`,
    };
  }
  return { ok: true };
}
