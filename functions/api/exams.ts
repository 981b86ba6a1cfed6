// Request bodies of the exam admin routes (admin-api.ts): occupations, exams, sessions.
import { _default, boolean, discriminatedUnion, literal, maxLength, optional } from 'zod/mini';
import { MAX_SEATS_PER_SESSION } from '../certification/admin.js';
import {
  body,
  boundedNumber,
  instant,
  listOf,
  longText,
  nameText,
  occupationCode,
  wholeNumber,
} from './fields.js';

const id = nameText(64);
/** An item's or criterion's words, zh required, en optional. */
const words = body({ zh: longText(2000), en: optional(longText(2000, 0)) });
const option = body({ id, text: words });
const options = listOf(option, 26, 2);
const item = discriminatedUnion('kind', [
  body({ id, kind: literal('single'), topic: id, stem: words, options, answer: id }),
  body({ id, kind: literal('multiple'), topic: id, stem: words, options, answer: listOf(id, 26, 1) }),
  body({ id, kind: literal('true-false'), topic: id, stem: words, answer: boolean() }),
  body({
    id,
    kind: literal('fill-in'),
    topic: id,
    stem: words,
    accepted: listOf(longText(200), 50, 1),
  }),
]);
export const LEVEL = literal([5, 4, 3, 2, 1]);
const score = optional(boundedNumber(0, 100));
const components = body({ theory: score, practical: score, review: score });

export const occupationBody = body({ nameZh: nameText(100), nameEn: nameText(200) });

export const examBody = body({
  occupationCode: occupationCode(),
  level: LEVEL,
  // The title is printed on certificates: a name, one line.
  title: body({ zh: nameText(200), en: optional(nameText(200, 0)) }),
  items: listOf(item, 2000, 1),
  sections: listOf(
    body({
      id,
      kind: literal(['single', 'multiple', 'true-false', 'fill-in']),
      topic: optional(id),
      count: wholeNumber(1, 500),
      pointsPerItem: boundedNumber(0, 100),
    }),
    50,
    1,
  ),
  // 30 criteria keep an assessor's mark (with a 2,000-character comment each) far inside one record.
  rubric: listOf(body({ id, description: words, maxPoints: boundedNumber(0, 1000) }), 30),
  timeLimitMinutes: wholeNumber(1, 24 * 60),
  policy: body({
    version: nameText(64),
    passMarks: optional(components),
    weights: optional(components),
    totalPassMark: score,
  }),
  yearsOfWorkInstead: optional(wholeNumber(0, 50)),
  validityYears: optional(wholeNumber(1, 50)),
  /** Seconds after the deadline in which a last save or submit is accepted (0–300; 30 when absent). */
  graceSeconds: optional(wholeNumber(0, 300)),
});

export const sessionBody = body({
  examId: id,
  opensAt: instant(),
  closesAt: instant(),
  seatLimit: wholeNumber(1, MAX_SEATS_PER_SESSION),
  location: _default(nameText(200, 0), ''),
});

/** A path parameter naming an exam, a session, an attempt or a person: one line, at most 64 characters. */
export const idParam = nameText(64).check(maxLength(64));
