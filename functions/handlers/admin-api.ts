// The admin routes: occupations, exams (item bank, blueprint, rubric, policy), sessions, attempts. People
// have their own function (people-admin-api.ts), the only one besides the holder check with the identity key.

import { SFNClient } from '@aws-sdk/client-sfn';
import type { infer as Infer } from 'zod/mini';
import { StepFunctionsCertificationWorkflow } from '../adapters/step-functions.js';
import { examBody, occupationBody, sessionBody } from '../api/exams.js';
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
import { httpHandler, json, notFound, pageRequest, parseBody, refuseBody } from '../shared/http.js';

const deps: AdminDeps = {
  store,
  now: clock.now,
  ...(config.STATE_MACHINE_ARN
    ? { workflow: new StepFunctionsCertificationWorkflow(new SFNClient({}), config.STATE_MACHINE_ARN) }
    : {}),
};
export type ExamBody = Infer<typeof examBody>;

export const handler = httpHandler(async (event) => {
  const admin = requireGroup(event, 'admins');
  switch (event.routeKey) {
    case 'PUT /admin/occupations/{code}':
      return json(200, await putOccupation(deps, pathParam(event, 'code'), parseBody(occupationBody, event)));
    case 'PUT /admin/exams/{examId}':
      return json(200, await putExam(deps, pathParam(event, 'examId'), parseBody(examBody, event) as never));
    case 'GET /admin/exams':
      return json(200, await listExams(deps, pageRequest(event)));
    case 'PUT /admin/sessions/{sessionId}':
      return json(200, await putSession(deps, pathParam(event, 'sessionId'), parseBody(sessionBody, event)));
    case 'GET /admin/attempts/{attemptId}':
      return json(200, await attemptForAdmin(deps, pathParam(event, 'attemptId')));
    case 'POST /admin/attempts/{attemptId}/resume':
      refuseBody(event);
      return json(202, await resumeAttempt(deps, admin.sub, pathParam(event, 'attemptId')));
    default:
      throw notFound();
  }
});
