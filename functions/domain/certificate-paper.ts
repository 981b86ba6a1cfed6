// The certificate on paper (人社鉴发〔2021〕1号 layout) and its offline QR code. Pure: what the PDF prints and
// what the offline code says are decided here; drawing them (pdf-lib) and signing (the Signer port) are not.
// docs/paper.md explains every choice.
import { createPublicKey, verify } from 'node:crypto';
import { calendarDate } from './calendar.js';
import type { Bilingual } from './errors.js';
import type { Level } from './levels.js';
import type { StatusList } from './status-list.js';
import { purposeZh, type VerificationKey, verdictOf } from './verification.js';

/** The level as the national layout writes it: Chinese numeral + 级 / level name, and its English. */
export const LEVEL_ON_PAPER: Record<Level, { zh: string; en: string }> = {
  5: { zh: '五级/初级工', en: 'Level 5 / Junior worker' },
  4: { zh: '四级/中级工', en: 'Level 4 / Intermediate worker' },
  3: { zh: '三级/高级工', en: 'Level 3 / Senior worker' },
  2: { zh: '二级/技师', en: 'Level 2 / Technician' },
  1: { zh: '一级/高级技师', en: 'Level 1 / Senior technician' },
};

/**
 * The form of a resident ID that may be printed: its first and last character, the 16 between masked.
 * Made once, when the ID is registered (the ID itself is kept only as a keyed MAC), so no document can
 * ever print more than this. Two characters of 18 narrow nothing down: the first is one of 8 provinces'
 * leading digits and the last a check character.
 */
export function maskNationalId(normalisedId: string): string {
  if (!/^\d{17}[\dX]$/.test(normalisedId)) throw new RangeError('Mask a normalised 18-character resident ID');
  return `${normalisedId[0]}${'*'.repeat(16)}${normalisedId[17]}`;
}

export const MASKED_ID = /^[1-8]\*{16}[\dX]$/;

/** Everything the paper certificate prints. No ID number: only the masked form made at registration. */
export interface PaperCertificate {
  number: string;
  holderName: string;
  /** 居民身份证 — the ID type; the number only masked (maskNationalId), "--" when none was registered. */
  idType: { zh: string; en: string };
  maskedId?: string;
  occupation: { code: string; nameZh: string; nameEn: string };
  /** 工种/职业方向; "--" on paper when none. */
  direction?: { zh: string; en: string };
  level: Level;
  organisation: { zh: string; en: string };
  region: { code: string; nameZh: string; nameEn: string; did: string };
  /** Instants; printed as days in the region's calendar. */
  issuedAt: string;
  validUntil?: string;
  timeZone: string;
}

export const ID_TYPE_RESIDENT = { zh: '居民身份证', en: 'Resident identity card' } as const;
/** The national lookup sites the layout prints (人社鉴发〔2021〕1号). */
export const NATIONAL_LOOKUP = ['jndj.osta.org.cn', 'pjjg.osta.org.cn'] as const;

export function paperDate(instant: string, timeZone: string): string {
  return calendarDate(new Date(instant), timeZone);
}

/** 2026年11月30日 */
export function chineseDate(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

// ---- the offline code: a compact statement signed with the region's ES256 key ----

/** The longest offline statement: QR version 15 at level Q still holds it and scans from a photocopy at 35 mm. */
export const MAX_OFFLINE_STATEMENT = 400;
export const OFFLINE_TYP = 'sc1';
/** The key id is the first 16 characters (96 bits) of the key's RFC 7638 thumbprint: unique among one region's keys. */
export const OFFLINE_KID_LENGTH = 16;

/**
 * Short claim names keep it under 400 characters (docs/paper.md): iss the issuer's did:web host (the DID
 * is did:web:<iss>), n number, h holder's name (ht = 1 when shortened to fit), o occupation code, l level,
 * i issue day and e expiry day as YYYYMMDD (e absent when open-ended), sl status list id, si status index,
 * iat signing time (seconds). The format is the header's typ, sc1.
 */
export interface OfflineClaims {
  iss: string;
  n: string;
  h: string;
  ht?: 1;
  o: string;
  l: number;
  i: string;
  e?: string;
  sl: string;
  si: number;
  iat: number;
}

export function offlineClaims(
  paper: PaperCertificate,
  status: { list: string; index: number },
  signedAt: Date,
): OfflineClaims {
  if (!paper.region.did.startsWith('did:web:')) throw new RangeError('The issuer must be a did:web');
  return {
    iss: paper.region.did.slice('did:web:'.length),
    n: paper.number,
    h: paper.holderName,
    o: paper.occupation.code,
    l: paper.level,
    i: compactDay(paperDate(paper.issuedAt, paper.timeZone)),
    ...(paper.validUntil ? { e: compactDay(paperDate(paper.validUntil, paper.timeZone)) } : {}),
    sl: status.list,
    si: status.index,
    iat: Math.floor(signedAt.getTime() / 1000),
  };
}

const compactDay = (day: string) => day.replaceAll('-', '');
/** 20261130 → 2026-11-30 */
export const offlineDay = (day: string) => `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** The JWS signing input; the key id is the start of the RFC 7638 thumbprint (the JWKS has it after `#`). */
export function offlineSigningInput(claims: OfflineClaims, thumbprint: string): string {
  const kid = thumbprint.slice(0, OFFLINE_KID_LENGTH);
  return `${b64(JSON.stringify({ alg: 'ES256', kid, typ: OFFLINE_TYP }))}.${b64(JSON.stringify(claims))}`;
}

/**
 * Signs the statement through `sign` (the Signer port). A name too long to fit is shortened, and ht says
 * so: the offline verifier shows it as shortened and the public page has it whole.
 */
export async function signOfflineStatement(
  claims: OfflineClaims,
  thumbprint: string,
  sign: (input: Uint8Array) => Promise<Uint8Array>,
): Promise<string> {
  let fitted = claims;
  // An ES256 signature is 86 characters; the input's length is known before signing.
  while (offlineSigningInput(fitted, thumbprint).length + 87 > MAX_OFFLINE_STATEMENT) {
    const chars = [...fitted.h];
    if (chars.length <= 2) throw new RangeError('The offline statement cannot be made to fit 400 characters');
    fitted = { ...fitted, h: `${chars.slice(0, -2).join('')}…`, ht: 1 };
  }
  const input = offlineSigningInput(fitted, thumbprint);
  const signature = await sign(new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

export type OfflineVerdictStatus =
  | 'valid'
  | 'revoked'
  | 'suspended'
  | 'expired'
  | 'not-yet-valid'
  | 'signature-invalid'
  | 'unknown-issuer'
  | 'malformed';

export interface OfflineVerdict {
  status: OfflineVerdictStatus;
  reasons: string[];
  /** The same reasons in Chinese, one for one. */
  reasonsZh: string[];
  claims?: OfflineClaims;
  /** Purposes no status list was given for. */
  statusUnchecked?: ('revocation' | 'suspension')[];
}

const CLAIM_SHAPE: Record<string, (v: unknown) => boolean> = {
  iss: (v) => typeof v === 'string' && /^[a-z0-9.-]+(%3A\d+)?$/i.test(v),
  n: (v) => typeof v === 'string' && v.length > 0,
  h: (v) => typeof v === 'string' && v.length > 0,
  o: (v) => typeof v === 'string',
  l: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5,
  i: (v) => typeof v === 'string' && /^\d{8}$/.test(v),
  e: (v) => v === undefined || (typeof v === 'string' && /^\d{8}$/.test(v)),
  sl: (v) => typeof v === 'string' && v.length > 0,
  si: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0,
  iat: (v) => typeof v === 'number' && Number.isInteger(v),
};

/**
 * Verifies an offline statement with no network: the signature against the region's published keys
 * (kid `<did>#<thumbprint>`, the statement naming the thumbprint), the key owned by the issuer it names,
 * not compromised and signing within its window, the dates against `today` (a day in the region's
 * calendar), and the status bits when lists are given (list URL → list, as the snapshot files give them).
 */
export function verifyOfflineStatement(input: {
  statement: string;
  keys: VerificationKey[];
  now: Date;
  timeZone: string;
  /** revocation / suspension list of the statement's status list, when the verifier has them. */
  status?: { revocation?: StatusList; suspension?: StatusList };
}): OfflineVerdict {
  const malformed = (reason: Bilingual): OfflineVerdict => verdictOf({ status: 'malformed' }, [reason]);
  const parts = input.statement.trim().split('.');
  if (parts.length !== 3)
    return malformed({
      en: 'Not a compact JWS (three parts separated by dots)',
      zh: '不是紧凑 JWS（以点分隔的三部分）',
    });
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return malformed({
      en: 'The header or the claims are not base64url JSON',
      zh: '头部或声明不是 base64url 编码的 JSON',
    });
  }
  if (header.typ !== OFFLINE_TYP || header.alg !== 'ES256' || typeof header.kid !== 'string')
    return malformed({
      en: `Not a skillcert offline statement (typ ${OFFLINE_TYP}, alg ES256, a kid)`,
      zh: `不是本系统的离线核验码（应为 typ ${OFFLINE_TYP}、alg ES256，并带 kid）`,
    });
  const bad = Object.entries(CLAIM_SHAPE)
    .filter(([name, ok]) => !ok(claims[name]))
    .map(([name]) => name);
  if (bad.length > 0)
    return malformed({
      en: `Claims missing or of the wrong form: ${bad.join(', ')}`,
      zh: `声明缺失或格式有误：${bad.join(', ')}`,
    });
  const c = claims as unknown as OfflineClaims;
  const key =
    typeof header.kid === 'string' && header.kid.length === OFFLINE_KID_LENGTH
      ? input.keys.find((k) => (k.kid.split('#')[1] ?? '').startsWith(header.kid as string))
      : undefined;
  if (!key)
    return verdictOf({ status: 'unknown-issuer' }, [
      { en: `No key in the key set has id ${header.kid}`, zh: `密钥集中没有标识为 ${header.kid} 的密钥` },
    ]);
  const owner = key.kid.split('#')[0];
  const issuer = `did:web:${c.iss}`;
  if (owner !== issuer)
    return verdictOf({ status: 'unknown-issuer' }, [
      {
        en: `Signed by a key of ${owner}, not of ${issuer}`,
        zh: `由 ${owner} 的密钥签名，而非 ${issuer} 的密钥`,
      },
    ]);
  let signatureHolds = false;
  try {
    signatureHolds =
      /^[A-Za-z0-9_-]{86}$/.test(s) &&
      verify(
        'sha256',
        Buffer.from(`${h}.${p}`, 'latin1'),
        {
          key: createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: key.x, y: key.y }, format: 'jwk' }),
          dsaEncoding: 'ieee-p1363',
        },
        Buffer.from(s, 'base64url'),
      );
  } catch {
    signatureHolds = false;
  }
  if (!signatureHolds)
    return verdictOf({ status: 'signature-invalid' }, [
      {
        en: 'The signature does not match the statement: it was altered or not signed with this key',
        zh: '签名与核验码内容不符：内容已被篡改，或并非由此密钥签名',
      },
    ]);
  const signedAt = new Date(c.iat * 1000);
  if (key.compromisedAt && signedAt >= new Date(key.compromisedAt))
    return verdictOf({ status: 'signature-invalid' }, [
      { en: `Signed with key ${key.kid}, declared compromised`, zh: `签名所用密钥 ${key.kid} 已被声明泄露` },
    ]);
  if (
    (key.signsFrom && signedAt < new Date(key.signsFrom)) ||
    (key.signsUntil && signedAt > new Date(key.signsUntil))
  )
    return verdictOf({ status: 'signature-invalid' }, [
      {
        en: `Key ${key.kid} did not sign at ${signedAt.toISOString()}`,
        zh: `密钥 ${key.kid} 在 ${signedAt.toISOString()} 不在签名有效期内`,
      },
    ]);
  const today = calendarDate(input.now, input.timeZone);
  const reasons: Bilingual[] = [
    { en: `Signed by ${issuer} (key ${key.kid})`, zh: `由 ${issuer} 签名（密钥 ${key.kid}）` },
  ];
  const [from, until] = [offlineDay(c.i), c.e ? offlineDay(c.e) : undefined];
  if (c.ht)
    reasons.push({
      en: "The holder's name is shortened to fit the code; the public page shows it whole",
      zh: '持证人姓名为适应二维码容量而缩略；公开核验页显示全名',
    });
  if (today < from)
    return verdictOf({ status: 'not-yet-valid', claims: c }, [
      ...reasons,
      { en: `Valid from ${from}`, zh: `此证书自 ${from} 起生效` },
    ]);
  if (until && today > until)
    return verdictOf({ status: 'expired', claims: c }, [
      ...reasons,
      { en: `Expired on ${until}`, zh: `此证书已于 ${until} 过期` },
    ]);
  const unchecked: ('revocation' | 'suspension')[] = [];
  for (const purpose of ['revocation', 'suspension'] as const) {
    const list = input.status?.[purpose];
    if (!list) {
      unchecked.push(purpose);
      continue;
    }
    if (list.get(c.si))
      return verdictOf({ status: purpose === 'revocation' ? 'revoked' : 'suspended', claims: c }, [
        ...reasons,
        {
          en: `The ${purpose} list has the certificate's bit (index ${c.si}) set`,
          zh: `颁发机构已${purposeZh(purpose)}此证书（${purposeZh(purpose)}状态列表中索引 ${c.si} 的位已置位）`,
        },
      ]);
  }
  return verdictOf(
    { status: 'valid', claims: c, ...(unchecked.length ? { statusUnchecked: unchecked } : {}) },
    reasons,
  );
}
