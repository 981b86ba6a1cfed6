import { describe, expect, it } from 'vitest';
import {
  ChainError,
  type ChainReview,
  chainOf,
  chainState,
  slotParts,
  successorSlot,
} from '../../../functions/domain/index.js';

const r = (slot: string, status: ChainReview['status'], score?: number): ChainReview => ({
  slot,
  status,
  ...(score !== undefined ? { score } : {}),
});

describe('review slots', () => {
  it('name a chain and a place in it; the successor is always the same', () => {
    expect(slotParts('A')).toEqual({ chain: 'A', ordinal: 1 });
    expect(slotParts('B12')).toEqual({ chain: 'B', ordinal: 12 });
    expect(successorSlot('A')).toBe('A2');
    expect(successorSlot('A9')).toBe('A10');
    expect(successorSlot('M2')).toBe('M3');
    for (const bad of ['', 'a', 'A1', 'A0', '2', 'A-2']) expect(() => slotParts(bad)).toThrow(ChainError);
  });

  it('sort by their place, not as text (A10 after A9)', () => {
    const reviews = ['A10', 'B', 'A2', 'A', 'A9'].map((slot) => r(slot, 'expired'));
    expect(chainOf(reviews, 'A').map((x) => x.slot)).toEqual(['A', 'A2', 'A9', 'A10']);
  });
});

describe('a chain’s state', () => {
  it('is its one mark, the review it waits for, or a closed review waiting for its replacement', () => {
    expect(chainState([], 'A')).toEqual({ kind: 'none' });
    expect(chainState([r('A', 'expired'), r('A2', 'marked', 88), r('B', 'open')], 'A')).toMatchObject({
      kind: 'marked',
      review: { slot: 'A2', score: 88 },
    });
    expect(chainState([r('A', 'returned'), r('A2', 'open')], 'A')).toMatchObject({
      kind: 'open',
      review: { slot: 'A2' },
    });
    expect(chainState([r('A', 'expired')], 'A')).toMatchObject({ kind: 'closed', review: { slot: 'A' } });
  });

  it('refuses to guess when a chain breaks the rules: two marks, a replaced mark, two open reviews', () => {
    // Issue 9: A = 90 raced the timeout and A2 = 88 was opened anyway; neither may be picked silently.
    expect(() => chainState([r('A', 'marked', 90), r('A2', 'marked', 88)], 'A')).toThrow(/2 marks/);
    expect(() => chainState([r('A', 'marked', 90), r('A2', 'open')], 'A')).toThrow(/replaced/);
    expect(() => chainState([r('A', 'open'), r('A2', 'open')], 'A')).toThrow(/more than one/);
  });
});
