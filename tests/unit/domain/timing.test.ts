import { describe, expect, it } from 'vitest';
import {
  acceptsWorkAt,
  acceptsWorkUntil,
  deadline,
  maySaveAnswers,
  maySubmit,
  secondsLeft,
  workWindow,
} from '../../../functions/domain/index.js';

const clock = { startedAt: new Date('2026-11-24T08:00:00Z'), timeLimitMinutes: 90 };

describe('time limits', () => {
  it.each([
    ['at the start', '2026-11-24T08:00:00.000Z', true, 'in-time'],
    ['at the deadline', '2026-11-24T09:30:00.000Z', true, 'in-time'],
    ['one ms into the grace', '2026-11-24T09:30:00.001Z', true, 'grace'],
    ['at the end of the grace', '2026-11-24T09:30:30.000Z', true, 'grace'],
    ['one ms after the grace', '2026-11-24T09:30:30.001Z', false, 'closed'],
    ['before the start', '2026-11-24T07:59:59.999Z', false, 'not-started'],
  ])('accept work %s: %s → %s (%s)', (_name, at, accepted, phase) => {
    const now = new Date(at);
    expect(acceptsWorkAt(clock, now)).toBe(accepted);
    expect(maySaveAnswers(clock, now)).toBe(accepted);
    expect(maySubmit(clock, now)).toBe(accepted);
    expect(workWindow(clock, now)).toMatchObject({ open: accepted, phase });
  });

  it.each([
    [0, '2026-11-24T09:30:00.001Z', false],
    [0, '2026-11-24T09:30:00.000Z', true],
    [120, '2026-11-24T09:32:00.000Z', true],
    [120, '2026-11-24T09:32:00.001Z', false],
  ])('honour an exam grace of %d s at %s → %s', (graceSeconds, at, accepted) => {
    expect(acceptsWorkAt({ ...clock, graceSeconds }, new Date(at))).toBe(accepted);
  });

  it('say why work is refused', () => {
    expect(workWindow(clock, new Date('2026-11-24T10:00:00Z'))).toMatchObject({
      open: false,
      reason: 'The time for this attempt ended at 2026-11-24T09:30:00.000Z',
    });
    expect(workWindow(clock, new Date('2026-11-24T07:00:00Z'))).toMatchObject({ reason: /not started/ });
  });

  it('tell the candidate the deadline without the grace', () => {
    expect(deadline(clock).toISOString()).toBe('2026-11-24T09:30:00.000Z');
    expect(acceptsWorkUntil(clock).toISOString()).toBe('2026-11-24T09:30:30.000Z');
    expect(secondsLeft(clock, new Date('2026-11-24T09:29:00Z'))).toBe(60);
    expect(secondsLeft(clock, new Date('2026-11-24T09:29:59.500Z'))).toBe(0);
    expect(secondsLeft(clock, new Date('2026-11-24T09:31:00Z'))).toBe(0);
  });

  it.each([
    [{ ...clock, timeLimitMinutes: 0 }, /positive number of minutes/],
    [{ ...clock, graceSeconds: -1 }, /negative/],
    [{ ...clock, startedAt: new Date('nonsense') }, /start time/],
  ])('refuse an impossible clock %#', (bad, message) => {
    expect(() => deadline(bad)).toThrow(message);
  });
});
