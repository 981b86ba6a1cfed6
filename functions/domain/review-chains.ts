// Which reviews count. The practical work has two blind reviews, A and B, and a moderation, M, when they
// diverge. A review that is not answered in time or is returned is replaced by the next review of the same
// chain (A → A2 → A3…), given to an assessor who has not seen the attempt. A replacement is opened only once
// its predecessor is closed unmarked, and a review is marked only while it is open, so a chain has at most
// one marked review, and it is the chain's mark. The decision takes the mark of chain A and of chain B (or
// of M when they diverge) — never "the first marked reviews" in some order: slots sort as text (A10 < A2).
import { DomainError } from './errors.js';

export type ReviewState = 'open' | 'marked' | 'returned' | 'expired';

export interface ChainReview {
  slot: string;
  status: ReviewState;
  score?: number;
}

/** The blind chains, and the moderation chain. */
export const BLIND_CHAINS = ['A', 'B'] as const;
export const MODERATION_CHAIN = 'M';

/** A chain's reviews disagree with the rules above: a person must look, the workflow never guesses. */
export class ChainError extends DomainError {
  override name = 'MarksInconsistent';
}

const notASlot = (slot: string) => ({
  en: `'${slot}' is not a review slot`,
  zh: `“${slot}”不是有效的评审位置`,
});

/** 'A' → chain A, ordinal 1; 'A12' → chain A, ordinal 12. */
export function slotParts(slot: string): { chain: string; ordinal: number } {
  const match = /^([A-Z]+)(\d*)$/.exec(slot);
  if (!match?.[1]) throw new ChainError(notASlot(slot));
  const ordinal = match[2] ? Number(match[2]) : 1;
  if (!(ordinal >= 1) || (match[2] !== '' && ordinal < 2)) throw new ChainError(notASlot(slot));
  return { chain: match[1], ordinal };
}

/** The slot that replaces this one: A → A2, A2 → A3. Always the same, so a retried replacement finds it. */
export function successorSlot(slot: string): string {
  const { chain, ordinal } = slotParts(slot);
  return `${chain}${ordinal + 1}`;
}

/** One chain's reviews in replacement order. */
export function chainOf<T extends ChainReview>(reviews: T[], chain: string): T[] {
  return reviews
    .filter((r) => slotParts(r.slot).chain === chain)
    .sort((a, b) => slotParts(a.slot).ordinal - slotParts(b.slot).ordinal);
}

export type ChainState<T extends ChainReview> =
  /** No review in this chain yet. */
  | { kind: 'none' }
  /** The chain's mark. */
  | { kind: 'marked'; review: T }
  /** Waiting for this review's mark. */
  | { kind: 'open'; review: T }
  /** The latest review was closed unmarked and its replacement is not open yet. */
  | { kind: 'closed'; review: T };

export function chainState<T extends ChainReview>(reviews: T[], chain: string): ChainState<T> {
  const all = chainOf(reviews, chain);
  const marked = all.filter((r) => r.status === 'marked');
  if (marked.length > 1)
    throw new ChainError({
      en: `Chain ${chain} has ${marked.length} marks (${marked.map((r) => r.slot).join(', ')}); only one may count`,
      zh: `评审链 ${chain} 有 ${marked.length} 个评分（${marked.map((r) => r.slot).join('、')}），只能有一个计入`,
    });
  const [mark] = marked;
  if (mark) {
    if (mark !== all[all.length - 1])
      throw new ChainError({
        en: `Review ${mark.slot} is marked but was replaced`,
        zh: `评审 ${mark.slot} 已评分，但已被替换`,
      });
    return { kind: 'marked', review: mark };
  }
  const open = all.filter((r) => r.status === 'open');
  const latest = all[all.length - 1];
  if (!latest) return { kind: 'none' };
  if (open.length > 1 || (open[0] && open[0] !== latest))
    throw new ChainError({
      en: `Chain ${chain} has more than one review waiting (${open.map((r) => r.slot).join(', ')})`,
      zh: `评审链 ${chain} 有多个待评审（${open.map((r) => r.slot).join('、')}）`,
    });
  return latest.status === 'open' ? { kind: 'open', review: latest } : { kind: 'closed', review: latest };
}
