// The candidate routes: sessions open to me, start an attempt, autosave, submit, my attempts and certificates.
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  array,
  boolean,
  int,
  maximum,
  maxLength,
  minimum,
  null as nullish,
  object,
  optional,
  record,
  strictObject,
  string,
  union,
} from 'zod/mini';
import { startExecutionOnce } from '../adapters/step-functions.js';
import {
  type CandidateDeps,
  getAttempt,
  myAttempts,
  myCertificates,
  openSessions,
  saveAnswers,
  saveEvidence,
  saveItem,
  startAttempt,
  submitAttempt,
} from '../certification/candidate.js';
import { MAX_EVIDENCE_LENGTH, MAX_SAVE_VERSION } from '../domain/index.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { clock, config, store } from '../shared/certification.js';
import { httpHandler, json, jsonBody, notFound, pageRequest } from '../shared/http.js';

const sfn = new SFNClient({});

const deps: CandidateDeps = {
  store,
  now: clock.now,
  timeZone: config.REGION_TIME_ZONE,
  startWorkflow: (attemptId) =>
    startExecutionOnce(sfn, config.STATE_MACHINE_ARN as string, attemptId, { attemptId }),
  startDeadlineTimer: (attempt) =>
    startExecutionOnce(sfn, config.DEADLINE_STATE_MACHINE_ARN as string, attempt.id, {
      attemptId: attempt.id,
      closesAt: attempt.closesAt,
    }),
};

const answer = union([
  string().check(maxLength(500)),
  array(string().check(maxLength(64))).check(maxLength(26)),
  boolean(),
]);
/** The client's per-item (or evidence) save counter: a whole number from 1. */
const version = int().check(minimum(1), maximum(MAX_SAVE_VERSION));
const itemBody = strictObject({ answer: union([answer, nullish()]), flagged: boolean(), version });
const evidenceBody = strictObject({
  evidence: string().check(maxLength(MAX_EVIDENCE_LENGTH)),
  version,
});
const answersBody = object({ answers: record(string().check(maxLength(64)), answer) });
const submitBody = optional(
  object({
    answers: optional(record(string().check(maxLength(64)), answer)),
    practicalEvidence: optional(string().check(maxLength(10_000))),
  }),
);

export const handler = httpHandler(async (event) => {
  const { sub } = requireGroup(event, 'candidates');
  switch (event.routeKey) {
    case 'GET /sessions':
      return json(200, await openSessions(deps, sub, pageRequest(event, 20)));
    case 'POST /sessions/{sessionId}/attempts': {
      const { created, attempt } = await startAttempt(deps, sub, pathParam(event, 'sessionId'));
      return json(created ? 201 : 200, attempt);
    }
    case 'GET /attempts/{attemptId}':
      return json(200, await getAttempt(deps, sub, pathParam(event, 'attemptId')));
    case 'PUT /attempts/{attemptId}/answers': {
      const body = answersBody.parse(jsonBody(event));
      return json(200, await saveAnswers(deps, sub, pathParam(event, 'attemptId'), body.answers));
    }
    case 'PUT /attempts/{attemptId}/items/{itemId}': {
      const body = itemBody.parse(jsonBody(event));
      return json(
        200,
        await saveItem(deps, sub, pathParam(event, 'attemptId'), pathParam(event, 'itemId'), body),
      );
    }
    case 'PUT /attempts/{attemptId}/evidence': {
      const body = evidenceBody.parse(jsonBody(event));
      return json(200, await saveEvidence(deps, sub, pathParam(event, 'attemptId'), body));
    }
    case 'POST /attempts/{attemptId}/submit': {
      const body = submitBody.parse(jsonBody(event)) ?? {};
      const { submitted, attempt } = await submitAttempt(deps, sub, pathParam(event, 'attemptId'), body);
      // 202: accepted for grading now; 200: it already was, this request changed nothing.
      return json(submitted ? 202 : 200, attempt);
    }
    case 'GET /me/attempts':
      return json(200, await myAttempts(deps, sub, pageRequest(event)));
    case 'GET /me/certificates':
      return json(200, await myCertificates(deps, sub, pageRequest(event, 20)));
    default:
      throw notFound();
  }
});
