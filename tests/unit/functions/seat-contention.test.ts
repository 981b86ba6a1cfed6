// A session's seat counter under a burst: DynamoDB cancels a transaction that meets another on the same
// item (TransactionConflict). DynamoDB Local serialises transactions and never answers so, so this one
// error path is reached with a mocked client (the guide's rule for mocks).
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DynamoDbCertificationStore,
  SeatContention,
  StateConflict,
} from '../../../functions/adapters/dynamodb-certification-store.js';
import { startAttempt } from '../../../functions/certification/candidate.js';
import type { AttemptRecord } from '../../../functions/ports.js';
import { errorResponse } from '../../../functions/shared/http.js';

// The store sends through a document client; that is what is mocked.
const dynamodb = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamodb.reset());

const attempt: AttemptRecord = {
  id: 'a-1',
  candidateSub: 'c-1',
  sessionId: 's-1',
  examId: 'e-1',
  seed: 'a-1',
  startedAt: '2027-03-01T00:00:00.000Z',
  timeLimitMinutes: 90,
  status: 'in-progress',
  answers: {},
};

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('taking a seat when other candidates take one at the same moment', () => {
  it('tries again after a random pause when the transaction met another, and takes the seat', async () => {
    dynamodb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['None', 'TransactionConflict', 'None']))
      .rejectsOnce(cancelled(['None', 'TransactionConflict', 'None']))
      .resolves({});
    const store = new DynamoDbCertificationStore(
      'table',
      new DynamoDBClient({
        region: 'ap-southeast-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
    );
    await expect(store.startAttempt(attempt, 30)).resolves.toEqual(attempt);
    expect(dynamodb.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it('gives up with SeatContention (not a raw 500) when every try meets another, and a full session stays a conflict', async () => {
    dynamodb.on(TransactWriteCommand).rejects(cancelled(['None', 'TransactionConflict', 'None']));
    const store = new DynamoDbCertificationStore(
      'table',
      new DynamoDBClient({
        region: 'ap-southeast-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
    );
    await expect(store.startAttempt(attempt, 30)).rejects.toBeInstanceOf(SeatContention);
    expect(dynamodb.commandCalls(TransactWriteCommand)).toHaveLength(7);
    dynamodb.reset();
    dynamodb.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed', 'None']));
    await expect(store.startAttempt(attempt, 30)).rejects.toBeInstanceOf(StateConflict);
  });

  it('answers the candidate 503 with retry-after, in zh-CN and English', async () => {
    const store = {
      getSession: async () => ({
        id: 's-1',
        examId: 'e-1',
        opensAt: '2027-03-01T00:00:00.000Z',
        closesAt: '2027-03-01T04:00:00.000Z',
        seatLimit: 30,
        seatsTaken: 29,
        location: 'A204',
      }),
      getExam: async () => ({
        id: 'e-1',
        occupation: { code: '6-18-01-01' },
        level: 5,
        timeLimitMinutes: 90,
      }),
      getPerson: async () => ({ sub: 'c-1', yearsOfWork: {} }),
      listCertificates: async () => [],
      startAttempt: async () => {
        throw new SeatContention('busy');
      },
    };
    const deps = {
      store: store as never,
      now: () => new Date('2027-03-01T01:00:00Z'),
      timeZone: 'Asia/Shanghai',
      startWorkflow: async () => {},
      startDeadlineTimer: async () => {},
    };
    const error = await startAttempt(deps, 'c-1', 's-1').catch((e: unknown) => e);
    const answer = errorResponse(error, 'req-1');
    expect(answer.statusCode).toBe(503);
    expect(answer.headers).toMatchObject({ 'retry-after': '1' });
    expect(JSON.parse(answer.body as string)).toMatchObject({
      error: 'Busy',
      message: expect.stringMatching(/try again/),
      messageZh: expect.stringMatching(/稍后/),
    });
  });
});
