// The retry policy of a revocation notice's delivery round, and when a round gives up. Step Functions
// waits, before retry n (n = 0, 1, …), a uniformly random time in [0, min(maxDelay, interval × rate^n)]
// (full jitter), so a round of 1 + maxAttempts attempts waits on average half the sum of those caps.
// docs/partners.md states the figures; tests/unit/lib/notice-retry.test.ts checks it says them.

export const NOTICE_RETRY = {
  /** The first wait before a notice is sent again (tests shorten it). */
  intervalSeconds: 30,
  backoffRate: 2,
  maxDelaySeconds: 3600,
  maxAttempts: 1000,
} as const;

export interface RetrySchedule {
  /** Seconds waited before a round gives up: on average, and at most (every wait at its cap). */
  expectedSeconds: number;
  maxSeconds: number;
  /** Standard deviation of the waited time: the sum of independent uniform waits. */
  stdDevSeconds: number;
}

export function retrySchedule(policy: {
  intervalSeconds: number;
  backoffRate: number;
  maxDelaySeconds: number;
  maxAttempts: number;
}): RetrySchedule {
  let maxSeconds = 0;
  let variance = 0;
  for (let n = 0; n < policy.maxAttempts; n++) {
    const cap = Math.min(policy.maxDelaySeconds, policy.intervalSeconds * policy.backoffRate ** n);
    maxSeconds += cap;
    variance += (cap * cap) / 12;
  }
  return { expectedSeconds: maxSeconds / 2, maxSeconds, stdDevSeconds: Math.sqrt(variance) };
}
