// A small seeded PRNG so papers and assessor choices are reproducible from a seed; never Math.random.
import { createHash } from 'node:crypto';

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), its 128-bit state taken from SHA-256 of
 * the seed so that similar seeds ('attempt-1', 'attempt-2') give unrelated streams. Returns floats in
 * [0, 1). Good enough to shuffle exam items; not for secrets.
 */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with the given generator; returns a new array. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
