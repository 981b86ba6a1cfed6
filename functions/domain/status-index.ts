// Where a new credential's status bit goes. The Bitstring Status List spec's privacy section asks issuers
// to assign indexes at random within a large list: indexes handed out in order (1, 2, 3 …) tell anyone how
// many certificates a region issued and in what order. A region's lists are numbered; each holds
// STATUS_LIST_SIZE entries and has a secret seed drawn when it is opened. The n-th credential placed in a
// list gets index permute(seed, n): a keyed pseudo-random permutation of [0, size), so indexes look drawn
// at random, never collide, and a list is full exactly when its count reaches its size, with one small
// counter item (taken in the issuing transaction) instead of a record per index.
import { createHmac } from 'node:crypto';
import { MIN_STATUS_LIST_BITS } from './status-list.js';

/** Entries per list: the spec's minimum (16 KB), which is also what hides one credential among many. */
export const STATUS_LIST_SIZE = MIN_STATUS_LIST_BITS;

/** What a region keeps lists for: its certificates, and the endorsements it signs for recognitions. */
export type StatusListKind = 'certificates' | 'recognitions';

/** The open list of a kind: its number, how many entries are placed, and its seed. */
export interface OpenStatusList {
  kind: StatusListKind;
  list: number;
  placed: number;
  seed: string;
}

const ROUNDS = 4;

/**
 * A keyed permutation of [0, size): a balanced Feistel network (four rounds of HMAC-SHA-256, which makes
 * it a pseudo-random permutation, Luby–Rackoff) over the smallest even number of bits that covers size,
 * with cycle walking back into range. Each round is a bijection, so distinct positions never meet.
 */
export function permuteIndex(seed: string, position: number, size = STATUS_LIST_SIZE): number {
  if (!(Number.isInteger(position) && position >= 0 && position < size))
    throw new RangeError(`Position ${position} is outside the list (0–${size - 1})`);
  let halfBits = 1;
  while (2 ** (2 * halfBits) < size) halfBits++;
  const mask = 2 ** halfBits - 1;
  const round = (r: number, value: number) =>
    createHmac('sha256', seed).update(`${r}:${value}`).digest().readUInt32BE(0) & mask;
  let value = position;
  do {
    let left = Math.floor(value / 2 ** halfBits);
    let right = value & mask;
    for (let r = 0; r < ROUNDS; r++) [left, right] = [right, left ^ round(r, right)];
    value = left * 2 ** halfBits + right;
  } while (value >= size); // cycle walking: at most a few steps, since size > a quarter of the domain
  return value;
}

/**
 * The entry the next credential takes: the next position in the open list, or the first position of a
 * new list (with a new seed) when the open one is full. The store writes `next` on the condition that the
 * list is still as it was read, so concurrent issuers never take the same position.
 */
export function nextStatusPosition(
  open: OpenStatusList | undefined,
  kind: StatusListKind,
  /** A fresh secret seed for a list being opened (the store draws 256 random bits). */
  newSeed: () => string,
): { next: OpenStatusList; index: number } {
  const next: OpenStatusList =
    !open || open.placed >= STATUS_LIST_SIZE
      ? { kind, list: (open?.list ?? 0) + 1, placed: 1, seed: newSeed() }
      : { ...open, placed: open.placed + 1 };
  return { next, index: permuteIndex(next.seed, next.placed - 1) };
}
