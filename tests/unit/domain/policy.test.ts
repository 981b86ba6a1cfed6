import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Component,
  canonicalJson,
  contentHash,
  decide,
  type PassPolicyInput,
  passPolicy,
  policyHashMatches,
} from '../../../functions/domain/index.js';
import { EXAM } from './fixtures.js';

describe('canonical JSON (RFC 8785 style)', () => {
  it.each<[unknown, string]>([
    [{ b: 1, a: [1, { d: 2, c: 3 }] }, '{"a":[1,{"c":3,"d":2}],"b":1}'],
    // RFC 8785 §3.2.2.3 number serialisation examples.
    [
      [1e21, 1e-7, 0.000001, Number('333333333.33333329'), 4.5, 2e-3, -0, 1e30],
      '[1e+21,1e-7,0.000001,333333333.3333333,4.5,0.002,0,1e+30]',
    ],
    // Keys sort by UTF-16 code units, so '\u20ac' (€) sorts after '\r' and before '\ud83d…' (an emoji).
    [{ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '1': 4 }, '{"\\r":2,"1":4,"€":1,"😀":3}'],
    [{ a: undefined, b: null, c: 'x"y' }, '{"b":null,"c":"x\\"y"}'],
    ['长', '"长"'],
  ])('%j → %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, 10n, () => 1, Symbol('s')])('refuses %s', (value) => {
    expect(() => canonicalJson(value)).toThrow();
  });

  it('hashes the canonical text with SHA-256', () => {
    const text = '{"a":1}';
    expect(contentHash({ a: 1 })).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
  });
});

describe('pass policy', () => {
  it('defaults every component to 60 and is content-hashed independently of key order', () => {
    const a = passPolicy({ version: '2026.1' });
    expect(a.passMarks).toEqual({ theory: 60, practical: 60, review: 60 });
    expect(a.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(passPolicy({ version: '2026.1', passMarks: { review: 60, theory: 60 } }).hash).toBe(a.hash);
    expect(passPolicy({ version: '2026.1', passMarks: { theory: 61 } }).hash).not.toBe(a.hash);
    expect(passPolicy({ version: '2026.2' }).hash).not.toBe(a.hash);
    expect(policyHashMatches(a)).toBe(true);
    expect(policyHashMatches({ ...a, passMarks: { ...a.passMarks, theory: 50 } })).toBe(false);
  });

  it.each<[string, PassPolicyInput, RegExp]>([
    ['an empty version', { version: '' }, /version/],
    ['a version with spaces', { version: 'v 1' }, /version/],
    ['a pass mark above 100', { version: 'v', passMarks: { theory: 101 } }, /within 0–100/],
    ['a negative pass mark', { version: 'v', passMarks: { practical: -1 } }, /within 0–100/],
    ['an unknown component', { version: 'v', passMarks: { oral: 60 } as never }, /'oral' is not a component/],
    ['a zero weight', { version: 'v', weights: { theory: 0 }, totalPassMark: 60 }, /positive/],
    ['weights without a total pass mark', { version: 'v', weights: { theory: 1 } }, /totalPassMark/],
    ['a total pass mark without weights', { version: 'v', totalPassMark: 60 }, /needs weights/],
    ['a total pass mark above 100', { version: 'v', weights: { theory: 1 }, totalPassMark: 120 }, /0–100/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => passPolicy(input)).toThrow(message);
  });
});

describe('the decision', () => {
  it.each<[Partial<Record<Component, number>>, boolean, string[]]>([
    [{ theory: 80, practical: 59 }, false, ['practical 59 is below the pass mark 60']],
    [{ theory: 60, practical: 60 }, true, []],
    [{ theory: 59.9, practical: 100 }, false, ['theory 59.9 is below the pass mark 60']],
    [
      { theory: 0, practical: 0 },
      false,
      ['theory 0 is below the pass mark 60', 'practical 0 is below the pass mark 60'],
    ],
    [{ theory: 100, practical: 100 }, true, []],
  ])('decides %j → passed %s', (scores, passed, reasons) => {
    const decision = decide(EXAM.policy, scores, ['theory', 'practical']);
    expect(decision).toEqual({
      passed,
      reasons,
      results: [
        { component: 'theory', score: scores.theory, passMark: 60, passed: (scores.theory ?? 0) >= 60 },
        {
          component: 'practical',
          score: scores.practical,
          passMark: 60,
          passed: (scores.practical ?? 0) >= 60,
        },
      ],
      policy: { version: '2026.1', hash: EXAM.policy.hash },
    });
  });

  it('uses per-component pass marks', () => {
    const policy = passPolicy({ version: 'p', passMarks: { practical: 70, review: 75 } });
    expect(
      decide(policy, { theory: 60, practical: 69.5, review: 80 }, ['theory', 'practical', 'review']),
    ).toMatchObject({
      passed: false,
      reasons: ['practical 69.5 is below the pass mark 70'],
    });
  });

  it.each([
    [{ theory: 62, practical: 72 }, false, 69.5, ['weighted total 69.5 is below 70']],
    [{ theory: 64, practical: 72 }, true, 70, []],
    [{ theory: 50, practical: 90 }, false, 80, ['theory 50 is below the pass mark 60']],
  ])('applies a weighted total when the policy has one: %j', (scores, passed, total, reasons) => {
    const policy = passPolicy({ version: 'w', weights: { theory: 1, practical: 3 }, totalPassMark: 70 });
    expect(decide(policy, scores, ['theory', 'practical'])).toMatchObject({ passed, total, reasons });
  });

  it.each<[string, Partial<Record<Component, number>>, Component[], RegExp]>([
    ['without every required score', { theory: 90 }, ['theory', 'practical'], /No valid practical score/],
    ['with a score above 100', { theory: 101 }, ['theory'], /No valid theory score/],
    ['with NaN', { theory: Number.NaN }, ['theory'], /No valid theory score/],
    ['with no components', {}, [], /each required component once/],
    ['with a component twice', { theory: 70 }, ['theory', 'theory'], /each required component once/],
  ])('refuses to decide %s', (_name, scores, required, message) => {
    expect(() => decide(EXAM.policy, scores, required)).toThrow(message);
  });

  it('refuses weights that cover none of the exam components', () => {
    const policy = passPolicy({ version: 'w', weights: { review: 1 }, totalPassMark: 60 });
    expect(() => decide(policy, { theory: 70 }, ['theory'])).toThrow(/weights none/);
  });
});
