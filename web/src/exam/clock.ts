// The server's clock as this page sees it: the offset is measured at load (half the round trip counted
// as the reply's travel) and again whenever the tab becomes visible, because a phone's clock may be wrong
// and a sleeping tab's timers drift. Time left is always the server's deadline minus the server's now.
import { signal } from '@preact/signals';

export const clockOffsetMs = signal(0);

export function measure(sentAt: number, receivedAt: number, serverTime: string | undefined): void {
  if (!serverTime) return;
  const server = Date.parse(serverTime);
  if (Number.isNaN(server)) return;
  clockOffsetMs.value = server - (sentAt + receivedAt) / 2;
}

export const serverNow = () => Date.now() + clockOffsetMs.value;

/** The warnings a candidate gets, in minutes left. */
export const WARNINGS = [30, 15, 5] as const;

/** The warning due at this much time left, if any (the smallest threshold not above it). */
export function warningFor(msLeft: number): (typeof WARNINGS)[number] | undefined {
  let due: (typeof WARNINGS)[number] | undefined;
  for (const w of WARNINGS) if (msLeft <= w * 60_000) due = w;
  return due;
}
