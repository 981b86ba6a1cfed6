// The synthesis options the integration tests share, so one synthesized assembly per region serves them
// all: a four-second marking timeout, notices retried after one second, and a delivery round that gives
// up after three retries (so a test sees the sweep start the next round).
export const TEST_STACK_OPTIONS = {
  markingTimeoutSeconds: 4,
  noticeRetrySeconds: 1,
  noticeMaxAttempts: 3,
} as const;
