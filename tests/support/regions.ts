// The synthesis options the integration tests share, so one synthesized assembly per region serves them
// all: a four-second marking timeout, notices retried after one second, a delivery round that gives
// up after three retries (so a test sees the sweep start the next round), and partner status lists kept
// five seconds rather than five minutes (so a test sees a partner's change arrive within the bound).
export const TEST_STACK_OPTIONS = {
  markingTimeoutSeconds: 4,
  noticeRetrySeconds: 1,
  noticeMaxAttempts: 3,
  partnerStatusListCacheSeconds: 5,
} as const;
