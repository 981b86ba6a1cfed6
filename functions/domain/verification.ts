// Verifying a certificate: the signature against the issuing region's published keys, the key's own
// validity, the credential's dates and its status bits. The verdict names one outcome and gives every
// reason, in words a verifier can act on. Pure: keys, status lists and the time come in as arguments.

import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import type { JWK } from 'jose';
import { jwtClaimMismatches, statusEntriesToCheck } from './credential.js';
import { type Bilingual, DomainError } from './errors.js';
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
  /** Why, in English: kept English-only for the API's existing readers. */
  reasons: string[];
  /** The same reasons in Chinese, in the same order (dates, DIDs and key ids as they are). */
  reasonsZh: string[];
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

/**
 * A verdict from its reasons in both languages: built from pairs so `reasons` and `reasonsZh` cannot
 * drift apart in length or order.
 */
export function verdictOf<T extends object>(
  head: T,
  reasons: readonly Bilingual[],
): T & { reasons: string[]; reasonsZh: string[] } {
  return { ...head, reasons: reasons.map((r) => r.en), reasonsZh: reasons.map((r) => r.zh) };
}

/** A verdict's reasons as pairs again, to add to them. */
export function reasonsOf(verdict: Pick<Verdict, 'reasons' | 'reasonsZh'>): Bilingual[] {
  return verdict.reasons.map((en, i) => ({ en, zh: verdict.reasonsZh[i] ?? en }));
}

type SignatureCheck =
  | { ok: true; key: VerificationKey; payload: unknown; typ?: unknown }
  | { ok: false; status: VerdictStatus; reason: Bilingual };

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
    return {
      ok: false,
      status: 'malformed',
      reason: { en: 'The credential is not a compact JWS', zh: '该凭证不是紧凑 JWS 格式' },
    };
  }
  if (header.alg !== 'ES256') {
    return {
      ok: false,
      status: 'signature-invalid',
      reason: {
        en: `Algorithm ${String(header.alg)} is not accepted; certificates are signed ES256`,
        zh: `不接受签名算法 ${String(header.alg)}；证书以 ES256 签名`,
      },
    };
  }
  const extra = Object.keys(header).filter((name) => !JOSE_HEADER_PARAMETERS.has(name));
  if (extra.length > 0)
    return {
      ok: false,
      status: 'signature-invalid',
      reason: {
        en: `JOSE header parameters other than alg, kid, jwk and typ are not accepted: ${extra.join(', ')}`,
        zh: `JOSE 头部只接受 alg、kid、jwk 和 typ 参数，不接受：${extra.join(', ')}`,
      },
    };
  const key = keys.find((k) => k.kid === header.kid);
  if (!key)
    return {
      ok: false,
      status: 'unknown-issuer',
      reason: {
        en: `No published key has the id ${String(header.kid)}`,
        zh: `已发布的密钥中没有标识为 ${String(header.kid)} 的密钥`,
      },
    };
  if (key.kty !== 'EC' || key.crv !== 'P-256')
    return {
      ok: false,
      status: 'signature-invalid',
      reason: {
        en: `Key ${key.kid} is not a P-256 key; a JWS of ours is signed ES256 (Ed25519 keys sign embedded proofs)`,
        zh: `密钥 ${key.kid} 不是 P-256 密钥；本系统的 JWS 以 ES256 签名（Ed25519 密钥用于内嵌证明）`,
      },
    };
  const [protectedHeader, payload, signature] = segments as [string, string, string];
  const altered = {
    ok: false,
    status: 'signature-invalid',
    reason: {
      en: 'The signature does not match the credential: it was altered or not signed with this key',
      zh: '签名与凭证不符：凭证已被篡改，或并非由此密钥签名',
    },
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
  if (!checked.ok) throw new SignedDocumentError(checked.reason);
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
  | { ok: false; status: 'malformed' | 'signature-invalid' | 'unknown-issuer'; reason: Bilingual };

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
        verdict: verdictOf({ status: 'malformed' }, [
          {
            en: 'This verifier takes the credential as a compact JWS',
            zh: '本验证方只接受紧凑 JWS 格式的凭证',
          },
        ]),
      };
    if (credential.proof === undefined)
      return {
        ok: false,
        verdict: verdictOf({ status: 'malformed' }, [
          {
            en: 'The JSON credential has no embedded proof: present its JWS or the signed JSON',
            zh: '该 JSON 凭证没有内嵌证明：请提交其 JWS 或带签名的 JSON',
          },
        ]),
      };
    const proof = await checkProof(credential, keys);
    if (!proof.ok) return { ok: false, verdict: verdictOf({ status: proof.status }, [proof.reason]) };
    return { ok: true, key: proof.key, credential: credential as CredentialShape };
  }
  const checked = await checkSignature(credential, keys);
  if (!checked.ok) return { ok: false, verdict: verdictOf({ status: checked.status }, [checked.reason]) };
  const payload = checked.payload as Record<string, unknown>;
  const typ = checked.typ ?? 'JWT';
  if (typeof typ !== 'string' || !ACCEPTED_TYP.has(typ))
    return {
      ok: false,
      verdict: verdictOf({ status: 'malformed' }, [
        {
          en: `The JOSE header's typ is ${String(typ)}, not JWT`,
          zh: `JOSE 头部的 typ 为 ${String(typ)}，而非 JWT`,
        },
      ]),
    };
  // Credentials signed before the JWT format (typ vc+jwt) carry no claims; any claim they carry must agree.
  const claimsPresent = ['iss', 'jti', 'nbf', 'sub', 'exp'].some((c) => payload[c] !== undefined);
  const mismatches = typ === 'JWT' || claimsPresent ? jwtClaimMismatches(payload) : [];
  if (mismatches.length > 0)
    return {
      ok: false,
      verdict: verdictOf(
        { status: 'claims-mismatch', certificate: summary(payload as CredentialShape) },
        mismatches,
      ),
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
    return verdictOf({ status: 'unknown-issuer', certificate }, [
      {
        en: `The credential names issuer ${issuerDid ?? '(none)'} but was signed by ${keyOwner(key)}`,
        zh: `凭证所称颁发机构为 ${issuerDid ?? '（无）'}，但签名者为 ${keyOwner(key)}`,
      },
    ]);
  }
  const signedAt = credential.validFrom ? new Date(credential.validFrom) : undefined;
  if (!signedAt || Number.isNaN(signedAt.getTime()))
    return verdictOf({ status: 'malformed', certificate }, [
      { en: 'The credential has no validFrom', zh: '凭证未注明生效时间（validFrom）' },
    ]);
  if (key.compromisedAt && signedAt >= new Date(key.compromisedAt)) {
    return verdictOf({ status: 'signature-invalid', certificate }, [
      {
        en: `Signed at ${credential.validFrom} by key ${key.kid}, which was declared compromised from ${key.compromisedAt}`,
        zh: `于 ${credential.validFrom} 由密钥 ${key.kid} 签名，而该密钥自 ${key.compromisedAt} 起已被声明泄露`,
      },
    ]);
  }
  if (
    (key.signsFrom && signedAt < new Date(key.signsFrom)) ||
    (key.signsUntil && signedAt > new Date(key.signsUntil))
  ) {
    return verdictOf({ status: 'signature-invalid', certificate }, [
      {
        en: `Key ${key.kid} did not sign certificates at ${credential.validFrom}`,
        zh: `密钥 ${key.kid} 在 ${credential.validFrom} 不在签发证书的有效期内`,
      },
    ]);
  }
  if (signedAt > input.now) {
    return verdictOf({ status: 'not-yet-valid', certificate }, [
      { en: `Valid from ${credential.validFrom}`, zh: `此证书自 ${credential.validFrom} 起生效` },
    ]);
  }
  if (credential.validUntil && new Date(credential.validUntil) < input.now) {
    return verdictOf({ status: 'expired', certificate }, [
      { en: `Expired on ${credential.validUntil}`, zh: `此证书已于 ${credential.validUntil} 过期` },
    ]);
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
        ? verdictOf({ status: 'suspended', certificate }, [
            { en: 'The issuer has suspended this certificate', zh: '颁发机构已暂停此证书' },
          ])
        : verdictOf({ status: 'revoked', certificate }, [
            { en: 'The issuer has revoked this certificate', zh: '颁发机构已撤销此证书' },
          ]);
    }
  }
  const cleared = entries.map((e) => e.statusPurpose).filter((p) => !unchecked.includes(p));
  return verdictOf(
    { status: 'valid', ...(unchecked.length > 0 ? { statusUnchecked: unchecked } : {}), certificate },
    [
      { en: `Signed by ${key.kid}`, zh: `由密钥 ${key.kid} 签名` },
      ...(cleared.length > 0
        ? [
            {
              en: `Not ${cleared.map(statusAdjective).join(' or ')} in the status lists`,
              zh: `状态列表显示此证书未被${cleared.map(purposeZh).join('或')}`,
            },
          ]
        : []),
      ...(unchecked.length > 0
        ? [
            {
              en: `Not checked for ${unchecked.join(' or ')}: no status list given`,
              zh: `未核查${unchecked.map(purposeZh).join('或')}状态：未提供状态列表`,
            },
          ]
        : []),
    ],
  );
}

function statusAdjective(purpose: string): string {
  return purpose === 'revocation' ? 'revoked' : purpose === 'suspension' ? 'suspended' : purpose;
}

/** A status purpose in Chinese; one we do not know stays as its name. */
export function purposeZh(purpose: string): string {
  return purpose === 'revocation' ? '撤销' : purpose === 'suspension' ? '暂停' : purpose;
}
