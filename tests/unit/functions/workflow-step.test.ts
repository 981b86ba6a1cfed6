import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isTransientDynamoDbError } from '../../../functions/adapters/dynamodb-table.js';
import { workflowStep } from '../../../functions/shared/workflow-step.js';

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('transient DynamoDB errors', () => {
  it('are throttles, DynamoDB-side faults and timeouts, conflicts with another transaction, dropped connections', () => {
    expect(
      isTransientDynamoDbError(
        new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
      ),
    ).toBe(true);
    for (const name of [
      'ThrottlingException',
      'InternalServerError',
      'TransactionConflictException',
      'TimeoutError',
    ]) {
      const error = new Error(name);
      error.name = name;
      expect(isTransientDynamoDbError(error), name).toBe(true);
    }
    expect(isTransientDynamoDbError(cancelled('None', 'TransactionConflict', 'None'))).toBe(true);
    expect(isTransientDynamoDbError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
  });

  it('are never a failed condition, even beside a conflict: that is an answer, not a hiccup', () => {
    expect(isTransientDynamoDbError(cancelled('ConditionalCheckFailed', 'TransactionConflict'))).toBe(false);
    expect(isTransientDynamoDbError(cancelled('ConditionalCheckFailed', 'None'))).toBe(false);
    expect(
      isTransientDynamoDbError(new ConditionalCheckFailedException({ message: 'no', $metadata: {} })),
    ).toBe(false);
    expect(isTransientDynamoDbError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientDynamoDbError('TransactionConflict')).toBe(false);
  });
});

describe('a workflow step', () => {
  it('names a transient DynamoDB error TransientError, which the state machine retries, and passes others on', async () => {
    const throttled = workflowStep(async () => {
      throw cancelled('TransactionConflict');
    });
    await expect(throttled({})).rejects.toMatchObject({ name: 'TransientError' });
    const broken = workflowStep(async () => {
      throw Object.assign(new Error('Needs 1 assessor'), { name: 'NoAssessorAvailable' });
    });
    await expect(broken({})).rejects.toMatchObject({ name: 'NoAssessorAvailable' });
    await expect(workflowStep(async (n: number) => n + 1)(1)).resolves.toBe(2);
  });
});
