// Certificate numbers people can read over the phone and type: NJ-2026-4-000123-K.
// region prefix, year, level, serial, and a check character computed with the ISO/IEC 7064 hybrid
// system MOD 33,32 over Crockford's base-32 alphabet (no I, L, O or U to confuse with 1 and 0). The
// hybrid system catches every single mistyped character and every swap of two adjacent characters.
import type { Level } from './levels.js';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const M = ALPHABET.length; // 34

function value(ch: string): number {
  const v = ALPHABET.indexOf(ch);
  if (v < 0) throw new RangeError(`'${ch}' cannot appear in a certificate number`);
  return v;
}

/** ISO/IEC 7064 MOD (M+1),M hybrid check character for the given characters. */
export function checkCharacter(payload: string): string {
  let p = M;
  for (const ch of payload) {
    let s = (p + value(ch)) % M;
    if (s === 0) s = M;
    p = (2 * s) % (M + 1);
  }
  return ALPHABET[(M + 1 - p) % M] as string;
}

export interface CertificateNumberParts {
  regionPrefix: string;
  year: number;
  level: Level;
  serial: number;
}

export function formatCertificateNumber(parts: CertificateNumberParts): string {
  const { regionPrefix, year, level, serial } = parts;
  if (!/^[A-HJ-NP-Z]{2}$/.test(regionPrefix)) {
    throw new RangeError(`Region prefix '${regionPrefix}' must be two letters other than I and O`);
  }
  if (!Number.isInteger(year) || year < 2000 || year > 2999) throw new RangeError('Year out of range');
  if (!Number.isInteger(serial) || serial < 1 || serial > 999_999)
    throw new RangeError('Serial out of range');
  const body = `${regionPrefix}${year}${level}${String(serial).padStart(6, '0')}`;
  return `${regionPrefix}-${year}-${level}-${String(serial).padStart(6, '0')}-${checkCharacter(body)}`;
}

/** Normalises what a person typed after the region prefix: spaces, hyphens, and O→0, I→1. */
function normaliseDigits(input: string): string {
  return input.replace(/O/g, '0').replace(/I/g, '1');
}

export type ParsedCertificateNumber =
  | { ok: true; number: string; parts: CertificateNumberParts }
  | { ok: false; reason: string };

export function parseCertificateNumber(input: string): ParsedCertificateNumber {
  const raw = input.toUpperCase().replace(/[\s\-_.]/g, '');
  // The region prefix is letters, so only the rest gets the digit look-alike mapping.
  const compact = raw.slice(0, 2) + normaliseDigits(raw.slice(2));
  const m = /^([A-Z]{2})(\d{4})([1-5])(\d{6})([0-9A-Z])$/.exec(compact);
  if (!m) return { ok: false, reason: 'A certificate number looks like NJ-2026-4-000123-K' };
  const [, regionPrefix = '', year = '', level = '', serial = '', check = ''] = m;
  let expected: string;
  try {
    expected = checkCharacter(`${regionPrefix}${year}${level}${serial}`);
  } catch {
    return { ok: false, reason: 'The number has a character that cannot appear in certificate numbers' };
  }
  if (expected !== check)
    return { ok: false, reason: 'The check character does not match: the number was mistyped' };
  const parts = { regionPrefix, year: Number(year), level: Number(level) as Level, serial: Number(serial) };
  return { ok: true, number: formatCertificateNumber(parts), parts };
}
