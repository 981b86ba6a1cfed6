import { describe, expect, it } from 'vitest';
import {
  checkCharacter,
  formatCertificateNumber,
  parseCertificateNumber,
} from '../../../functions/domain/index.js';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const SAMPLES = [
  formatCertificateNumber({ regionPrefix: 'NJ', year: 2026, level: 4, serial: 1 }),
  formatCertificateNumber({ regionPrefix: 'ZG', year: 2027, level: 3, serial: 987_654 }),
  formatCertificateNumber({ regionPrefix: 'LZ', year: 2031, level: 1, serial: 42 }),
  formatCertificateNumber({ regionPrefix: 'CQ', year: 2026, level: 5, serial: 500_500 }),
];

describe('certificate numbers', () => {
  it('look like NJ-2026-4-000001-X and parse back to their parts', () => {
    expect(SAMPLES[0]).toMatch(/^NJ-2026-4-000001-[0-9A-HJ-NP-Z]$/);
    expect(parseCertificateNumber(SAMPLES[1] as string)).toEqual({
      ok: true,
      number: SAMPLES[1],
      parts: { regionPrefix: 'ZG', year: 2027, level: 3, serial: 987_654 },
    });
  });

  it.each([
    ['lower case and spaces', (n: string) => n.toLowerCase().replaceAll('-', ' ')],
    ['no separators', (n: string) => n.replaceAll('-', '')],
    ['O typed for 0', (n: string) => n.replace('000', 'OOO')],
  ])('accept what people type: %s', (_name, typed) => {
    const number = SAMPLES[0] as string;
    expect(parseCertificateNumber(typed(number))).toMatchObject({ ok: true, number });
  });

  it('catch every single mistyped character', () => {
    for (const number of SAMPLES) {
      const body = number.replaceAll('-', '');
      for (let i = 0; i < body.length; i++) {
        for (const ch of ALPHABET) {
          if (ch === body[i]) continue;
          const typo = body.slice(0, i) + ch + body.slice(i + 1);
          expect(parseCertificateNumber(typo).ok, `${typo} should be refused`).toBe(false);
        }
      }
    }
  });

  it('catch every swap of two adjacent characters', () => {
    for (const number of SAMPLES) {
      const body = number.replaceAll('-', '');
      for (let i = 0; i < body.length - 1; i++) {
        if (body[i] === body[i + 1]) continue;
        const swapped = body.slice(0, i) + body[i + 1] + body[i] + body.slice(i + 2);
        expect(parseCertificateNumber(swapped).ok, `${swapped} should be refused`).toBe(false);
      }
    }
  });

  it('explain what is wrong', () => {
    expect(parseCertificateNumber('hello')).toEqual({
      ok: false,
      reason: expect.stringMatching(/looks like/),
    });
    const number = SAMPLES[0] as string;
    const wrongCheck = number.slice(0, -1) + (number.endsWith('A') ? 'B' : 'A');
    expect(parseCertificateNumber(wrongCheck)).toEqual({
      ok: false,
      reason: expect.stringMatching(/mistyped/),
    });
  });

  it.each([
    [{ regionPrefix: 'NI', year: 2026, level: 4 as const, serial: 1 }, /other than I and O/],
    [{ regionPrefix: 'NJ', year: 1999, level: 4 as const, serial: 1 }, /Year/],
    [{ regionPrefix: 'NJ', year: 2026, level: 4 as const, serial: 0 }, /Serial/],
  ])('refuse impossible parts %#', (parts, message) => {
    expect(() => formatCertificateNumber(parts)).toThrow(message);
  });

  it('compute the ISO 7064 hybrid check over the whole body', () => {
    expect(checkCharacter('NJ20264000001')).toBe((SAMPLES[0] as string).at(-1));
  });
});
