// One writing tab per attempt: the first tab holds a Web Lock named after the attempt for as long as it
// is open; another tab on the same attempt cannot take it and becomes read-only (it follows the writer's
// answers), and takes over by itself when the writer closes.
import { signal } from '@preact/signals';

export function holdAttempt(attemptId: string) {
  const readOnly = signal(false);
  const name = `skillcert-attempt-${attemptId}`;
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  if (!('locks' in navigator)) return { readOnly, release };
  void navigator.locks.request(name, { ifAvailable: true }, async (lock) => {
    if (lock) return held;
    readOnly.value = true;
    // Wait for the writer to go, then become the writer.
    void navigator.locks.request(name, async () => {
      readOnly.value = false;
      return held;
    });
    return undefined;
  });
  return { readOnly, release };
}
