// A partner's status list is reused within its own lifetime and a short bound, and a revocation notice
// received after it was fetched makes it stale at once.
import { describe, expect, it } from 'vitest';
import {
  maxAgeOf,
  PARTNER_STATUS_LIST_CACHE_SECONDS,
  StatusList,
  StatusListCache,
  statusListExpiry,
} from '../../../functions/domain/index.js';

const DID = 'did:web:zigong.skillcert.example';
const URL_A = 'https://zigong.skillcert.example/status/zigong/certificates-1/revocation';
const URL_B = 'https://zigong.skillcert.example/status/zigong/certificates-1/suspension';
const T0 = Date.parse('2026-11-30T10:00:00Z');

describe('statusListExpiry', () => {
  it('takes the earliest of validUntil, max-age and the bound', () => {
    const far = '2026-12-01T10:00:00Z';
    expect(statusListExpiry({ fetchedAt: T0, validUntil: far, maxAgeSeconds: 120, boundSeconds: 300 })).toBe(
      T0 + 120_000,
    );
    expect(statusListExpiry({ fetchedAt: T0, validUntil: far, maxAgeSeconds: 900, boundSeconds: 300 })).toBe(
      T0 + 300_000,
    );
    expect(
      statusListExpiry({
        fetchedAt: T0,
        validUntil: '2026-11-30T10:00:42Z',
        maxAgeSeconds: 300,
        boundSeconds: 300,
      }),
    ).toBe(T0 + 42_000);
  });

  it('gives a list that says nothing about its lifetime the bound, and ignores an unreadable validUntil', () => {
    expect(statusListExpiry({ fetchedAt: T0, boundSeconds: 300 })).toBe(T0 + 300_000);
    expect(statusListExpiry({ fetchedAt: T0, validUntil: 'soon', boundSeconds: 60 })).toBe(T0 + 60_000);
  });

  it('bounds at five minutes by default', () => {
    expect(PARTNER_STATUS_LIST_CACHE_SECONDS).toBe(300);
  });
});

describe('maxAgeOf', () => {
  it('reads max-age, treats no-store and no-cache as 0, and ignores nonsense', () => {
    expect(maxAgeOf('public, max-age=300')).toBe(300);
    expect(maxAgeOf('Max-Age=15, public')).toBe(15);
    expect(maxAgeOf('no-store')).toBe(0);
    expect(maxAgeOf('no-cache, max-age=300')).toBe(0);
    expect(maxAgeOf('max-age=-5')).toBeUndefined();
    expect(maxAgeOf('max-age=abc')).toBeUndefined();
    expect(maxAgeOf('public')).toBeUndefined();
    expect(maxAgeOf(undefined)).toBeUndefined();
  });
});

describe('StatusListCache', () => {
  const list = StatusList.empty();

  it('reuses a list until its expiry, then forgets it', () => {
    const cache = new StatusListCache(300);
    cache.put(DID, URL_A, { list, maxAgeSeconds: 60 }, T0);
    expect(cache.get(DID, URL_A, T0 + 59_999)).toBe(list);
    expect(cache.get(DID, URL_A, T0 + 60_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never reuses beyond the bound, whatever the partner allows', () => {
    const cache = new StatusListCache(5);
    cache.put(DID, URL_A, { list, maxAgeSeconds: 3600, validUntil: '2027-01-01T00:00:00Z' }, T0);
    expect(cache.get(DID, URL_A, T0 + 4_999)).toBe(list);
    expect(cache.get(DID, URL_A, T0 + 5_000)).toBeUndefined();
  });

  it('does not keep a list the partner says not to keep, or one already past its validUntil', () => {
    const cache = new StatusListCache(300);
    cache.put(DID, URL_A, { list, maxAgeSeconds: 0 }, T0);
    cache.put(DID, URL_B, { list, validUntil: '2026-11-30T09:00:00Z' }, T0);
    expect(cache.get(DID, URL_A, T0)).toBeUndefined();
    expect(cache.get(DID, URL_B, T0)).toBeUndefined();
  });

  it('treats a list fetched before a revocation notice arrived as stale, and one fetched after as fresh', () => {
    const cache = new StatusListCache(300);
    cache.put(DID, URL_A, { list }, T0);
    // The notice arrived a second after the fetch: the list is bypassed and dropped.
    expect(cache.get(DID, URL_A, T0 + 2_000, T0 + 1_000)).toBeUndefined();
    expect(cache.get(DID, URL_A, T0 + 2_000)).toBeUndefined();
    // Fetched again after the notice: reused while fresh, even though the notice is still on record.
    cache.put(DID, URL_A, { list }, T0 + 3_000);
    expect(cache.get(DID, URL_A, T0 + 4_000, T0 + 1_000)).toBe(list);
  });

  it('keeps each partner’s lists apart, and at most its capacity', () => {
    const cache = new StatusListCache(300, 2);
    cache.put(DID, URL_A, { list }, T0);
    expect(cache.get('did:web:luzhou.skillcert.example', URL_A, T0)).toBeUndefined();
    cache.put(DID, URL_B, { list }, T0);
    cache.put('did:web:luzhou.skillcert.example', URL_A, { list }, T0);
    expect(cache.size).toBe(2);
    expect(cache.get(DID, URL_A, T0)).toBeUndefined(); // the oldest went first
    expect(cache.get(DID, URL_B, T0)).toBe(list);
  });
});
