// The building blocks of every request body: strict objects (an unknown field is a 400 that names it),
// bounded numbers and lengths, real calendar dates, and text checked by the domain's character rules
// (domain/text.ts) and stored in NFC. Each check says which field and why, in English and Chinese
// (issues.ts turns zod's issues into those messages). Request bodies are declared once, in this folder,
// and used both by the handlers and by the OpenAPI document (routes.ts, docs/api/openapi.json).
import {
  array,
  type core,
  gte,
  int,
  lte,
  maxLength,
  meta,
  minLength,
  number,
  overwrite,
  string,
  superRefine,
} from 'zod/mini';
import { parseBoundary, parseInstant } from '../domain/calendar.js';
import { normaliseText, type TextKind, textProblem } from '../domain/text.js';

export { strictObject as body } from 'zod/mini';

/** A rule of our own, with its message in both languages (issues.ts reads `params.zh`). */
export function rule<T>(test: (value: T) => boolean, en: string, zh: string) {
  return superRefine<T>((value, ctx) => {
    if (!test(value)) ctx.addIssue({ code: 'custom', message: en, input: value, params: { zh } });
  });
}

function checkedText(kind: TextKind) {
  return superRefine<string>((value, ctx) => {
    const problem = textProblem(value, kind);
    if (problem)
      ctx.addIssue({ code: 'custom', message: problem.en, input: value, params: { zh: problem.zh } });
  });
}

/**
 * A one-line name that can reach a certificate or a page (a person, an occupation, an organisation, a
 * title, an identifier): no control, bidi or invisible characters; NFC; trimmed, inner spaces single.
 */
export function nameText(max: number, min = 1) {
  return string().check(
    meta({
      description: 'One line; no control, bidirectional or invisible characters; stored in NFC, trimmed',
    }),
    checkedText('name'),
    overwrite((v) => normaliseText(v, 'name')),
    minLength(min),
    maxLength(max),
  );
}

/** A multi-line text (a rubric, a comment, a reason, an item's stem): line breaks and tabs allowed. */
export function longText(max: number, min = 1) {
  return string().check(
    meta({
      description:
        'Text; line breaks and tabs allowed; no other control, bidirectional or zero-width characters; stored in NFC',
    }),
    checkedText('text'),
    overwrite((v) => normaliseText(v, 'text')),
    minLength(min),
    maxLength(max),
  );
}

/** A whole number in [min, max]. */
export const wholeNumber = (min: number, max: number) => int().check(gte(min), lte(max));
/** A number (points, marks, weights) in [min, max]; NaN and infinities are never numbers in JSON. */
export const boundedNumber = (min: number, max: number) => number().check(gte(min), lte(max));

/** Years the region's records can mean: nothing before 2000 or after 2099 is a real exam or agreement. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2099;
const inRange = (d: Date) => d.getUTCFullYear() >= FIRST_YEAR && d.getUTCFullYear() <= LAST_YEAR;

/** An RFC 3339 instant with its offset, on a real calendar day (no 31 February), between 2000 and 2099. */
export const instant = () =>
  string().check(
    meta({ format: 'date-time', description: 'RFC 3339 with its offset, a real calendar day, 2000–2099' }),
    maxLength(40),
    rule<string>(
      (v) => parseInstant(v) !== undefined,
      'must be a date and time with its offset on a real calendar day, such as 2027-03-01T08:00:00+08:00',
      '须为真实日历日期上带时区偏移的日期时间，例如 2027-03-01T08:00:00+08:00',
    ),
    rule<string>(
      (v) => {
        const d = parseInstant(v);
        return d === undefined || inRange(d);
      },
      `must be between ${FIRST_YEAR} and ${LAST_YEAR}`,
      `须在 ${FIRST_YEAR} 年至 ${LAST_YEAR} 年之间`,
    ),
  );

/** A calendar date (2029-12-31, read in the region's zone) or an instant with its offset, 2000–2099. */
export const dayOrInstant = () =>
  string().check(
    meta({
      description:
        'A date (2029-12-31, in the region’s zone) or an RFC 3339 instant with its offset, 2000–2099',
    }),
    maxLength(40),
    rule<string>(
      (v) => parseBoundary(v, 'UTC', 'start') !== undefined,
      'must be a real calendar date such as 2029-12-31, or a date and time with its offset',
      '须为真实的日历日期（例如 2029-12-31）或带时区偏移的日期时间',
    ),
    rule<string>(
      (v) => {
        const d = parseBoundary(v, 'UTC', 'start');
        return d === undefined || inRange(d);
      },
      `must be between ${FIRST_YEAR} and ${LAST_YEAR}`,
      `须在 ${FIRST_YEAR} 年至 ${LAST_YEAR} 年之间`,
    ),
  );

/** A national occupation code (国家职业分类大典), such as 6-18-01-01. */
export const occupationCode = () =>
  string().check(
    meta({
      pattern: '^\\d-\\d{2}-\\d{2}-\\d{2}$',
      description: 'National occupation code, such as 6-18-01-01',
    }),
    maxLength(20),
    rule<string>(
      (v) => /^\d-\d{2}-\d{2}-\d{2}$/.test(v),
      'must be a national occupation code such as 6-18-01-01',
      '须为国家职业分类代码，例如 6-18-01-01',
    ),
  );

/** A list with at most `max` entries (and at least `min`). */
export const listOf = <T extends core.SomeType>(item: T, max: number, min = 0) =>
  array(item).check(minLength(min), maxLength(max));
