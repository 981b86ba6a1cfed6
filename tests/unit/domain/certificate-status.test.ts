import { describe, expect, it } from 'vitest';
import {
  type CertificateStatus,
  certificateSerialCounter,
  type StatusAction,
  StatusChangeRefused,
  statusChange,
  statusListIdOf,
  statusListIdOfUrl,
  statusListOf,
  statusListOrigin,
} from '../../../functions/domain/index.js';

describe('statusChange', () => {
  it.each<[CertificateStatus, StatusAction, CertificateStatus, { revocation: boolean; suspension: boolean }]>(
    [
      ['active', 'suspend', 'suspended', { revocation: false, suspension: true }],
      ['suspended', 'reinstate', 'active', { revocation: false, suspension: false }],
      ['active', 'revoke', 'revoked', { revocation: true, suspension: false }],
      ['suspended', 'revoke', 'revoked', { revocation: true, suspension: false }],
    ],
  )('%s + %s → %s with its bits', (from, action, to, bits) => {
    expect(statusChange(from, action)).toEqual({ from, to, bits });
  });

  it('clears the suspension bit when a suspended certificate is revoked, so it reads as revoked', () => {
    expect(statusChange('suspended', 'revoke').bits.suspension).toBe(false);
  });

  it.each<[CertificateStatus, StatusAction, RegExp]>([
    ['revoked', 'suspend', /revoked; a revocation is final/],
    ['revoked', 'reinstate', /revoked; a revocation is final/],
    ['revoked', 'revoke', /revoked; a revocation is final/],
    ['suspended', 'suspend', /already suspended/],
    ['active', 'reinstate', /only a suspended certificate is reinstated/],
  ])('refuses %s + %s', (from, action, message) => {
    const attempt = () => statusChange(from, action);
    expect(attempt).toThrow(StatusChangeRefused);
    expect(attempt).toThrow(message);
  });

  it('names its refusals StatusChangeRefused', () => {
    try {
      statusChange('revoked', 'reinstate');
      expect.unreachable('a revoked certificate cannot be reinstated');
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('StatusChangeRefused');
    }
  });
});

describe('status lists', () => {
  it("numbers each kind's lists: certificates and the endorsements of recognitions apart", () => {
    expect(statusListOf('neijiang', 'certificates', 1)).toEqual({
      listId: 'neijiang/certificates-1',
      path: '/status/neijiang/certificates-1',
    });
    expect(statusListOf('neijiang', 'recognitions', 1).listId).toBe('neijiang/recognitions-1');
  });

  it.each([
    ['2026', 'revocation'],
    ['2026', 'suspension'],
    ['endorsements-2026', 'revocation'],
    ['endorsements-2026', 'suspension'],
    ['certificates-1', 'revocation'],
    ['certificates-12', 'suspension'],
    ['recognitions-3', 'revocation'],
  ] as const)('reads /status/neijiang/%s/%s back into its list id', (list, purpose) => {
    expect(statusListIdOf('neijiang', { region: 'neijiang', list, purpose })).toEqual({
      listId: `neijiang/${list}`,
      purpose,
    });
  });

  it('round-trips the paths it hands out', () => {
    for (const { listId, path } of [
      statusListOf('zigong', 'certificates', 7),
      statusListOf('zigong', 'recognitions', 2),
    ]) {
      const [, , region, list] = path.split('/');
      expect(
        statusListIdOf('zigong', { region: region as string, list: list as string, purpose: 'revocation' }),
      ).toEqual({ listId, purpose: 'revocation' });
    }
  });

  it("refuses another region's lists", () => {
    expect(statusListIdOf('neijiang', { region: 'zigong', list: '2026', purpose: 'revocation' })).toBe(
      undefined,
    );
  });

  it.each([
    '26',
    '20266',
    'endorsements-26',
    'endorsement-2026',
    'certificates-0',
    'certificates-01',
    'certificates-1234567',
    'recognitions-',
    'endorsements-1',
    '2026-',
    '../2026',
    '',
  ])('refuses the list name %j', (list) => {
    expect(statusListIdOf('neijiang', { region: 'neijiang', list, purpose: 'revocation' })).toBe(undefined);
  });

  it.each(['refresh', 'message', 'Revocation', 'revocation ', ''])('refuses the purpose %j', (purpose) => {
    expect(statusListIdOf('neijiang', { region: 'neijiang', list: '2026', purpose })).toBe(undefined);
  });
});

describe('statusListIdOfUrl', () => {
  const neijiang = { code: 'neijiang', publicUrl: 'https://neijiang.skillcert.example' };

  it('reads a list URL this region publishes back into its list id and purpose', () => {
    expect(
      statusListIdOfUrl(neijiang, 'https://neijiang.skillcert.example/status/neijiang/2026/suspension'),
    ).toEqual({
      listId: 'neijiang/2026',
      purpose: 'suspension',
    });
  });

  it.each([
    'https://zigong.skillcert.example/status/neijiang/2026/revocation',
    'https://neijiang.skillcert.example/status/zigong/2026/revocation',
    'https://neijiang.skillcert.example/status/neijiang/2026/revocation/extra',
    'https://neijiang.skillcert.example/status/neijiang/2026',
    'https://neijiang.skillcert.example/other/neijiang/2026/revocation',
  ])('is undefined for %s', (url) => {
    expect(statusListIdOfUrl(neijiang, url)).toBeUndefined();
  });
});

describe('statusListOrigin', () => {
  it('finds what shows a list was handed out: the open list of its kind, or a yearly counter of before', () => {
    expect(statusListOrigin('neijiang', 'certificates-3')).toEqual({ kind: 'certificates', list: 3 });
    expect(statusListOrigin('neijiang', 'recognitions-1')).toEqual({ kind: 'recognitions', list: 1 });
    expect(statusListOrigin('neijiang', '2026')).toEqual({
      counter: certificateSerialCounter('neijiang', 2026),
    });
    expect(statusListOrigin('neijiang', 'endorsements-2026')).toEqual({
      counter: 'ENDORSEMENT#neijiang/endorsements-2026',
    });
    expect(statusListOrigin('neijiang', 'other-1')).toBeUndefined();
  });
});
