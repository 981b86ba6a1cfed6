import { describe, expect, it } from 'vitest';
import {
  nextStatusPosition,
  type OpenStatusList,
  permuteIndex,
  STATUS_LIST_SIZE,
} from '../../../functions/domain/index.js';

const SEED = 'c2tpbGxjZXJ0LXRlc3Qtc2VlZC0xMjM0NTY3ODkwYWI';

describe('status list indexes drawn at random', () => {
  it('places every position of a full list at a different index inside it (a permutation)', () => {
    const seen = new Uint8Array(STATUS_LIST_SIZE);
    for (let position = 0; position < STATUS_LIST_SIZE; position++) {
      const index = permuteIndex(SEED, position);
      expect(index >= 0 && index < STATUS_LIST_SIZE).toBe(true);
      seen[index] = (seen[index] as number) + 1;
    }
    expect(seen.every((count) => count === 1)).toBe(true);
  }, 60_000); // about a million HMACs: a few seconds on a busy machine

  it('is a permutation for sizes that are not a power of four, too', () => {
    for (const size of [8, 1000, 5000]) {
      const indexes = new Set(Array.from({ length: size }, (_, p) => permuteIndex(SEED, p, size)));
      expect(indexes.size).toBe(size);
      expect([...indexes].every((index) => index >= 0 && index < size)).toBe(true);
    }
  });

  it('gives no order away: the first thousand indexes are spread over the list, not 0, 1, 2 …', () => {
    const first = Array.from({ length: 1000 }, (_, p) => permuteIndex(SEED, p));
    expect(first.slice(0, 3)).not.toEqual([0, 1, 2]);
    const mean = first.reduce((a, b) => a + b, 0) / first.length;
    // Uniform on [0, 131071]: mean 65,536 with a standard error of about 1,200 for 1,000 draws.
    expect(Math.abs(mean - STATUS_LIST_SIZE / 2)).toBeLessThan(6_000);
    const rising = first.slice(1).filter((index, i) => index > (first[i] as number)).length;
    expect(rising).toBeGreaterThan(420);
    expect(rising).toBeLessThan(580);
    expect(first.filter((index) => index < 1000).length).toBeLessThan(30);
  });

  it('draws a different order under another seed', () => {
    const a = Array.from({ length: 20 }, (_, p) => permuteIndex(SEED, p));
    const b = Array.from({ length: 20 }, (_, p) => permuteIndex(`${SEED}x`, p));
    expect(a).not.toEqual(b);
    expect(a.filter((index, i) => index === b[i]).length).toBeLessThan(3);
  });

  it.each([-1, STATUS_LIST_SIZE, 1.5])('refuses position %d', (position) => {
    expect(() => permuteIndex(SEED, position)).toThrow(/outside the list/);
  });
});

describe('the next status position', () => {
  const seeds = (...values: string[]) => {
    const queue = [...values];
    return () => queue.shift() ?? 'unexpected-seed';
  };

  it('opens list 1 with a fresh seed for the first credential of a kind', () => {
    const { next, index } = nextStatusPosition(undefined, 'certificates', seeds('s1'));
    expect(next).toEqual({ kind: 'certificates', list: 1, placed: 1, seed: 's1' });
    expect(index).toBe(permuteIndex('s1', 0));
  });

  it('takes the next position of the open list, under its seed', () => {
    const open: OpenStatusList = { kind: 'recognitions', list: 3, placed: 41, seed: 's3' };
    const { next, index } = nextStatusPosition(open, 'recognitions', seeds());
    expect(next).toEqual({ ...open, placed: 42 });
    expect(index).toBe(permuteIndex('s3', 41));
  });

  it('opens the next list with a new seed when the open one is full', () => {
    const full: OpenStatusList = { kind: 'certificates', list: 2, placed: STATUS_LIST_SIZE, seed: 's2' };
    const { next, index } = nextStatusPosition(full, 'certificates', seeds('s3'));
    expect(next).toEqual({ kind: 'certificates', list: 3, placed: 1, seed: 's3' });
    expect(index).toBe(permuteIndex('s3', 0));
    // The last position of a list is still in it.
    const last = nextStatusPosition({ ...full, placed: STATUS_LIST_SIZE - 1 }, 'certificates', seeds());
    expect(last.next.list).toBe(2);
    expect(last.next.placed).toBe(STATUS_LIST_SIZE);
  });
});
