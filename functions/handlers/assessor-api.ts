// The assessor routes: my queue, one review, marks, return.
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { marksBody, returnBody } from '../api/marking.js';
import {
  type AssessorDeps,
  myQueue,
  openReview,
  returnReview,
  submitMark,
} from '../certification/assessor.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { store } from '../shared/certification.js';
import { httpHandler, json, notFound, pageRequest, parseBody } from '../shared/http.js';

const sfn = new SFNClient({});

const deps: AssessorDeps = {
  store,
  async completeTask(taskToken, outcome) {
    if (outcome.ok)
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(outcome.output) }));
    else
      await sfn.send(new SendTaskFailureCommand({ taskToken, error: outcome.error, cause: outcome.cause }));
  },
};

export const handler = httpHandler(async (event) => {
  const { sub } = requireGroup(event, 'assessors');
  switch (event.routeKey) {
    case 'GET /assessor/reviews':
      return json(200, await myQueue(deps, sub, pageRequest(event)));
    case 'GET /assessor/reviews/{attemptId}/{slot}':
      return json(200, await openReview(deps, sub, pathParam(event, 'attemptId'), pathParam(event, 'slot')));
    case 'POST /assessor/reviews/{attemptId}/{slot}/marks': {
      const body = parseBody(marksBody, event);
      return json(
        200,
        await submitMark(deps, sub, pathParam(event, 'attemptId'), pathParam(event, 'slot'), body.criteria),
      );
    }
    case 'POST /assessor/reviews/{attemptId}/{slot}/return': {
      const body = parseBody(returnBody, event);
      return json(
        200,
        await returnReview(deps, sub, pathParam(event, 'attemptId'), pathParam(event, 'slot'), body.reason),
      );
    }
    default:
      throw notFound();
  }
});
