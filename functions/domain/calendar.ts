// Time as people read it and as the system compares it. Instants (a session opening, an issue time) are
// compared as instants; calendar dates and years that a person reads (a certificate number's year, a
// validity end, an agreement's last day) are those of the region's calendar, in its IANA time zone
// (Asia/Shanghai for the demo regions). Intl does the zone arithmetic, so no date library is needed:
// Node ships the full ICU time-zone database.

/** Wall-clock time in a zone; month is 1–12. */
export interface CalendarTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone Intl knows (an IANA name such as Asia/Shanghai, or UTC). */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function checkInstant(instant: Date): number {
  const t = instant.getTime();
  if (Number.isNaN(t)) throw new RangeError('Not a valid instant');
  return t;
}

/** The wall-clock time of an instant in a zone. */
export function calendarTime(instant: Date, timeZone: string): CalendarTime {
  const t = checkInstant(instant);
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  const year = Number(parts.year);
  return {
    year: parts.era === 'BC' ? 1 - year : year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: ((t % 1000) + 1000) % 1000,
  };
}

/** The calendar year of an instant in a zone: 01:30 on 1 January 2027 in Beijing is 2027, not 2026. */
export function calendarYear(instant: Date, timeZone: string): number {
  return calendarTime(instant, timeZone).year;
}

function utcOf(c: CalendarTime): number {
  const d = new Date(0);
  d.setUTCFullYear(c.year, c.month - 1, c.day);
  d.setUTCHours(c.hour, c.minute, c.second, c.millisecond);
  return d.getTime();
}

/** The zone's offset from UTC at an instant, in milliseconds (+08:00 is 28,800,000). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  return utcOf(calendarTime(instant, timeZone)) - checkInstant(instant);
}

/**
 * The instant at which the zone's clocks show this wall-clock time. In a gap (a spring-forward hour)
 * the time is read with the offset before the gap; Asia/Shanghai has had none since 1991.
 */
export function zonedInstant(local: CalendarTime, timeZone: string): Date {
  const asUtc = utcOf(local);
  const first = asUtc - zoneOffsetMs(new Date(asUtc), timeZone);
  const second = asUtc - zoneOffsetMs(new Date(first), timeZone);
  return new Date(second);
}

export function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** The calendar date of an instant in a zone, `YYYY-MM-DD`. */
export function calendarDate(instant: Date, timeZone: string): string {
  const c = calendarTime(instant, timeZone);
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}`;
}

/** RFC 3339 with the zone's own offset, e.g. `2027-01-01T01:30:00+08:00`: an instant a person can read. */
export function zonedIso(instant: Date, timeZone: string): string {
  const c = calendarTime(instant, timeZone);
  const offsetMinutes = Math.round(zoneOffsetMs(instant, timeZone) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset =
    offsetMinutes === 0
      ? 'Z'
      : `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  const ms = c.millisecond ? `.${pad(c.millisecond, 3)}` : '';
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}${ms}${offset}`;
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * An RFC 3339 instant with its offset (`2027-03-01T08:00:00+08:00`, `…T00:00:00Z`); undefined for
 * anything else, including a time without an offset (which zone would it be?) or 30 February.
 */
export function parseInstant(text: string): Date | undefined {
  const m = INSTANT.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as number[];
  const second = m[6] ? Number(m[6]) : 0;
  const millisecond = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (!validDay(year as number, month as number, day as number)) return undefined;
  if ((hour as number) > 23 || (minute as number) > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (!m[8]) {
    const hours = Number(m[10]);
    const minutes = Number(m[11]);
    if (hours > 14 || minutes > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const local = utcOf({
    year: year as number,
    month: month as number,
    day: day as number,
    hour: hour as number,
    minute: minute as number,
    second,
    millisecond,
  });
  return new Date(local - offsetMinutes * 60_000);
}

/**
 * A boundary typed by a person: an instant with its offset, or a calendar date (`2029-12-31`) read in
 * the region's zone — the first instant of that day for a start, the last for an end (so "until
 * 31 December" holds all of 31 December in Beijing). Undefined when it is neither.
 */
export function parseBoundary(text: string, timeZone: string, edge: 'start' | 'end'): Date | undefined {
  const m = DATE.exec(text.trim());
  if (!m) return parseInstant(text);
  const [year, month, day] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (!validDay(year, month, day)) return undefined;
  const midnight = { year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 };
  if (edge === 'start') return zonedInstant(midnight, timeZone);
  const next = new Date(utcOf(midnight) + 86_400_000);
  const nextDay = {
    ...midnight,
    year: next.getUTCFullYear(),
    month: next.getUTCMonth() + 1,
    day: next.getUTCDate(),
  };
  return new Date(zonedInstant(nextDay, timeZone).getTime() - 1);
}

/**
 * The same wall-clock time `years` calendar years later in the zone; 29 February becomes 28 February
 * when the target year has none.
 */
export function addCalendarYears(instant: Date, years: number, timeZone: string): Date {
  const c = calendarTime(instant, timeZone);
  const year = c.year + years;
  return zonedInstant({ ...c, year, day: Math.min(c.day, daysInMonth(year, c.month)) }, timeZone);
}
