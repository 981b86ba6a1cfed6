// The candidate routes: sessions open to me, start an attempt, autosave, submit, my attempts and certificates.
import { SFNClient } from '@aws-sdk/client-sfn';
import { startExecutionOnce } from '../adapters/step-functions.js';
import { answersBody, evidenceBody, itemBody, submitBody } from '../api/marking.js';
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
import { pathParam, requireGroup } from '../shared/caller.js';
import { clock, config, store } from '../shared/certification.js';
import { httpHandler, json, notFound, pageRequest, parseBody, refuseBody } from '../shared/http.js';

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

export const handler = httpHandler(async (event) => {
  const { sub } = requireGroup(event, 'candidates');
  switch (event.routeKey) {
    case 'GET /sessions':
      return json(200, await openSessions(deps, sub, pageRequest(event, 20)));
    case 'POST /sessions/{sessionId}/attempts': {
      refuseBody(event);
      const { created, attempt } = await startAttempt(deps, sub, pathParam(event, 'sessionId'));
      return json(created ? 201 : 200, attempt);
    }
    case 'GET /attempts/{attemptId}':
      return json(200, await getAttempt(deps, sub, pathParam(event, 'attemptId')));
    case 'PUT /attempts/{attemptId}/answers': {
      const body = parseBody(answersBody, event);
      return json(200, await saveAnswers(deps, sub, pathParam(event, 'attemptId'), body.answers));
    }
    case 'PUT /attempts/{attemptId}/items/{itemId}': {
      const body = parseBody(itemBody, event);
      return json(
        200,
        await saveItem(deps, sub, pathParam(event, 'attemptId'), pathParam(event, 'itemId'), body),
      );
    }
    case 'PUT /attempts/{attemptId}/evidence': {
      const body = parseBody(evidenceBody, event);
      return json(200, await saveEvidence(deps, sub, pathParam(event, 'attemptId'), body));
    }
    case 'POST /attempts/{attemptId}/submit': {
      const body = parseBody(submitBody, event) ?? {};
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
