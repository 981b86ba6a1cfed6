// When a revocation notice's delivery round gives up, computed from the retry policy the workflow uses,
// and docs/partners.md saying exactly that.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NOTICE_RETRY, retrySchedule } from '../../../lib/notice-retry.js';

const DAY = 86_400;

describe('the give-up time of a notice delivery round', () => {
  it('adds the capped backoff waits, of which full jitter takes half on average', () => {
    // Caps 1, 2, 4, 4: the waits before retries 1–4.
    const schedule = retrySchedule({
      intervalSeconds: 1,
      backoffRate: 2,
      maxDelaySeconds: 4,
      maxAttempts: 4,
    });
    expect(schedule.maxSeconds).toBe(11);
    expect(schedule.expectedSeconds).toBe(5.5);
    expect(schedule.stdDevSeconds).toBeCloseTo(Math.sqrt((1 + 4 + 16 + 16) / 12), 10);
  });

  it('is about three weeks for the deployed policy, not the 41 days that would be every wait at its cap', () => {
    const { expectedSeconds, maxSeconds, stdDevSeconds } = retrySchedule(NOTICE_RETRY);
    expect(expectedSeconds / DAY).toBeCloseTo(20.7, 1);
    expect(maxSeconds / DAY).toBeCloseTo(41.4, 1);
    expect(stdDevSeconds / DAY).toBeLessThan(0.5);
  });

  it('is stated in docs/partners.md with the figures computed here', () => {
    const docs = readFileSync(new URL('../../../docs/partners.md', import.meta.url), 'utf8').replace(
      /\s+/g,
      ' ',
    );
    const { expectedSeconds, maxSeconds, stdDevSeconds } = retrySchedule(NOTICE_RETRY);
    const days = (s: number) => (s / DAY).toFixed(1);
    expect(docs).toContain(`about ${days(expectedSeconds)} days`);
    expect(docs).toContain(
      `between ${days(expectedSeconds - 3 * stdDevSeconds)} and ${days(expectedSeconds + 3 * stdDevSeconds)} days`,
    );
    expect(docs).toContain(`at most ${days(maxSeconds)} days`);
    expect(docs).toContain(
      `${NOTICE_RETRY.intervalSeconds} s doubling to at most an hour, full jitter, ${NOTICE_RETRY.maxAttempts.toLocaleString('en')} retries`,
    );
    expect(docs).not.toMatch(/about 41 days/);
  });
});
