// The pass policy: each component is scored 0–100 and must reach its pass mark (60 by default); an
// optional weighted total adds a second bar. A policy is versioned and content-hashed, and every result
// records the version and hash it was decided under, so a later policy change never rewrites history.

import { contentHash } from './canonical-json.js';
import { DomainError } from './errors.js';
import { isScore, roundScore } from './score.js';

export const COMPONENTS = ['theory', 'practical', 'review'] as const;
export type Component = (typeof COMPONENTS)[number];

export const COMPONENT_NAMES: Record<Component, { zh: string; en: string }> = {
  theory: { zh: '理论知识', en: 'Theory knowledge' },
  practical: { zh: '操作技能', en: 'Practical skills' },
  review: { zh: '综合评审', en: 'Comprehensive review' },
};

export function isComponent(value: unknown): value is Component {
  return typeof value === 'string' && (COMPONENTS as readonly string[]).includes(value);
}

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

/**
 * Builds a policy with defaults filled in and its content hash: `sha256:` + hex SHA-256 of the canonical
 * JSON (canonical-json.ts) of every field but the hash. Filling defaults before hashing means two inputs
 * that decide alike hash alike.
 */
/** A pass policy an admin gave that cannot decide results. */
export class PolicyError extends DomainError {
  override name = 'PolicyError';
}

export function passPolicy(input: PassPolicyInput): PassPolicy {
  if (!/^[\w.-]{1,40}$/.test(input.version))
    throw new PolicyError({
      en: 'A policy version is 1–40 letters, digits, . _ -',
      zh: '评分规则版本须为 1–40 个字母、数字或 . _ -',
    });
  const passMarks = Object.fromEntries(
    COMPONENTS.map((c) => [c, input.passMarks?.[c] ?? DEFAULT_PASS_MARK]),
  ) as Record<Component, number>;
  for (const [component, mark] of Object.entries(passMarks)) {
    if (!isScore(mark))
      throw new PolicyError({
        en: `Pass mark for ${component} must be within 0–100`,
        zh: `${component} 的及格分须在 0–100 之间`,
      });
  }
  for (const key of [...Object.keys(input.passMarks ?? {}), ...Object.keys(input.weights ?? {})]) {
    if (!isComponent(key))
      throw new PolicyError({
        en: `'${key}' is not a component (theory, practical, review)`,
        zh: `“${key}”不是考核科目（theory 理论、practical 操作技能、review 综合评审）`,
      });
  }
  if (input.weights) {
    const values = Object.values(input.weights).filter((w) => w !== undefined);
    if (values.some((w) => !(Number.isFinite(w) && w > 0)) || values.length === 0)
      throw new PolicyError({ en: 'Weights must be positive', zh: '权重须为正数' });
    if (input.totalPassMark === undefined)
      throw new PolicyError({
        en: 'Weights need a totalPassMark',
        zh: '设置权重时须同时设置总及格分（totalPassMark）',
      });
  }
  if (input.totalPassMark !== undefined && !isScore(input.totalPassMark)) {
    throw new PolicyError({
      en: 'totalPassMark must be within 0–100',
      zh: '总及格分（totalPassMark）须在 0–100 之间',
    });
  }
  if (input.totalPassMark !== undefined && !input.weights)
    throw new PolicyError({
      en: 'A totalPassMark needs weights',
      zh: '设置总及格分（totalPassMark）时须同时设置权重',
    });
  const body = {
    version: input.version,
    passMarks,
    ...(input.weights ? { weights: input.weights } : {}),
    ...(input.totalPassMark !== undefined ? { totalPassMark: input.totalPassMark } : {}),
  };
  return { ...body, hash: contentHash(body) };
}

/** True when the policy's hash is the hash of its content: a stored policy was not altered. */
export function policyHashMatches(policy: PassPolicy): boolean {
  const { hash, ...body } = policy;
  return contentHash(body) === hash;
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

/**
 * Decides a result from the component scores the exam has (requiredComponents in exams.ts). It passes
 * only when every component reaches its pass mark and, if the policy weights components, the weighted
 * total (weights of the required components, normalised; one decimal) reaches totalPassMark. Every
 * shortfall is a reason. A missing or out-of-range required score is an error, not a fail.
 */
export function decide(
  policy: PassPolicy,
  scores: Partial<Record<Component, number>>,
  required: Component[],
): Decision {
  if (required.length === 0 || new Set(required).size !== required.length)
    throw new RangeError('A decision needs each required component once');
  const reasons: string[] = [];
  const results = required.map((component) => {
    const score = scores[component];
    if (!isScore(score)) {
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
    if (weightSum === 0) throw new RangeError('The policy weights none of the components this exam has');
    total = roundScore(weighted.reduce((a, [w, s]) => a + w * s, 0) / weightSum);
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
