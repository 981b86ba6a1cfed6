// Scores on the 0–100 scale are kept to one decimal everywhere (theory, practical marks, the weighted
// total), rounded half up. Rounding goes through a 12-significant-digit decimal first so that binary noise
// (88.25 stored as 88.24999…) cannot flip a half.

export const SCORE_DECIMALS = 1;

export function roundScore(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError('A score must be a finite number');
  const factor = 10 ** SCORE_DECIMALS;
  const scaled = Number((value * factor).toPrecision(12));
  return Math.round(scaled) / factor;
}

export function isScore(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100;
}
