// The server enforces the time limit: deadline = start + time limit. A small grace (30 s by default,
// per exam configurable) absorbs network delay on the last autosave/submit; it is not extra time — the
// candidate's clock shows the deadline without it. Every instant comes in as an argument.

export const DEFAULT_GRACE_SECONDS = 30;

export interface AttemptClock {
  startedAt: Date;
  timeLimitMinutes: number;
  graceSeconds?: number;
}

export type WorkWindow =
  | { open: true; phase: 'in-time' | 'grace'; deadline: Date; acceptsUntil: Date }
  | { open: false; phase: 'not-started' | 'closed'; deadline: Date; acceptsUntil: Date; reason: string };

function checkClock(clock: AttemptClock): void {
  if (Number.isNaN(clock.startedAt.getTime())) throw new RangeError('The attempt has no valid start time');
  if (!(clock.timeLimitMinutes > 0)) throw new RangeError('A time limit is a positive number of minutes');
  const grace = clock.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  if (!(grace >= 0)) throw new RangeError('The grace cannot be negative');
}

export function deadline(clock: AttemptClock): Date {
  checkClock(clock);
  return new Date(clock.startedAt.getTime() + clock.timeLimitMinutes * 60_000);
}

/** The last instant at which a save or submit is accepted: the deadline plus the grace. */
export function acceptsWorkUntil(clock: AttemptClock): Date {
  return new Date(deadline(clock).getTime() + (clock.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000);
}

/** Where `now` falls for this attempt, with a reason when saving and submitting are refused. */
export function workWindow(clock: AttemptClock, now: Date): WorkWindow {
  const due = deadline(clock);
  const until = acceptsWorkUntil(clock);
  const t = now.getTime();
  if (Number.isNaN(t)) throw new RangeError('No valid current time');
  if (t < clock.startedAt.getTime())
    return {
      open: false,
      phase: 'not-started',
      deadline: due,
      acceptsUntil: until,
      reason: 'The attempt has not started yet',
    };
  if (t > until.getTime())
    return {
      open: false,
      phase: 'closed',
      deadline: due,
      acceptsUntil: until,
      reason: `The time for this attempt ended at ${due.toISOString()}`,
    };
  return { open: true, phase: t <= due.getTime() ? 'in-time' : 'grace', deadline: due, acceptsUntil: until };
}

/** Saving (autosave) and submitting are accepted from the start up to the deadline plus the grace, inclusive. */
export function acceptsWorkAt(clock: AttemptClock, now: Date): boolean {
  return workWindow(clock, now).open;
}

/** Autosave and submit follow the same window; two names so call sites read as what they do. */
export const maySaveAnswers = acceptsWorkAt;
export const maySubmit = acceptsWorkAt;

/** Whole seconds to the deadline (not the grace) for the candidate's countdown; 0 once it has passed. */
export function secondsLeft(clock: AttemptClock, now: Date): number {
  return Math.max(0, Math.floor((deadline(clock).getTime() - now.getTime()) / 1000));
}

/** Past deadline + grace: no save or submit is accepted any more, and the server submits what it kept. */
export function tooLateAt(clock: AttemptClock, now: Date): boolean {
  return now.getTime() > acceptsWorkUntil(clock).getTime();
}
