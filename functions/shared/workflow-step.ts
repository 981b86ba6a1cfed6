// What every certification workflow step does with an error before Step Functions sees it: DynamoDB's
// "not now" answers (throttling, a transaction conflict, a timeout) become one name, TransientError,
// which the state machine retries with backoff; every other error keeps its own name.
import { isTransientDynamoDbError } from '../adapters/dynamodb-table.js';

export function workflowStep<E, R>(step: (event: E) => Promise<R>): (event: E) => Promise<R> {
  return async (event) => {
    try {
      return await step(event);
    } catch (error) {
      if (!isTransientDynamoDbError(error)) throw error;
      const transient = new Error((error as Error).message);
      transient.name = 'TransientError';
      throw transient;
    }
  };
}
