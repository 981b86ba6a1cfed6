// The synthesis options the integration tests share, so one synthesized assembly per region serves them
// all: a four-second marking timeout, and notices retried after one second.
export const TEST_STACK_OPTIONS = {
  markingTimeoutSeconds: 4,
  noticeRetrySeconds: 1,
} as const;
