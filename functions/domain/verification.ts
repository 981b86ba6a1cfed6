// Verifying a certificate: the signature against the issuing region's published keys, the key's own
// validity, the credential's dates and its status bits. The verdict names one outcome and gives every
// reason, in words a verifier can act on. Pure: keys, status lists and the time come in as arguments.

import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import type { JWK } from 'jose';
import { jwtClaimMismatches, statusEntriesToCheck } from './credential.js';
import { DomainError } from './errors.js';
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
  /** The JWT's iss, jti, nbf, sub or exp claim disagrees with the credential it carries. */
  | 'claims-mismatch'
  /** Asked by number, and the region issued no such certificate. */
  | 'not-found';

/** Each verdict status in Chinese, for messages that name it. */
export const VERDICT_STATUS_ZH: Record<VerdictStatus, string> = {
  valid: '有效',
  revoked: '已撤销',
  suspended: '已暂停',
  expired: '已过期',
  'not-yet-valid': '尚未生效',
  'signature-invalid': '签名无效',
  'unknown-issuer': '签发方未知',
  malformed: '格式错误',
  'claims-mismatch': '声明与凭证不符',
  'not-found': '未找到',
};

export interface Verdict {
  status: VerdictStatus;
  reasons: string[];
  /** The status purposes (revocation, suspension) no list was given for: a valid verdict without them is
   *  only as good as the last status the verifier saw. */
  statusUnchecked?: string[];
  /** What a verifier needs to see; never an ID number (a credential holds none, nor anything derived from one). */
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

/** A credential as verifiers read it; `skillcert:`-prefixed names are those of credentials issued before our context. */
interface CredentialShape {
  id?: string;
  issuer?: { id?: string; name?: string } | string;
  validFrom?: string;
  validUntil?: string;
  credentialStatus?: unknown;
  credentialSubject?: {
    name?: string;
    achievement?: {
      name?: string;
      alignment?: { targetCode?: string }[];
      skillLevel?: number;
      'skillcert:level'?: number;
    };
  };
  certificateNumber?: string;
  'skillcert:certificateNumber'?: string;
}

function summary(c: CredentialShape): NonNullable<Verdict['certificate']> {
  const number = c.certificateNumber ?? c['skillcert:certificateNumber'];
  const level =
    c.credentialSubject?.achievement?.skillLevel ?? c.credentialSubject?.achievement?.['skillcert:level'];
  return {
    ...(typeof c.id === 'string' ? { id: c.id } : {}),
    ...(number ? { number } : {}),
    ...(c.credentialSubject?.name ? { holderName: c.credentialSubject.name } : {}),
    ...(c.credentialSubject?.achievement?.name ? { achievement: c.credentialSubject.achievement.name } : {}),
    ...(c.credentialSubject?.achievement?.alignment?.[0]?.targetCode
      ? { occupationCode: c.credentialSubject.achievement.alignment[0].targetCode }
      : {}),
    ...(level !== undefined ? { level } : {}),
    ...(c.issuer ? { issuer: typeof c.issuer === 'string' ? c.issuer : c.issuer.id } : {}),
    ...(typeof c.issuer === 'object' && c.issuer.name ? { issuerName: c.issuer.name } : {}),
    ...(c.validFrom ? { validFrom: c.validFrom } : {}),
    ...(c.validUntil ? { validUntil: c.validUntil } : {}),
  };
}

/** Why a signature was refused, in Chinese, by the check's status (the English reason says more). */
const SIGNATURE_REFUSED_ZH: Partial<Record<VerdictStatus, string>> = {
  malformed: '不是紧凑 JWS 格式的签名文档',
  'signature-invalid': '签名无效：算法或密钥不被接受，或文档已被篡改',
  'unknown-issuer': '签名所用密钥不在已发布的密钥中',
};

type SignatureCheck =
  | { ok: true; key: VerificationKey; payload: unknown; typ?: unknown }
  | { ok: false; status: VerdictStatus; reason: string };

/** OB 3.0's JSON Web Token Proof Format allows these JOSE header parameters and no others. */
const JOSE_HEADER_PARAMETERS = new Set(['alg', 'kid', 'jwk', 'typ']);

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
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
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
  const extra = Object.keys(header).filter((name) => !JOSE_HEADER_PARAMETERS.has(name));
  if (extra.length > 0)
    return {
      ok: false,
      status: 'signature-invalid',
      reason: `JOSE header parameters other than alg, kid, jwk and typ are not accepted: ${extra.join(', ')}`,
    };
  const key = keys.find((k) => k.kid === header.kid);
  if (!key)
    return {
      ok: false,
      status: 'unknown-issuer',
      reason: `No published key has the id ${String(header.kid)}`,
    };
  if (key.kty !== 'EC' || key.crv !== 'P-256')
    return {
      ok: false,
      status: 'signature-invalid',
      reason: `Key ${key.kid} is not a P-256 key; a JWS of ours is signed ES256 (Ed25519 keys sign embedded proofs)`,
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
    return {
      ok: true,
      key,
      payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
      typ: header.typ,
    };
  } catch {
    return altered;
  }
}

/** The DID that owns a key: the kid is `<did>#<thumbprint>`. */
export function keyOwner(key: { kid: string }): string {
  return key.kid.split('#')[0] as string;
}

export class SignedDocumentError extends DomainError {
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
  if (!checked.ok)
    throw new SignedDocumentError({
      en: checked.reason,
      zh: SIGNATURE_REFUSED_ZH[checked.status] ?? '签名无法验证',
    });
  const payload = checked.payload as Record<string, unknown>;
  const { key } = checked;
  const issuer = issuerOf(payload);
  if (issuer !== keyOwner(key))
    throw new SignedDocumentError({
      en: `Signed by ${keyOwner(key)}, not by the issuer it names`,
      zh: `由 ${keyOwner(key)} 签名，而非文档所称的签发方`,
    });
  if (key.compromisedAt)
    throw new SignedDocumentError({
      en: `Signed with key ${key.kid}, declared compromised`,
      zh: `签名所用密钥 ${key.kid} 已被声明泄露`,
    });
  const signedAt =
    typeof payload.validFrom === 'string'
      ? new Date(payload.validFrom)
      : typeof payload.iat === 'number'
        ? new Date(payload.iat * 1000)
        : undefined;
  if (!signedAt || Number.isNaN(signedAt.getTime()))
    throw new SignedDocumentError({
      en: 'The signed document names no signing time (validFrom or iat)',
      zh: '签名文档未注明签名时间（validFrom 或 iat）',
    });
  if (
    (key.signsFrom && signedAt < new Date(key.signsFrom)) ||
    (key.signsUntil && signedAt > new Date(key.signsUntil))
  ) {
    throw new SignedDocumentError({
      en: `Key ${key.kid} did not sign at ${signedAt.toISOString()}: its window is ${key.signsFrom ?? 'the start'} to ${key.signsUntil ?? 'now'}`,
      zh: `密钥 ${key.kid} 在 ${signedAt.toISOString()} 不可签名：其签名期为 ${key.signsFrom ?? '起始'} 至 ${key.signsUntil ?? '现在'}`,
    });
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
    throw new SignedDocumentError({
      en: 'Not a BitstringStatusListCredential',
      zh: '不是状态列表凭证（BitstringStatusListCredential）',
    });
  const validUntil = typeof payload.validUntil === 'string' ? payload.validUntil : undefined;
  if (validUntil && Number.isNaN(Date.parse(validUntil)))
    throw new SignedDocumentError({
      en: `The status list's validUntil (${validUntil}) is not a date`,
      zh: `状态列表的 validUntil（${validUntil}）不是有效日期`,
    });
  if (validUntil && new Date(validUntil) < now)
    throw new SignedDocumentError({
      en: `The status list expired on ${validUntil}; fetch a fresh one`,
      zh: `状态列表已于 ${validUntil} 过期；请重新获取`,
    });
  return {
    url: payload.id,
    purpose: subject.statusPurpose,
    list: StatusList.decode(subject.encodedList),
    ...(validUntil ? { validUntil } : {}),
  };
}

/** What checking an embedded Data Integrity proof answers: the key that made it, or why not. */
export type ProofCheck =
  | { ok: true; key: VerificationKey }
  | { ok: false; status: 'malformed' | 'signature-invalid' | 'unknown-issuer'; reason: string };

/** How a credential's embedded proof is checked (functions/shared/data-integrity.ts's checkProof). */
export type ProofChecker = (
  credential: Record<string, unknown>,
  keys: VerificationKey[],
) => Promise<ProofCheck>;

/** A JWS's typ: "JWT" (OB 3.0's JWT format, claims required) or "vc+jwt" (before it: claims optional). */
const ACCEPTED_TYP = new Set(['JWT', 'vc+jwt']);

/**
 * The credential's signature, whichever form it comes in: a compact JWS in OB 3.0's JWT format (its
 * claims must agree with the credential), or the JSON credential with its embedded proof.
 */
async function checkCredentialSignature(
  credential: string | Record<string, unknown>,
  keys: VerificationKey[],
  checkProof: ProofChecker | undefined,
): Promise<
  { ok: true; key: VerificationKey; credential: CredentialShape } | { ok: false; verdict: Verdict }
> {
  if (typeof credential !== 'string') {
    if (!checkProof)
      return {
        ok: false,
        verdict: { status: 'malformed', reasons: ['This verifier takes the credential as a compact JWS'] },
      };
    if (credential.proof === undefined)
      return {
        ok: false,
        verdict: {
          status: 'malformed',
          reasons: ['The JSON credential has no embedded proof: present its JWS or the signed JSON'],
        },
      };
    const proof = await checkProof(credential, keys);
    if (!proof.ok) return { ok: false, verdict: { status: proof.status, reasons: [proof.reason] } };
    return { ok: true, key: proof.key, credential: credential as CredentialShape };
  }
  const checked = await checkSignature(credential, keys);
  if (!checked.ok) return { ok: false, verdict: { status: checked.status, reasons: [checked.reason] } };
  const payload = checked.payload as Record<string, unknown>;
  const typ = checked.typ ?? 'JWT';
  if (typeof typ !== 'string' || !ACCEPTED_TYP.has(typ))
    return {
      ok: false,
      verdict: { status: 'malformed', reasons: [`The JOSE header's typ is ${String(typ)}, not JWT`] },
    };
  // Credentials signed before the JWT format (typ vc+jwt) carry no claims; any claim they carry must agree.
  const claimsPresent = ['iss', 'jti', 'nbf', 'sub', 'exp'].some((c) => payload[c] !== undefined);
  const mismatches = typ === 'JWT' || claimsPresent ? jwtClaimMismatches(payload) : [];
  if (mismatches.length > 0)
    return {
      ok: false,
      verdict: {
        status: 'claims-mismatch',
        reasons: mismatches,
        certificate: summary(payload as CredentialShape),
      },
    };
  return { ok: true, key: checked.key, credential: payload as CredentialShape };
}

export async function verifyCredential(input: {
  /** A compact JWS, or the JSON credential with its embedded Data Integrity proof. */
  credential: string | Record<string, unknown>;
  keys: VerificationKey[];
  /**
   * The status lists, or how to get them for the credential's statusListCredential URLs: called only
   * once signature, issuer, key window and dates hold, so nothing is fetched for a forgery.
   */
  status?: StatusSnapshot | ((urls: string[]) => Promise<StatusSnapshot>);
  /** Needed for the JSON form only (it canonicalizes JSON-LD, which a JWS verifier need not load). */
  checkProof?: ProofChecker;
  now: Date;
}): Promise<Verdict> {
  const signed = await checkCredentialSignature(input.credential, input.keys, input.checkProof);
  if (!signed.ok) return signed.verdict;
  const { key, credential } = signed;

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

  const entries = statusEntriesToCheck(credential.credentialStatus);
  const status =
    typeof input.status === 'function'
      ? await input.status([...new Set(entries.map((e) => e.statusListCredential))])
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
    ...(unchecked.length > 0 ? { statusUnchecked: unchecked } : {}),
    certificate,
  };
}

function statusAdjective(purpose: string): string {
  return purpose === 'revocation' ? 'revoked' : purpose === 'suspension' ? 'suspended' : purpose;
}
