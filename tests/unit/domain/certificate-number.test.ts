import { describe, expect, it } from 'vitest';
import {
  type CertificateNumberParts,
  checkCharacter,
  dammStep,
  formatCertificateNumber,
  hasValidCheckCharacter,
  isCertificateNumber,
  LEVELS,
  parseCertificateNumber,
  seededRandom,
} from '../../../functions/domain/index.js';

const TYPABLE = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const PREFIXES = ['NJ', 'ZG', 'LZ', 'YB', 'CQ', 'AA', 'ZZ', 'HJ', 'NP'];

/** Fixed edge cases plus 300 numbers drawn from a seeded generator, so any failure is reproducible. */
function sampleNumbers(): string[] {
  const random = seededRandom('certificate-number-samples');
  const fixed: CertificateNumberParts[] = [
    { regionPrefix: 'NJ', year: 2026, level: 4, serial: 1 },
    { regionPrefix: 'ZG', year: 2027, level: 3, serial: 987_654 },
    { regionPrefix: 'LZ', year: 2031, level: 1, serial: 42 },
    { regionPrefix: 'CQ', year: 2026, level: 5, serial: 999_999 },
  ];
  const drawn = Array.from({ length: 300 }, () => ({
    regionPrefix: PREFIXES[Math.floor(random() * PREFIXES.length)] as string,
    year: 2000 + Math.floor(random() * 1000),
    level: LEVELS[Math.floor(random() * LEVELS.length)] as (typeof LEVELS)[number],
    serial: 1 + Math.floor(random() * 999_999),
  }));
  return [...fixed, ...drawn].map(formatCertificateNumber);
}

const SAMPLES = sampleNumbers();

/** After the prefix, O reads as 0 and I, L as 1: typing those is not a mistake. */
function readsTheSame(position: number, typed: string, meant: string): boolean {
  if (typed === meant) return true;
  if (position < 2) return false;
  const read = typed === 'O' ? '0' : typed === 'I' || typed === 'L' ? '1' : typed;
  return read === meant;
}

describe('the Damm check over GF(32)', () => {
  const values = Array.from({ length: 32 }, (_, i) => i);

  it('is a Latin square: every row and every column is a permutation of 0–31', () => {
    for (const x of values) {
      expect(new Set(values.map((y) => dammStep(x, y))).size, `row ${x}`).toBe(32);
      expect(new Set(values.map((y) => dammStep(y, x))).size, `column ${x}`).toBe(32);
    }
  });

  it('is totally anti-symmetric: (c∗x)∗y = (c∗y)∗x only when x = y, for every c, x, y', () => {
    let collisions = 0;
    for (const c of values)
      for (const x of values)
        for (const y of values) {
          if (x !== y && dammStep(dammStep(c, x), y) === dammStep(dammStep(c, y), x)) collisions++;
        }
    expect(collisions).toBe(0);
  });
});

describe('certificate numbers', () => {
  it('look like NJ-2026-4-000001-X and parse back to their parts', () => {
    expect(SAMPLES[0]).toMatch(/^NJ-2026-4-000001-[0-9A-HJKMNP-TV-Z]$/);
    expect(parseCertificateNumber(SAMPLES[1] as string)).toEqual({
      ok: true,
      number: SAMPLES[1],
      parts: { regionPrefix: 'ZG', year: 2027, level: 3, serial: 987_654 },
    });
    for (const n of SAMPLES) expect(isCertificateNumber(n), n).toBe(true);
  });

  it('use every one of the 32 check characters somewhere, none of them I, L, O or U', () => {
    const used = new Set(SAMPLES.map((n) => n.at(-1)));
    expect(used.size).toBeGreaterThan(28);
    expect([...used].filter((c) => 'ILOU'.includes(c as string))).toEqual([]);
  });

  it.each([
    ['lower case and spaces', (n: string) => n.toLowerCase().replaceAll('-', ' ')],
    ['no separators', (n: string) => n.replaceAll('-', '')],
    ['dots and underscores', (n: string) => n.replace('-', '.').replace('-', '_')],
    ['O typed for 0', (n: string) => n.replace('00000', 'OOOOO')],
    ['I typed for 1', (n: string) => n.replace(/1-/, 'I-')],
    ['l typed for 1', (n: string) => n.replace(/1-/, 'l-')],
    [
      'full-width characters',
      (n: string) => n.replace(/[A-Z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
    ],
    ['surrounding spaces', (n: string) => `  ${n}\t`],
  ])('accept what people type: %s', (_name, typed) => {
    const number = SAMPLES[0] as string;
    expect(parseCertificateNumber(typed(number))).toMatchObject({ ok: true, number });
  });

  it('catch every single mistyped character, at every position of every sample', () => {
    let checked = 0;
    for (const number of SAMPLES) {
      const body = number.replaceAll('-', '');
      for (let i = 0; i < body.length; i++) {
        for (const ch of TYPABLE) {
          if (readsTheSame(i, ch, body[i] as string)) continue;
          const typo = body.slice(0, i) + ch + body.slice(i + 1);
          checked++;
          if (parseCertificateNumber(typo).ok) expect.fail(`${typo} (from ${number}) was accepted`);
        }
      }
    }
    expect(checked).toBeGreaterThan(SAMPLES.length * 14 * 30);
  });

  it('catch every swap of two adjacent characters, the check character included', () => {
    let checked = 0;
    for (const number of SAMPLES) {
      const body = number.replaceAll('-', '');
      for (let i = 0; i < body.length - 1; i++) {
        if (body[i] === body[i + 1]) continue;
        const swapped = body.slice(0, i) + body[i + 1] + body[i] + body.slice(i + 2);
        checked++;
        if (parseCertificateNumber(swapped).ok) expect.fail(`${swapped} (from ${number}) was accepted`);
      }
    }
    expect(checked).toBeGreaterThan(SAMPLES.length * 8);
  });

  it('catch a swapped last serial digit and digit check character (the case format alone cannot catch)', () => {
    const digitChecks = SAMPLES.filter((n) => /\d$/.test(n) && n.at(-1) !== n.at(-3));
    expect(digitChecks.length).toBeGreaterThan(10);
    for (const n of digitChecks) {
      const swapped = `${n.slice(0, -3)}${n.at(-1)}-${n.at(-3)}`;
      expect(parseCertificateNumber(swapped).ok, swapped).toBe(false);
    }
  });

  it.each([
    ['hello', /looks like/],
    ['NJ-2026-4-00001-K', /looks like/],
    ['NJ-2026-6-000001-K', /looks like/],
    ['NI-2026-4-000001-K', /looks like/],
    ['NJ-2026-4-000001-U', /looks like/],
    ['', /looks like/],
  ])('explain what is wrong with %j', (input, reason) => {
    expect(parseCertificateNumber(input)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('say "mistyped" when only the check character is wrong', () => {
    const number = SAMPLES[0] as string;
    const wrongCheck = number.slice(0, -1) + (number.endsWith('A') ? 'B' : 'A');
    expect(parseCertificateNumber(wrongCheck)).toEqual({
      ok: false,
      reason: expect.stringMatching(/mistyped/),
    });
  });

  it.each([
    [`NJ-2026-4-000000-${checkCharacter('NJ20264000000')}`, /never issued/],
    [`NJ-1999-4-000001-${checkCharacter('NJ19994000001')}`, /Year 1999/],
  ])('refuse numbers that can never be issued: %s', (input, reason) => {
    expect(parseCertificateNumber(input)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it.each([
    [{ regionPrefix: 'NI', year: 2026, level: 4, serial: 1 }, /other than I and O/],
    [{ regionPrefix: 'nj', year: 2026, level: 4, serial: 1 }, /capital letters/],
    [{ regionPrefix: 'NJ', year: 1999, level: 4, serial: 1 }, /Year/],
    [{ regionPrefix: 'NJ', year: 2026, level: 6, serial: 1 }, /five-level scale/],
    [{ regionPrefix: 'NJ', year: 2026, level: 4, serial: 0 }, /Serial/],
    [{ regionPrefix: 'NJ', year: 2026, level: 4, serial: 1_000_000 }, /Serial/],
    [{ regionPrefix: 'NJ', year: 2026, level: 4, serial: 1.5 }, /Serial/],
  ])('refuse impossible parts %#', (parts, message) => {
    expect(() => formatCertificateNumber(parts as CertificateNumberParts)).toThrow(message);
  });

  it('compute the check over the compact payload, and check it back', () => {
    expect(checkCharacter('NJ20264000001')).toBe((SAMPLES[0] as string).at(-1));
    expect(hasValidCheckCharacter(`NJ20264000001${checkCharacter('NJ20264000001')}`)).toBe(true);
    expect(hasValidCheckCharacter('NJ20264000001O')).toBe(false);
    expect(hasValidCheckCharacter('')).toBe(false);
    expect(() => checkCharacter('NI2026')).toThrow(/cannot appear/);
  });
});
