// The admin routes: occupations, exams (item bank, blueprint, rubric, policy), sessions, attempts. People
// have their own function (people-admin-api.ts), the only one besides the holder check with the identity key.

import { SFNClient } from '@aws-sdk/client-sfn';
import {
  array,
  boolean,
  type infer as Infer,
  int,
  literal,
  maxLength,
  minLength,
  number,
  object,
  optional,
  string,
  union,
} from 'zod/mini';
import { StepFunctionsCertificationWorkflow } from '../adapters/step-functions.js';
import {
  type AdminDeps,
  attemptForAdmin,
  listExams,
  putExam,
  putOccupation,
  putSession,
  resumeAttempt,
} from '../certification/admin.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { clock, config, store } from '../shared/certification.js';
import { httpHandler, json, jsonBody, notFound, pageRequest } from '../shared/http.js';

const deps: AdminDeps = {
  store,
  now: clock.now,
  ...(config.STATE_MACHINE_ARN
    ? { workflow: new StepFunctionsCertificationWorkflow(new SFNClient({}), config.STATE_MACHINE_ARN) }
    : {}),
};
const id = string().check(minLength(1), maxLength(64));
const text = object({
  zh: string().check(minLength(1), maxLength(2000)),
  en: optional(string().check(maxLength(2000))),
});
const option = object({ id, text });
// At most 26 options (A–Z); the size of the whole bank is checked against what can be stored.
const options = array(option).check(
  maxLength(26, { error: '每题最多 26 个选项 / At most 26 options (A–Z)' }),
);
const item = union([
  object({ id, kind: literal('single'), topic: id, stem: text, options: options, answer: id }),
  object({
    id,
    kind: literal('multiple'),
    topic: id,
    stem: text,
    options: options,
    answer: array(id).check(maxLength(26)),
  }),
  object({ id, kind: literal('true-false'), topic: id, stem: text, answer: boolean() }),
  object({
    id,
    kind: literal('fill-in'),
    topic: id,
    stem: text,
    accepted: array(string().check(maxLength(200))).check(maxLength(50)),
  }),
]);
const level = union([literal(5), literal(4), literal(3), literal(2), literal(1)]);
const component = { theory: optional(number()), practical: optional(number()), review: optional(number()) };
const examBody = object({
  occupationCode: string(),
  level,
  title: text,
  items: array(item).check(
    maxLength(2000, { error: '题库最多 2000 道题 / An item bank has at most 2,000 items' }),
  ),
  sections: array(
    object({
      id,
      kind: union([literal('single'), literal('multiple'), literal('true-false'), literal('fill-in')]),
      topic: optional(id),
      count: int(),
      pointsPerItem: number(),
    }),
  ).check(maxLength(50, { error: '组卷方案最多 50 个部分 / A blueprint has at most 50 sections' })),
  // 30 criteria keep an assessor's mark (with a 2,000-character comment each) far inside one record.
  rubric: array(object({ id, description: text, maxPoints: number() })).check(
    maxLength(30, { error: '评分细则最多 30 条 / A rubric has at most 30 criteria' }),
  ),
  timeLimitMinutes: int(),
  policy: object({
    version: string(),
    passMarks: optional(object(component)),
    weights: optional(object(component)),
    totalPassMark: optional(number()),
  }),
  yearsOfWorkInstead: optional(int()),
  validityYears: optional(int()),
  /** Seconds after the deadline in which a last save or submit is accepted (0–300; 30 when absent). */
  graceSeconds: optional(int()),
});
const sessionBody = object({
  examId: id,
  opensAt: string(),
  closesAt: string(),
  seatLimit: int(),
  location: string().check(maxLength(200)),
});
export type ExamBody = Infer<typeof examBody>;

export const handler = httpHandler(async (event) => {
  const admin = requireGroup(event, 'admins');
  switch (event.routeKey) {
    case 'PUT /admin/occupations/{code}':
      return json(
        200,
        await putOccupation(
          deps,
          pathParam(event, 'code'),
          object({ nameZh: string(), nameEn: string() }).parse(jsonBody(event)),
        ),
      );
    case 'PUT /admin/exams/{examId}':
      return json(
        200,
        await putExam(deps, pathParam(event, 'examId'), examBody.parse(jsonBody(event)) as never),
      );
    case 'GET /admin/exams':
      return json(200, await listExams(deps, pageRequest(event)));
    case 'PUT /admin/sessions/{sessionId}':
      return json(
        200,
        await putSession(deps, pathParam(event, 'sessionId'), sessionBody.parse(jsonBody(event))),
      );
    case 'GET /admin/attempts/{attemptId}':
      return json(200, await attemptForAdmin(deps, pathParam(event, 'attemptId')));
    case 'POST /admin/attempts/{attemptId}/resume':
      return json(202, await resumeAttempt(deps, admin.sub, pathParam(event, 'attemptId')));
    default:
      throw notFound();
  }
});
