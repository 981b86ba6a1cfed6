// Request bodies of the candidate and assessor routes (candidate-api.ts, assessor-api.ts).
import { boolean, maxLength, null as nothing, optional, record, string, union } from 'zod/mini';
import { MAX_EVIDENCE_LENGTH, MAX_SAVE_VERSION } from '../domain/saves.js';
import { body, boundedNumber, listOf, longText, nameText, rule, wholeNumber } from './fields.js';

const itemId = string().check(maxLength(64));
// A fill-in answer reaches the assessor's page: the text rules apply; a choice is an option id.
const answer = union([longText(500, 0), listOf(string().check(maxLength(64)), 26), boolean()]);
const answers = record(itemId, answer).check(
  rule<Record<string, unknown>>(
    (a) => Object.keys(a).length <= 2000,
    'may hold at most 2,000 answers',
    '最多 2000 个作答',
  ),
);

export const answersBody = body({ answers });

/** The client's per-item (or evidence) save counter: a whole number from 1. */
const version = wholeNumber(1, MAX_SAVE_VERSION);
/** One item's answer (null clears it), whether it is flagged for review, and the client's save counter. */
export const itemBody = body({ answer: union([answer, nothing()]), flagged: boolean(), version });
/** The practical evidence, saved like an item (docs/certification.md, "Saves"). */
export const evidenceBody = body({ evidence: longText(MAX_EVIDENCE_LENGTH, 0), version });

export const submitBody = optional(
  body({
    answers: optional(answers),
    practicalEvidence: optional(longText(10_000, 0)),
  }),
);

export const marksBody = body({
  criteria: listOf(
    body({
      criterionId: nameText(64),
      points: boundedNumber(0, 1000),
      comment: optional(longText(2000, 0)),
    }),
    100,
    1,
  ),
});

export const returnBody = body({ reason: longText(2000, 5) });
