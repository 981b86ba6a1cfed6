// The region's calendar at its edges: New Year's Eve, 29 February, the minute a session opens.
import { describe, expect, it } from 'vitest';
import {
  addCalendarYears,
  calendarDate,
  calendarYear,
  certificateValidUntil,
  isTimeZone,
  parseBoundary,
  parseInstant,
  zonedIso,
} from '../../../functions/domain/index.js';

const BEIJING = 'Asia/Shanghai';

describe('the region calendar', () => {
  it('reads the year of 01:30 on 1 January 2027 in Beijing (17:30 UTC on New Year’s Eve) as 2027', () => {
    const instant = new Date('2026-12-31T17:30:00Z');
    expect(calendarYear(instant, BEIJING)).toBe(2027);
    expect(calendarYear(instant, 'UTC')).toBe(2026);
    expect(calendarDate(instant, BEIJING)).toBe('2027-01-01');
    expect(zonedIso(instant, BEIJING)).toBe('2027-01-01T01:30:00+08:00');
    // One millisecond before midnight in Beijing is still 2026.
    expect(calendarYear(new Date('2026-12-31T15:59:59.999Z'), BEIJING)).toBe(2026);
    expect(calendarYear(new Date('2026-12-31T16:00:00Z'), BEIJING)).toBe(2027);
  });

  it('ends a validity issued on 29 February (Beijing) on 28 February of a year without one', () => {
    // 01:30 on 29 February 2028 in Beijing is still 28 February in UTC.
    const issued = new Date('2028-02-28T17:30:00Z');
    const until = certificateValidUntil(issued, 1, BEIJING);
    expect(zonedIso(until, BEIJING)).toBe('2029-02-28T01:30:00+08:00');
    expect(calendarDate(until, BEIJING)).toBe('2029-02-28');
    // Read in UTC (the old rule) it ended on 1 March in Beijing.
    expect(calendarDate(certificateValidUntil(issued, 1), BEIJING)).toBe('2029-03-01');
    // To a leap year it keeps the 29th; in the evening it is 29 February in both calendars.
    expect(zonedIso(certificateValidUntil(issued, 4, BEIJING), BEIJING)).toBe('2032-02-29T01:30:00+08:00');
    const evening = new Date('2028-02-29T12:00:00Z');
    expect(zonedIso(addCalendarYears(evening, 3, BEIJING), BEIJING)).toBe('2031-02-28T20:00:00+08:00');
  });

  it('parses instants with any offset, and refuses a time without one or a day that does not exist', () => {
    expect(parseInstant('2027-03-01T08:00:00+08:00')?.toISOString()).toBe('2027-03-01T00:00:00.000Z');
    expect(parseInstant('2027-03-01T00:00Z')?.toISOString()).toBe('2027-03-01T00:00:00.000Z');
    expect(parseInstant('2027-02-28T19:00:00.5-05:00')?.toISOString()).toBe('2027-03-01T00:00:00.500Z');
    for (const bad of [
      '2027-03-01T08:00:00',
      '2027-03-01',
      '2027-02-29T08:00:00+08:00',
      '2027-13-01T08:00:00Z',
      '2027-03-01T24:00:00Z',
      '2027-03-01T08:00:00+15:00',
      'Mon, 01 Mar 2027 08:00:00 GMT',
      '',
    ])
      expect(parseInstant(bad), bad).toBeUndefined();
  });

  it('compares instants, not strings: 08:00–12:00+08:00 is 00:00–04:00 UTC', () => {
    const opens = parseInstant('2027-03-01T08:00:00+08:00') as Date;
    const closes = parseInstant('2027-03-01T12:00:00+08:00') as Date;
    const at = (iso: string) => (parseInstant(iso) as Date).getTime();
    const open = (iso: string) => at(iso) >= opens.getTime() && at(iso) < closes.getTime();
    // As strings, '2027-03-01T01:00:00.000Z' < '2027-03-01T08:00:00+08:00' and 08:30Z is "inside".
    expect(open('2027-03-01T01:00:00Z')).toBe(true); // 09:00 in Beijing
    expect(open('2027-03-01T08:30:00Z')).toBe(false); // 16:30 in Beijing
    expect(open('2027-03-01T07:59:59.999+08:00')).toBe(false);
    expect(open('2027-03-01T08:00:00+08:00')).toBe(true);
    expect(open('2027-03-01T11:59:59.999+08:00')).toBe(true);
    expect(open('2027-03-01T12:00:00+08:00')).toBe(false);
  });

  it('reads a calendar date typed by a person as the whole day in the region’s zone', () => {
    expect(parseBoundary('2029-12-31', BEIJING, 'start')?.toISOString()).toBe('2029-12-30T16:00:00.000Z');
    expect(parseBoundary('2029-12-31', BEIJING, 'end')?.toISOString()).toBe('2029-12-31T15:59:59.999Z');
    expect(parseBoundary('2028-02-29', BEIJING, 'end')?.toISOString()).toBe('2028-02-29T15:59:59.999Z');
    expect(parseBoundary('2029-02-29', BEIJING, 'end')).toBeUndefined();
    expect(parseBoundary('2029-12-31T23:59:59Z', BEIJING, 'end')?.toISOString()).toBe(
      '2029-12-31T23:59:59.000Z',
    );
    expect(parseBoundary('31/12/2029', BEIJING, 'end')).toBeUndefined();
  });

  it('knows IANA zones and refuses others', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Asia/Beijing')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
