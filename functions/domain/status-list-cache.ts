// How long a partner region's status list may be reused before it is fetched again (docs/partners.md,
// "How stale a partner's status can be"). Verifying a partner's certificate needs its status lists; fetching
// them on every request makes every verification as slow as the partner and lets a flood of requests turn
// into a flood of fetches. A fetched list is kept for as long as it says it may be (its own validUntil, the
// answer's Cache-Control max-age) but never longer than a short bound, so a partner's revocation or
// suspension is seen within that bound; a revocation notice from the partner bypasses the cache at once.
import type { StatusList } from './status-list.js';

/** The upper bound: a partner's change is seen within five minutes, as its own lists promise (max-age ≤ 300). */
export const PARTNER_STATUS_LIST_CACHE_SECONDS = 300;

/** A verified list as it was read, with the time it was fetched. */
export interface CachedStatusList {
  list: StatusList;
  fetchedAt: number;
  /** Epoch ms after which it is not used again. */
  expiresAt: number;
}

/**
 * The instant (epoch ms) a list fetched at `fetchedAt` stops being reused: the earliest of its own
 * validUntil, the answer's max-age and the bound. A list that says nothing about its lifetime still gets the
 * bound; a max-age of 0 (or a validUntil already past) means it is not kept at all.
 */
export function statusListExpiry(input: {
  fetchedAt: number;
  validUntil?: string | undefined;
  maxAgeSeconds?: number | undefined;
  boundSeconds: number;
}): number {
  const candidates = [input.fetchedAt + Math.max(0, input.boundSeconds) * 1000];
  if (input.maxAgeSeconds !== undefined && Number.isFinite(input.maxAgeSeconds))
    candidates.push(input.fetchedAt + Math.max(0, input.maxAgeSeconds) * 1000);
  const until = input.validUntil ? Date.parse(input.validUntil) : Number.NaN;
  if (!Number.isNaN(until)) candidates.push(until);
  return Math.min(...candidates);
}

/** The max-age of a Cache-Control header, or undefined; `no-store`/`no-cache` count as 0. */
export function maxAgeOf(cacheControl: string | undefined): number | undefined {
  if (!cacheControl) return undefined;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  const maxAge = directives.find((d) => d.startsWith('max-age='));
  if (!maxAge) return undefined;
  const seconds = Number(maxAge.slice('max-age='.length));
  return Number.isInteger(seconds) && seconds >= 0 ? seconds : undefined;
}

/** Lists kept per container (in memory), keyed by partner and URL; bounded in size. */
export class StatusListCache {
  private readonly entries = new Map<string, CachedStatusList>();

  constructor(
    private readonly boundSeconds: number = PARTNER_STATUS_LIST_CACHE_SECONDS,
    /** Lists a container keeps at most; the oldest goes first. */
    private readonly capacity = 200,
  ) {}

  private static key(partnerDid: string, url: string) {
    return `${partnerDid} ${url}`;
  }

  /**
   * The list kept for this URL if it is still fresh at `now` and was fetched after `notBefore` (the
   * moment a revocation notice about a certificate on it arrived): otherwise undefined, and it is dropped.
   */
  get(partnerDid: string, url: string, now: number, notBefore?: number): StatusList | undefined {
    const k = StatusListCache.key(partnerDid, url);
    const entry = this.entries.get(k);
    if (!entry) return undefined;
    if (now >= entry.expiresAt || (notBefore !== undefined && entry.fetchedAt <= notBefore)) {
      this.entries.delete(k);
      return undefined;
    }
    return entry.list;
  }

  /** Keeps a list just fetched and verified, for as long as statusListExpiry allows. */
  put(
    partnerDid: string,
    url: string,
    read: { list: StatusList; validUntil?: string | undefined; maxAgeSeconds?: number | undefined },
    fetchedAt: number,
  ): void {
    const expiresAt = statusListExpiry({
      fetchedAt,
      validUntil: read.validUntil,
      maxAgeSeconds: read.maxAgeSeconds,
      boundSeconds: this.boundSeconds,
    });
    const k = StatusListCache.key(partnerDid, url);
    this.entries.delete(k);
    if (expiresAt <= fetchedAt) return;
    this.entries.set(k, { list: read.list, fetchedAt, expiresAt });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
