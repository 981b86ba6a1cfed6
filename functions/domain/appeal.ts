// Appeals (复核): within a window after the result, a candidate may ask for a re-mark of the practical
// work. A different assessor (none of those who marked or moderated it; chosen with assignAssessors and
// `exclude`) re-marks the whole rubric blind, and the re-mark replaces the practical score; the decision
// is then taken again under the policy version the original result recorded, so the outcome can change
// the result and the certificate in either direction.
import type { RubricCriterion } from './exams.js';
import { type Mark, MarkError, scoreMark } from './marking.js';
import type { Component, Decision, PassPolicy } from './policy.js';
import { decide } from './policy.js';

export const DEFAULT_APPEAL_WINDOW_DAYS = 15;

export type AppealWindow = { open: true; closesAt: Date } | { open: false; closesAt: Date; reason: string };

/** Whether an appeal may be lodged at `now` for a result decided at `decidedAt`. */
export function appealWindow(
  decidedAt: Date,
  now: Date,
  windowDays = DEFAULT_APPEAL_WINDOW_DAYS,
): AppealWindow {
  if (!(Number.isInteger(windowDays) && windowDays > 0))
    throw new RangeError('An appeal window is whole days, at least 1');
  const closesAt = new Date(decidedAt.getTime() + windowDays * 86_400_000);
  if (now.getTime() < decidedAt.getTime())
    return { open: false, closesAt, reason: 'There is no result to appeal yet' };
  if (now.getTime() > closesAt.getTime())
    return { open: false, closesAt, reason: `Appeals closed on ${closesAt.toISOString()}` };
  return { open: true, closesAt };
}

export interface AppealOutcome {
  decision: Decision;
  /** The practical score before and after the re-mark. */
  practical: { before: number; after: number };
  /** True when the re-mark turns a pass into a fail or a fail into a pass. */
  changed: boolean;
}

/**
 * Decides again after a re-mark. `earlierMarkers` are everyone who marked or moderated the attempt; the
 * re-marker must not be one of them. The policy must be the one the original decision recorded.
 */
export function decideAppeal(input: {
  policy: PassPolicy;
  original: Decision;
  scores: Partial<Record<Component, number>>;
  required: Component[];
  rubric: RubricCriterion[];
  remark: Mark;
  earlierMarkers: string[];
}): AppealOutcome {
  const { policy, original } = input;
  if (policy.version !== original.policy.version || policy.hash !== original.policy.hash)
    throw new RangeError(
      `An appeal is decided under the original policy ${original.policy.version}, not ${policy.version}`,
    );
  if (input.earlierMarkers.includes(input.remark.assessorId))
    throw new MarkError({
      en: 'An appeal is re-marked by an assessor who has not marked this attempt',
      zh: '复核须由未评过本次考试的考评员重新评分',
    });
  const before = input.scores.practical;
  if (before === undefined) throw new RangeError('Only practical work can be re-marked on appeal');
  const after = scoreMark(input.rubric, input.remark);
  const decision = decide(policy, { ...input.scores, practical: after }, input.required);
  return { decision, practical: { before, after }, changed: decision.passed !== original.passed };
}
