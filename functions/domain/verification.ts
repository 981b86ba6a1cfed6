// Verifying a certificate: the signature against the issuing region's published keys, the key's own
// validity, the credential's dates and its status bits. The verdict names one outcome and gives every
// reason, in words a verifier can act on. Pure: keys, status lists and the time come in as arguments.
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import type { JWK } from 'jose';
import { StatusList } from './status-list.js';

export type VerdictStatus =
  | 'valid'
  | 'revoked'
  | 'suspended'
  | 'expired'
  | 'not-yet-valid'
  | 'signature-invalid'
  | 'unknown-issuer'
  | 'malformed'
  /** Asked by number, and the region issued no such certificate. */
  | 'not-found';

export interface Verdict {
  status: VerdictStatus;
  reasons: string[];
  /** What a verifier needs to see; never an ID number (the credential holds only its salted hash). */
  certificate?: {
    /** The credential's id: its URL at the issuing region. */
    id?: string;
    number?: string;
    holderName?: string;
    achievement?: string;
    occupationCode?: string;
    level?: number;
    issuer?: string;
    issuerName?: string;
    validFrom?: string;
    validUntil?: string;
  };
}

/** A published key with the window in which it signs; a compromised key voids what it signed after. */
export interface VerificationKey extends JWK {
  kid: string;
  signsFrom?: string;
  signsUntil?: string;
  compromisedAt?: string;
}

export interface StatusSnapshot {
  /** statusListCredential URL → the decoded list for that URL's purpose. */
  lists: Record<string, StatusList>;
}

interface CredentialShape {
  id?: string;
  issuer?: { id?: string; name?: string } | string;
  validFrom?: string;
  validUntil?: string;
  credentialStatus?:
    | { statusListCredential?: string; statusListIndex?: string; statusPurpose?: string }
    | unknown[];
  credentialSubject?: {
    name?: string;
    achievement?: { name?: string; alignment?: { targetCode?: string }[]; 'skillcert:level'?: number };
  };
  'skillcert:certificateNumber'?: string;
}

function summary(c: CredentialShape): NonNullable<Verdict['certificate']> {
  return {
    ...(typeof c.id === 'string' ? { id: c.id } : {}),
    ...(c['skillcert:certificateNumber'] ? { number: c['skillcert:certificateNumber'] } : {}),
    ...(c.credentialSubject?.name ? { holderName: c.credentialSubject.name } : {}),
    ...(c.credentialSubject?.achievement?.name ? { achievement: c.credentialSubject.achievement.name } : {}),
    ...(c.credentialSubject?.achievement?.alignment?.[0]?.targetCode
      ? { occupationCode: c.credentialSubject.achievement.alignment[0].targetCode }
      : {}),
    ...(c.credentialSubject?.achievement?.['skillcert:level'] !== undefined
      ? { level: c.credentialSubject.achievement['skillcert:level'] }
      : {}),
    ...(c.issuer ? { issuer: typeof c.issuer === 'string' ? c.issuer : c.issuer.id } : {}),
    ...(typeof c.issuer === 'object' && c.issuer.name ? { issuerName: c.issuer.name } : {}),
    ...(c.validFrom ? { validFrom: c.validFrom } : {}),
    ...(c.validUntil ? { validUntil: c.validUntil } : {}),
  };
}

type SignatureCheck =
  | { ok: true; key: VerificationKey; payload: unknown }
  | { ok: false; status: VerdictStatus; reason: string };

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** An ES256 signature is r‖s, 64 bytes: 86 base64url characters, no padding. */
const ES256_SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

/** Public keys imported once per key object: importing costs more than the check itself. */
const imported = new WeakMap<VerificationKey, KeyObject>();
function publicKeyOf(key: VerificationKey): KeyObject {
  let keyObject = imported.get(key);
  if (!keyObject) {
    const { kty, crv, x, y } = key;
    keyObject = createPublicKey({ key: { kty, crv, x, y } as JsonWebKey, format: 'jwk' });
    imported.set(key, keyObject);
  }
  return keyObject;
}

/**
 * alg, kid and signature of a compact JWS made by a region's certificate key. The check is node:crypto's
 * ES256 verify on a cached KeyObject: jose verifies through WebCrypto at about half that speed, which
 * would miss the offline-verification budget (≥ 80% of raw ES256; npm run bench). The JOSE rules are
 * few and all here: ES256 only, no critical extensions, the kid picks the key, r‖s of 64 bytes.
 */
async function checkSignature(jws: string, keys: VerificationKey[]): Promise<SignatureCheck> {
  const segments = jws.split('.');
  let header: { alg?: unknown; kid?: unknown; crit?: unknown; b64?: unknown };
  try {
    // Only the header's characters are checked here: the payload's are covered by the signature.
    if (segments.length !== 3 || !SEGMENT.test(segments[0] as string)) throw new Error('not compact');
    header = JSON.parse(Buffer.from(segments[0] as string, 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null) throw new Error('not an object');
  } catch {
    return { ok: false, status: 'malformed', reason: 'The credential is not a compact JWS' };
  }
  if (header.alg !== 'ES256') {
    return {
      ok: false,
      status: 'signature-invalid',
      reason: `Algorithm ${String(header.alg)} is not accepted; certificates are signed ES256`,
    };
  }
  if (header.crit !== undefined || header.b64 !== undefined)
    return { ok: false, status: 'signature-invalid', reason: 'Critical header extensions are not accepted' };
  const key = keys.find((k) => k.kid === header.kid);
  if (!key)
    return {
      ok: false,
      status: 'unknown-issuer',
      reason: `No published key has the id ${String(header.kid)}`,
    };
  const [protectedHeader, payload, signature] = segments as [string, string, string];
  const altered = {
    ok: false,
    status: 'signature-invalid',
    reason: 'The signature does not match the credential: it was altered or not signed with this key',
  } as const;
  try {
    if (!ES256_SIGNATURE.test(signature)) return altered;
    const valid = verify(
      'sha256',
      Buffer.from(jws.slice(0, protectedHeader.length + 1 + payload.length), 'latin1'),
      { key: publicKeyOf(key), dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return altered;
    return { ok: true, key, payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) };
  } catch {
    return altered;
  }
}

/** The DID that owns a key: the kid is `<did>#<thumbprint>`. */
export function keyOwner(key: { kid: string }): string {
  return key.kid.split('#')[0] as string;
}

export class SignedDocumentError extends Error {
  override name = 'SignedDocumentError';
}

/**
 * Verifies a JWS a region signed that is not a certificate (a status list, a notice): signature by one
 * of the keys, by a key the named issuer owns, the key not compromised, and signed inside the key's
 * window, as certificates are (docs/keys.md): the signing time is the document's validFrom (a
 * credential such as a status list) or its iat (a JWT such as a notice). Returns the payload.
 */
export async function verifyIssuerSigned(
  jws: string,
  keys: VerificationKey[],
  issuerOf: (payload: Record<string, unknown>) => unknown,
): Promise<Record<string, unknown>> {
  const checked = await checkSignature(jws, keys);
  if (!checked.ok) throw new SignedDocumentError(checked.reason);
  const payload = checked.payload as Record<string, unknown>;
  const { key } = checked;
  const issuer = issuerOf(payload);
  if (issuer !== keyOwner(key))
    throw new SignedDocumentError(`Signed by ${keyOwner(key)}, not by the issuer it names`);
  if (key.compromisedAt) throw new SignedDocumentError(`Signed with key ${key.kid}, declared compromised`);
  const signedAt =
    typeof payload.validFrom === 'string'
      ? new Date(payload.validFrom)
      : typeof payload.iat === 'number'
        ? new Date(payload.iat * 1000)
        : undefined;
  if (!signedAt || Number.isNaN(signedAt.getTime()))
    throw new SignedDocumentError('The signed document names no signing time (validFrom or iat)');
  if (
    (key.signsFrom && signedAt < new Date(key.signsFrom)) ||
    (key.signsUntil && signedAt > new Date(key.signsUntil))
  ) {
    throw new SignedDocumentError(
      `Key ${key.kid} did not sign at ${signedAt.toISOString()}: its window is ${key.signsFrom ?? 'the start'} to ${key.signsUntil ?? 'now'}`,
    );
  }
  return payload;
}

/** A signed BitstringStatusListCredential: its list, checked against the issuer's keys and its expiry. */
export async function readStatusListCredential(
  jws: string,
  keys: VerificationKey[],
  now: Date,
): Promise<{ url: string; purpose: string; list: StatusList; validUntil?: string }> {
  const payload = await verifyIssuerSigned(jws, keys, (p) => p.issuer);
  const subject = payload.credentialSubject as { statusPurpose?: string; encodedList?: string } | undefined;
  if (typeof payload.id !== 'string' || !subject?.encodedList || !subject.statusPurpose)
    throw new SignedDocumentError('Not a BitstringStatusListCredential');
  const validUntil = typeof payload.validUntil === 'string' ? payload.validUntil : undefined;
  if (validUntil && Number.isNaN(Date.parse(validUntil)))
    throw new SignedDocumentError(`The status list's validUntil (${validUntil}) is not a date`);
  if (validUntil && new Date(validUntil) < now)
    throw new SignedDocumentError(`The status list expired on ${validUntil}; fetch a fresh one`);
  return {
    url: payload.id,
    purpose: subject.statusPurpose,
    list: StatusList.decode(subject.encodedList),
    ...(validUntil ? { validUntil } : {}),
  };
}

export async function verifyCredential(input: {
  jws: string;
  keys: VerificationKey[];
  /**
   * The status lists, or how to get them for the credential's statusListCredential URLs: called only
   * once signature, issuer, key window and dates hold, so nothing is fetched for a forgery.
   */
  status?: StatusSnapshot | ((urls: string[]) => Promise<StatusSnapshot>);
  now: Date;
}): Promise<Verdict> {
  const checked = await checkSignature(input.jws, input.keys);
  if (!checked.ok) return { status: checked.status, reasons: [checked.reason] };
  const { key } = checked;
  const credential = checked.payload as CredentialShape;

  const certificate = summary(credential);
  const issuerDid = certificate.issuer;
  if (!issuerDid || issuerDid !== keyOwner(key)) {
    return {
      status: 'unknown-issuer',
      reasons: [`The credential names issuer ${issuerDid ?? '(none)'} but was signed by ${keyOwner(key)}`],
      certificate,
    };
  }
  const signedAt = credential.validFrom ? new Date(credential.validFrom) : undefined;
  if (!signedAt || Number.isNaN(signedAt.getTime()))
    return { status: 'malformed', reasons: ['The credential has no validFrom'], certificate };
  if (key.compromisedAt && signedAt >= new Date(key.compromisedAt)) {
    return {
      status: 'signature-invalid',
      reasons: [
        `Signed at ${credential.validFrom} by key ${key.kid}, which was declared compromised from ${key.compromisedAt}`,
      ],
      certificate,
    };
  }
  if (
    (key.signsFrom && signedAt < new Date(key.signsFrom)) ||
    (key.signsUntil && signedAt > new Date(key.signsUntil))
  ) {
    return {
      status: 'signature-invalid',
      reasons: [`Key ${key.kid} did not sign certificates at ${credential.validFrom}`],
      certificate,
    };
  }
  if (signedAt > input.now) {
    return { status: 'not-yet-valid', reasons: [`Valid from ${credential.validFrom}`], certificate };
  }
  if (credential.validUntil && new Date(credential.validUntil) < input.now) {
    return { status: 'expired', reasons: [`Expired on ${credential.validUntil}`], certificate };
  }

  const entries = (
    Array.isArray(credential.credentialStatus) ? credential.credentialStatus : [credential.credentialStatus]
  ).filter(
    (e): e is { statusListCredential: string; statusListIndex: string; statusPurpose: string } =>
      typeof e === 'object' && e !== null && 'statusListCredential' in e,
  );
  const status =
    typeof input.status === 'function'
      ? await input.status(entries.map((e) => e.statusListCredential))
      : input.status;
  const unchecked: string[] = [];
  for (const entry of entries) {
    const list =
      status?.lists[entry.statusListCredential] ??
      status?.lists[`${entry.statusListCredential}#${entry.statusPurpose}`];
    if (!list) {
      unchecked.push(entry.statusPurpose);
      continue;
    }
    if (list.get(Number(entry.statusListIndex))) {
      return entry.statusPurpose === 'suspension'
        ? { status: 'suspended', reasons: ['The issuer has suspended this certificate'], certificate }
        : { status: 'revoked', reasons: ['The issuer has revoked this certificate'], certificate };
    }
  }
  const cleared = entries.map((e) => e.statusPurpose).filter((p) => !unchecked.includes(p));
  return {
    status: 'valid',
    reasons: [
      `Signed by ${key.kid}`,
      ...(cleared.length > 0 ? [`Not ${cleared.map(statusAdjective).join(' or ')} in the status lists`] : []),
      ...(unchecked.length > 0 ? [`Not checked for ${unchecked.join(' or ')}: no status list given`] : []),
    ],
    certificate,
  };
}

function statusAdjective(purpose: string): string {
  return purpose === 'revocation' ? 'revoked' : purpose === 'suspension' ? 'suspended' : purpose;
}
