// The pass policy: each component is scored 0–100 and must reach its pass mark (60 by default); an
// optional weighted total adds a second bar. A policy is versioned and content-hashed, and every result
// records the version and hash it was decided under, so a later policy change never rewrites history.
import { contentHash } from './canonical-json.js';

export const COMPONENTS = ['theory', 'practical', 'review'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface PassPolicyInput {
  version: string;
  passMarks?: Partial<Record<Component, number>>;
  /** Weights of a total score; when set, `totalPassMark` applies too. */
  weights?: Partial<Record<Component, number>>;
  totalPassMark?: number;
}

export interface PassPolicy {
  version: string;
  passMarks: Record<Component, number>;
  weights?: Partial<Record<Component, number>>;
  totalPassMark?: number;
  hash: string;
}

export const DEFAULT_PASS_MARK = 60;

export function passPolicy(input: PassPolicyInput): PassPolicy {
  if (!/^[\w.-]{1,40}$/.test(input.version))
    throw new RangeError('A policy version is 1–40 letters, digits, . _ -');
  const passMarks = Object.fromEntries(
    COMPONENTS.map((c) => [c, input.passMarks?.[c] ?? DEFAULT_PASS_MARK]),
  ) as Record<Component, number>;
  for (const [component, mark] of Object.entries(passMarks)) {
    if (!(mark >= 0 && mark <= 100)) throw new RangeError(`Pass mark for ${component} must be within 0–100`);
  }
  if (input.weights) {
    const values = Object.values(input.weights);
    if (values.some((w) => !(w > 0)) || values.length === 0) throw new RangeError('Weights must be positive');
    if (input.totalPassMark === undefined) throw new RangeError('Weights need a totalPassMark');
  }
  if (input.totalPassMark !== undefined && !(input.totalPassMark >= 0 && input.totalPassMark <= 100)) {
    throw new RangeError('totalPassMark must be within 0–100');
  }
  const body = {
    version: input.version,
    passMarks,
    ...(input.weights ? { weights: input.weights } : {}),
    ...(input.totalPassMark !== undefined ? { totalPassMark: input.totalPassMark } : {}),
  };
  return { ...body, hash: contentHash(body) };
}

export interface ComponentResult {
  component: Component;
  score: number;
  passMark: number;
  passed: boolean;
}

export interface Decision {
  passed: boolean;
  results: ComponentResult[];
  total?: number;
  reasons: string[];
  policy: { version: string; hash: string };
}

/** Decides a result from the component scores the exam has; a missing required score is a refusal. */
export function decide(
  policy: PassPolicy,
  scores: Partial<Record<Component, number>>,
  required: Component[],
): Decision {
  const reasons: string[] = [];
  const results = required.map((component) => {
    const score = scores[component];
    if (score === undefined || !(score >= 0 && score <= 100)) {
      throw new RangeError(`No valid ${component} score to decide on`);
    }
    const passMark = policy.passMarks[component];
    const passed = score >= passMark;
    if (!passed) reasons.push(`${component} ${score} is below the pass mark ${passMark}`);
    return { component, score, passMark, passed };
  });
  let total: number | undefined;
  if (policy.weights && policy.totalPassMark !== undefined) {
    const weighted = required.map((c) => [policy.weights?.[c] ?? 0, scores[c] ?? 0] as const);
    const weightSum = weighted.reduce((a, [w]) => a + w, 0);
    total = Math.round((weighted.reduce((a, [w, s]) => a + w * s, 0) / weightSum) * 10) / 10;
    if (total < policy.totalPassMark)
      reasons.push(`weighted total ${total} is below ${policy.totalPassMark}`);
  }
  return {
    passed: reasons.length === 0,
    results,
    ...(total !== undefined ? { total } : {}),
    reasons,
    policy: { version: policy.version, hash: policy.hash },
  };
}
