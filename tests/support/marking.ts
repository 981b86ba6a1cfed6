// What the tests of the workflow's steps need around the real use cases: an attempt ready to be graded,
// marks against the fixture rubric, and task tokens with Step Functions' answers (a token answered, timed
// out or unknown), so a test can play the state machine's part step by step.
import { randomBytes, randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDbCertificationStore } from '../../functions/adapters/dynamodb-certification-store.js';
import type { AssessorDeps } from '../../functions/certification/assessor.js';
import { REVIEW_TOKEN_WRITE } from '../../functions/certification/review-token.js';
import { drawPaper, type Exam } from '../../functions/domain/index.js';
import type { PersonRecord } from '../../functions/ports.js';
import { EXAM } from '../unit/domain/fixtures.js';

/** The rubric's points for a practical score of 90, 88, 40…: dimensions /40, finish /30, safety /30. */
export function pointsFor(score: number) {
  const dimensions = Math.min(40, Math.round(score * 0.4 * 2) / 2);
  const finish = Math.min(30, Math.round((score - dimensions) * 0.5 * 2) / 2);
  const safety = score - dimensions - finish;
  return EXAM.rubric.map((c, i) => ({
    criterionId: c.id,
    points: [dimensions, finish, safety][i] as number,
  }));
}

/** Seeds the exam, a candidate and assessors, and an attempt submitted with every answer right. */
export async function submittedAttempt(
  store: DynamoDbCertificationStore,
  people: { candidate: PersonRecord; assessors: PersonRecord[] },
  exam: Exam = EXAM,
): Promise<string> {
  await store.putExam(exam);
  for (const person of [people.candidate, ...people.assessors]) await store.putPerson(person);
  const sessionId = `session-${randomUUID()}`;
  await store.putSession({
    id: sessionId,
    examId: exam.id,
    opensAt: '2026-01-01T00:00:00.000Z',
    closesAt: '2036-01-01T00:00:00.000Z',
    seatLimit: 10,
    seatsTaken: 0,
    location: 'A204',
  });
  const id = randomUUID();
  await store.startAttempt(
    {
      id,
      candidateSub: people.candidate.sub,
      sessionId,
      examId: exam.id,
      seed: id,
      startedAt: new Date().toISOString(),
      timeLimitMinutes: exam.timeLimitMinutes,
      status: 'in-progress',
      answers: {},
    },
    10,
  );
  const answers = Object.fromEntries(
    drawPaper(exam, id).items.map(({ item }) => [
      item.id,
      item.kind === 'fill-in' ? (item.accepted[0] as string) : item.answer,
    ]),
  );
  await store.markSubmitted(id, {
    at: new Date().toISOString(),
    by: 'candidate',
    answers,
    practicalEvidence: 'Shaft Ø40h7, Ra 1.6',
  });
  return id;
}

type Outcome = Parameters<AssessorDeps['completeTask']>[1];

function sfnError(name: string, message: string) {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * Task tokens as Step Functions keeps them. `handOut` is the WaitForMark step: it writes a fresh token
 * on the review with the state machine's own update (only while the review is open) and waits.
 */
export class TaskTokens {
  private readonly state = new Map<string, 'waiting' | 'done' | 'timed-out'>();
  readonly answers = new Map<string, Outcome>();
  /** Makes the next SendTask* calls fail like a network error, after the caller has saved its work. */
  failNext = 0;

  constructor(
    private readonly client: { send(command: UpdateCommand): Promise<unknown> },
    private readonly tableName: string,
  ) {}

  async handOut(attemptId: string, slot: string): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `ATTEMPT#${attemptId}`, sk: `REVIEW#${slot}` },
        ...REVIEW_TOKEN_WRITE,
        ExpressionAttributeValues: { ':token': token, ':open': 'open' },
      }),
    );
    this.state.set(token, 'waiting');
    return token;
  }

  timeOut(token: string) {
    if (this.state.get(token) === 'waiting') this.state.set(token, 'timed-out');
  }

  isWaiting(token: string) {
    return this.state.get(token) === 'waiting';
  }

  /** SendTaskSuccess / SendTaskFailure with the errors AWS gives. */
  readonly completeTask: AssessorDeps['completeTask'] = async (token, outcome) => {
    if (this.failNext > 0) {
      this.failNext--;
      throw sfnError('ServiceUnavailable', 'Step Functions did not answer');
    }
    const state = this.state.get(token);
    if (state === undefined) throw sfnError('InvalidToken', 'Invalid Token');
    if (state === 'timed-out') throw sfnError('TaskTimedOut', 'Task Timed Out');
    if (state === 'done') throw sfnError('TaskDoesNotExist', 'Task Does Not Exist');
    this.state.set(token, 'done');
    this.answers.set(token, outcome);
  };
}
