// The server enforces the time limit. A small grace absorbs network delay on the last autosave/submit;
// it is not extra time (the candidate's clock shows the deadline without it).

export const DEFAULT_GRACE_SECONDS = 30;

export interface AttemptClock {
  startedAt: Date;
  timeLimitMinutes: number;
  graceSeconds?: number;
}

export function deadline(clock: AttemptClock): Date {
  return new Date(clock.startedAt.getTime() + clock.timeLimitMinutes * 60_000);
}

/** Saving and submitting are accepted up to the deadline plus the grace, and not after. */
export function acceptsWorkAt(clock: AttemptClock, now: Date): boolean {
  const limit = deadline(clock).getTime() + (clock.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  return now.getTime() >= clock.startedAt.getTime() && now.getTime() <= limit;
}

export function secondsLeft(clock: AttemptClock, now: Date): number {
  return Math.max(0, Math.floor((deadline(clock).getTime() - now.getTime()) / 1000));
}
