// Certificate numbers people can read over the phone and type: NJ-2026-4-000123-K
// (region prefix, year, level, serial, check character).
//
// Why not an ISO/IEC 7064 hybrid system (MOD 35,34 / MOD 37,36)? Enumerating them shows they miss a few
// adjacent transpositions (whenever an intermediate sum is ≡ 0 mod M), and MOD 37,36 needs O and I in its
// alphabet. Instead the check character is a Damm check over the field GF(32) with the quasigroup
// x∗y = α·x ⊕ y (α the generator of GF(2^5) modulo x^5 + x^2 + 1). That operation is a Latin square (so
// every single substitution changes the result) and totally anti-symmetric ((c∗x)∗y = (c∗y)∗x only when
// x = y, because (α+1)(x⊕y) = 0 forces x = y), so every adjacent transposition is caught as well —
// including a swap of the last serial digit with the check character. The test suite proves both
// properties by enumeration.
//
// Values: digits are 0–9, prefix letters are their index in A–Z without I and O (0–23); a position only
// ever holds one class of character, so values need only be unique within a class. The check character is
// drawn from Crockford's base-32 alphabet (no I, L, O, U), whose digits keep their values 0–9.
import { isLevel, type Level } from './levels.js';

/** Letters a region prefix may use: A–Z without I and O, which read as 1 and 0. */
const PREFIX_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
/** The 32 check characters, index = value (Crockford base 32). */
const CHECK_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** α·x in GF(32) with the reduction polynomial x^5 + x^2 + 1 (0b100101). */
function timesAlpha(x: number): number {
  const shifted = x << 1;
  return shifted & 0b100000 ? shifted ^ 0b100101 : shifted;
}

/** The Damm quasigroup operation x∗y over GF(32), exported for the proof-by-enumeration test. */
export function dammStep(interim: number, value: number): number {
  return timesAlpha(interim) ^ value;
}

function payloadValue(ch: string): number {
  if (ch >= '0' && ch <= '9') return ch.charCodeAt(0) - 48;
  const v = PREFIX_LETTERS.indexOf(ch);
  if (v < 0) throw new RangeError(`'${ch}' cannot appear in a certificate number`);
  return v;
}

function interimOf(payload: string): number {
  let interim = 0;
  for (const ch of payload) interim = dammStep(interim, payloadValue(ch));
  return interim;
}

/** The check character for a compact payload such as `NJ20264000123`. */
export function checkCharacter(payload: string): string {
  // c solves α·interim ⊕ c = 0, so running the whole number through dammStep ends at 0.
  return CHECK_ALPHABET[timesAlpha(interimOf(payload))] as string;
}

/** True when the compact number (payload + check character) ends the Damm chain at 0. */
export function hasValidCheckCharacter(compact: string): boolean {
  const check = CHECK_ALPHABET.indexOf(compact.slice(-1));
  if (check < 0 || compact.length < 2) return false;
  try {
    return dammStep(interimOf(compact.slice(0, -1)), check) === 0;
  } catch {
    return false;
  }
}

export interface CertificateNumberParts {
  /** Two letters naming the issuing region, e.g. NJ for Neijiang; no I or O. */
  regionPrefix: string;
  year: number;
  level: Level;
  /** Per region and year, 1–999,999. */
  serial: number;
}

export const MAX_CERTIFICATE_SERIAL = 999_999;

export function formatCertificateNumber(parts: CertificateNumberParts): string {
  const { regionPrefix, year, level, serial } = parts;
  if (!/^[A-HJ-NP-Z]{2}$/.test(regionPrefix)) {
    throw new RangeError(`Region prefix '${regionPrefix}' must be two capital letters other than I and O`);
  }
  if (!Number.isInteger(year) || year < 2000 || year > 2999) throw new RangeError('Year out of range');
  if (!isLevel(level)) throw new RangeError(`Level ${String(level)} is not on the five-level scale`);
  if (!Number.isInteger(serial) || serial < 1 || serial > MAX_CERTIFICATE_SERIAL)
    throw new RangeError(`Serial out of range (1–${MAX_CERTIFICATE_SERIAL})`);
  const padded = String(serial).padStart(6, '0');
  const payload = `${regionPrefix}${year}${level}${padded}`;
  return `${regionPrefix}-${year}-${level}-${padded}-${checkCharacter(payload)}`;
}

export type ParsedCertificateNumber =
  | { ok: true; number: string; parts: CertificateNumberParts }
  | { ok: false; reason: string };

/**
 * Reads what a person typed: any case, spaces, hyphens, dots or underscores anywhere. After the
 * two-letter prefix nothing is a letter except the check character, so O, I and L typed there are read
 * as the digits 0, 1 and 1 (the check alphabet has none of them either).
 */
export function parseCertificateNumber(input: string): ParsedCertificateNumber {
  const raw = input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-_.]/g, '');
  const compact = raw.slice(0, 2) + raw.slice(2).replace(/O/g, '0').replace(/[IL]/g, '1');
  const m = /^([A-HJ-NP-Z]{2})(\d{4})([1-5])(\d{6})([0-9A-HJKMNP-TV-Z])$/.exec(compact);
  if (!m) return { ok: false, reason: 'A certificate number looks like NJ-2026-4-000123-K' };
  if (!hasValidCheckCharacter(compact))
    return { ok: false, reason: 'The check character does not match: the number was mistyped' };
  const [, regionPrefix = '', year = '', level = '', serial = ''] = m;
  const parts = { regionPrefix, year: Number(year), level: Number(level) as Level, serial: Number(serial) };
  if (parts.serial < 1) return { ok: false, reason: 'Serial 000000 is never issued' };
  if (parts.year < 2000 || parts.year > 2999) return { ok: false, reason: `Year ${year} is out of range` };
  return { ok: true, number: formatCertificateNumber(parts), parts };
}

/** True when the input is a well-formed certificate number with the right check character. */
export function isCertificateNumber(input: string): boolean {
  return parseCertificateNumber(input).ok;
}
