// Certification records in the single table. Every write that must not happen twice is conditional,
// and the steps that change several records at once are transactions, so a retried Lambda or a double
// click changes nothing the second time.
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Answers, Exam, Mark, Occupation, StatusPurpose } from '../domain/index.js';
import type {
  AttemptRecord,
  CertificateRecord,
  NoticeRecord,
  PersonRecord,
  ReviewRecord,
  ReviewStatus,
  SessionRecord,
  StatusHistoryEntry,
  WorkflowErrorRecord,
} from '../ports.js';
import { readStatusList, type StatusListRecord, statusListWrite } from './dynamodb-status-lists.js';
import { SingleTableStore, strip, takeSerial } from './dynamodb-table.js';

const key = {
  occupation: (code: string) => ({ pk: `OCC#${code}`, sk: 'OCC' }),
  exam: (id: string) => ({ pk: `EXAM#${id}`, sk: 'EXAM' }),
  session: (id: string) => ({ pk: `SESSION#${id}`, sk: 'SESSION' }),
  seat: (sessionId: string, sub: string) => ({ pk: `SESSION#${sessionId}`, sk: `SEAT#${sub}` }),
  person: (sub: string) => ({ pk: `PERSON#${sub}`, sk: 'PROFILE' }),
  attempt: (id: string) => ({ pk: `ATTEMPT#${id}`, sk: 'ATTEMPT' }),
  review: (attemptId: string, slot: string) => ({ pk: `ATTEMPT#${attemptId}`, sk: `REVIEW#${slot}` }),
  certificate: (number: string) => ({ pk: `CERT#${number}`, sk: 'CERT' }),
  notice: (id: string) => ({ pk: `NOTICE#${id}`, sk: 'NOTICE' }),
};

/** Notices not yet acknowledged are in the sparse index under this key, oldest first. */
export const PENDING_NOTICES = 'NOTICES#pending';

/** An attempt still waiting for its decision: only such an attempt may be decided, and only once. */
const UNDECIDED = {
  condition: '#status IN (:marking, :moderating, :submitted)',
  values: { ':marking': 'marking', ':moderating': 'moderating', ':submitted': 'submitted' },
} as const;

/** A decided attempt: an error is recorded beside its decision, never instead of it. */
const DECIDED = {
  condition: '#status IN (:passed, :failed)',
  values: { ':passed': 'passed', ':failed': 'failed' },
} as const;

/** The record another request already made; callers answer with it instead of failing. */
export class AlreadyExists<T> extends Error {
  override name = 'AlreadyExists';
  constructor(readonly existing: T) {
    super('Already exists');
  }
}

/** A conditional write refused: the record is not in the state the caller expected. */
export class StateConflict extends Error {
  override name = 'StateConflict';
}

export class DynamoDbCertificationStore extends SingleTableStore {
  // ---- occupations, exams, sessions, people (admin-managed) ----

  putOccupation(occupation: Occupation): Promise<void> {
    return this.put(key.occupation(occupation.code), occupation, { pk: 'OCCUPATIONS', sk: occupation.code });
  }

  getOccupation(code: string) {
    return this.get<Occupation>(key.occupation(code));
  }

  listOccupations() {
    return this.queryIndex<Occupation>('OCCUPATIONS');
  }

  putExam(exam: Exam): Promise<void> {
    return this.put(
      key.exam(exam.id),
      { exam },
      { pk: 'EXAMS', sk: `${exam.occupation.code}#${exam.level}#${exam.id}` },
    );
  }

  async getExam(id: string): Promise<Exam | undefined> {
    return (await this.get<{ exam: Exam }>(key.exam(id)))?.exam;
  }

  async listExams(): Promise<Exam[]> {
    return (await this.queryIndex<{ exam: Exam }>('EXAMS')).map((r) => r.exam);
  }

  async putSession(session: SessionRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...key.session(session.id),
          gsi1pk: 'SESSIONS',
          gsi1sk: `${session.closesAt}#${session.id}`,
          ...session,
        },
        // Seats already taken survive an admin's edit of the window or the limit.
        ConditionExpression: 'attribute_not_exists(pk) OR seatsTaken <= :limit',
        ExpressionAttributeValues: { ':limit': session.seatLimit },
      }),
    );
  }

  getSession(id: string) {
    return this.get<SessionRecord>(key.session(id));
  }

  /** Sessions whose window has not closed yet. */
  async listOpenSessions(now: Date): Promise<SessionRecord[]> {
    const all = await this.queryIndex<SessionRecord>('SESSIONS');
    return all.filter((s) => s.closesAt > now.toISOString());
  }

  putPerson(person: PersonRecord): Promise<void> {
    const assessor = person.roles.includes('assessor');
    return this.put(
      key.person(person.sub),
      person,
      assessor ? { pk: 'ASSESSORS', sk: person.sub } : undefined,
    );
  }

  getPerson(sub: string) {
    return this.get<PersonRecord>(key.person(sub));
  }

  listAssessors() {
    return this.queryIndex<PersonRecord>('ASSESSORS');
  }

  // ---- attempts ----

  /**
   * Takes a seat and creates the attempt in one transaction. A second start by the same candidate for
   * the same session finds the seat taken and gets the first attempt back.
   */
  async startAttempt(attempt: AttemptRecord, seatLimit: number): Promise<AttemptRecord> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...key.seat(attempt.sessionId, attempt.candidateSub), attemptId: attempt.id },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: key.session(attempt.sessionId),
                UpdateExpression: 'SET seatsTaken = seatsTaken + :one',
                ConditionExpression: 'attribute_exists(pk) AND seatsTaken < :limit',
                ExpressionAttributeValues: { ':one': 1, ':limit': seatLimit },
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...key.attempt(attempt.id),
                  gsi1pk: `CANDIDATE#${attempt.candidateSub}`,
                  gsi1sk: `ATTEMPT#${attempt.startedAt}#${attempt.id}`,
                  ...attempt,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return attempt;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [seat, session] = error.CancellationReasons ?? [];
      if (seat?.Code === 'ConditionalCheckFailed') {
        const existing = await this.get<{ attemptId: string }>(
          key.seat(attempt.sessionId, attempt.candidateSub),
        );
        const first = existing && (await this.getAttempt(existing.attemptId));
        if (first) throw new AlreadyExists(first);
      }
      if (session?.Code === 'ConditionalCheckFailed') throw new StateConflict('The session is full');
      throw error;
    }
  }

  getAttempt(id: string) {
    return this.get<AttemptRecord>(key.attempt(id));
  }

  listAttempts(candidateSub: string) {
    return this.queryIndex<AttemptRecord>(`CANDIDATE#${candidateSub}`, 'ATTEMPT#');
  }

  /** Replaces the saved answers while the attempt is in progress. */
  async saveAnswers(id: string, answers: Answers): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.attempt(id),
          UpdateExpression: 'SET answers = :answers',
          ConditionExpression: '#status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':answers': answers, ':inProgress': 'in-progress' },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new StateConflict('The attempt is no longer open');
      throw error;
    }
  }

  /** in-progress → submitted, once. Returns false when it was already submitted. */
  async markSubmitted(
    id: string,
    answers: Answers,
    submittedAt: string,
    practicalEvidence?: string,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.attempt(id),
          UpdateExpression: `SET #status = :submitted, submittedAt = :at, answers = :answers${practicalEvidence !== undefined ? ', practicalEvidence = :evidence' : ''}`,
          ConditionExpression: '#status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':submitted': 'submitted',
            ':inProgress': 'in-progress',
            ':at': submittedAt,
            ':answers': answers,
            ...(practicalEvidence !== undefined ? { ':evidence': practicalEvidence } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Records the theory grade and opens the first reviews, once: a retry finds them already there. */
  async startMarking(attempt: AttemptRecord, reviews: ReviewRecord[]): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: key.attempt(attempt.id),
                UpdateExpression: 'SET #status = :marking, theory = :theory',
                ConditionExpression: '#status = :submitted',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':marking': 'marking',
                  ':submitted': 'submitted',
                  ':theory': attempt.theory,
                },
              },
            },
            ...reviews.map((review) => ({ Put: this.reviewPut(review) })),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw new StateConflict('Marking already started');
      throw error;
    }
  }

  private reviewPut(review: ReviewRecord) {
    return {
      TableName: this.table,
      Item: {
        ...key.review(review.attemptId, review.slot),
        gsi1pk: `ASSESSOR#${review.assessorSub}`,
        gsi1sk: `REVIEW#${review.createdAt}#${review.attemptId}#${review.slot}`,
        ...review,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  async listReviews(attemptId: string): Promise<ReviewRecord[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :review)',
        ExpressionAttributeValues: { ':pk': `ATTEMPT#${attemptId}`, ':review': 'REVIEW#' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((i) => strip<ReviewRecord>(i) as ReviewRecord);
  }

  getReview(attemptId: string, slot: string) {
    return this.get<ReviewRecord>(key.review(attemptId, slot));
  }

  async listReviewsOf(assessorSub: string): Promise<ReviewRecord[]> {
    return this.queryIndex<ReviewRecord>(`ASSESSOR#${assessorSub}`, 'REVIEW#');
  }

  /** Closes an open review (marked or returned) by its own assessor, once. */
  async closeReview(
    review: ReviewRecord,
    status: Extract<ReviewStatus, 'marked' | 'returned' | 'expired'>,
    fields: { mark?: Mark; score?: number; returnReason?: string },
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.review(review.attemptId, review.slot),
          UpdateExpression: 'SET #status = :status, mark = :mark, score = :score, returnReason = :reason',
          ConditionExpression: '#status = :open AND assessorSub = :assessor',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':open': 'open',
            ':assessor': review.assessorSub,
            ':mark': fields.mark ?? null,
            ':score': fields.score ?? null,
            ':reason': fields.returnReason ?? null,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new StateConflict('This review is no longer open');
      throw error;
    }
  }

  /** Adds a replacement or moderation review, once per slot. */
  async addReview(review: ReviewRecord, attemptStatus?: 'moderating'): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: this.reviewPut(review) },
            ...(attemptStatus
              ? [
                  {
                    Update: {
                      TableName: this.table,
                      Key: key.attempt(review.attemptId),
                      UpdateExpression: 'SET #status = :status',
                      ExpressionAttributeNames: { '#status': 'status' },
                      ExpressionAttributeValues: { ':status': attemptStatus },
                    },
                  },
                ]
              : []),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
        throw new StateConflict(`Review ${review.slot} already exists`);
      throw error;
    }
  }

  /** Takes a review's task token away once the workflow no longer waits with it (it stopped on an error). */
  async detachTaskToken(review: ReviewRecord): Promise<void> {
    if (!review.taskToken) return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.review(review.attemptId, review.slot),
          UpdateExpression: 'REMOVE taskToken',
          ConditionExpression: '#status = :open AND taskToken = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':open': 'open', ':token': review.taskToken },
        }),
      );
    } catch (error) {
      // Marked, returned or handed a new token meanwhile: nothing of ours to take away.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Records the error that stopped the workflow. An undecided attempt goes to `error` (its status kept to
   * restore on resume); a decided one keeps its decision and only carries the error. Conditional both
   * ways: a decision that lands meanwhile is never overwritten (StateConflict: read again).
   */
  async recordWorkflowError(attemptId: string, detail: WorkflowErrorRecord, decided: boolean): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.attempt(attemptId),
          UpdateExpression: decided
            ? 'SET #error = :detail, errors = list_append(if_not_exists(errors, :none), :list)'
            : 'SET statusBeforeError = #status, #status = :error, #error = :detail, errors = list_append(if_not_exists(errors, :none), :list)',
          ConditionExpression: decided ? DECIDED.condition : UNDECIDED.condition,
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
          ExpressionAttributeValues: {
            ...(decided ? DECIDED.values : { ...UNDECIDED.values, ':error': 'error' }),
            ':detail': detail,
            ':none': [],
            ':list': [detail],
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new StateConflict('The attempt changed meanwhile');
      throw error;
    }
  }

  /** Lifts the error on resume: back to the status it stopped in (a decided attempt keeps its own). */
  async liftWorkflowError(attempt: AttemptRecord): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.attempt(attempt.id),
          UpdateExpression:
            attempt.status === 'error'
              ? 'SET #status = statusBeforeError REMOVE #error, statusBeforeError'
              : 'REMOVE #error',
          ConditionExpression: attempt.status === 'error' ? '#status = :error' : 'attribute_exists(#error)',
          ExpressionAttributeNames: {
            '#error': 'error',
            ...(attempt.status === 'error' ? { '#status': 'status' } : {}),
          },
          ...(attempt.status === 'error' ? { ExpressionAttributeValues: { ':error': 'error' } } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new StateConflict('The error was lifted already');
      throw error;
    }
  }

  /** Records who resumed a stopped attempt and when, once per redrive (a double click records one). */
  async recordResume(attemptId: string, entry: { by: string; at: string; redrive: number }): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.attempt(attemptId),
          UpdateExpression:
            'SET resumes = list_append(if_not_exists(resumes, :none), :entry), lastResume = :n',
          ConditionExpression: 'attribute_not_exists(lastResume) OR lastResume < :n',
          ExpressionAttributeValues: { ':none': [], ':entry': [entry], ':n': entry.redrive },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new StateConflict('This resume is recorded already');
      throw error;
    }
  }

  /** A failed result: final, recorded once. */
  async recordFailure(
    attemptId: string,
    fields: Pick<AttemptRecord, 'decision' | 'practicalScore'>,
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.attempt(attemptId),
        UpdateExpression: 'SET #status = :failed, decision = :decision, practicalScore = :practical',
        ConditionExpression: UNDECIDED.condition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':failed': 'failed',
          ...UNDECIDED.values,
          ':decision': fields.decision,
          ':practical': fields.practicalScore ?? null,
        },
      }),
    );
  }

  /**
   * Issues a certificate in one transaction: takes the serial (the counter must still be where we read
   * it), writes the certificate, and closes the attempt as passed. Either all of it happens or none.
   */
  async issueCertificate(
    certificate: CertificateRecord,
    counter: { name: string; serial: number },
    attempt: Pick<AttemptRecord, 'decision' | 'practicalScore'>,
  ): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            takeSerial(this.table, counter),
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...key.certificate(certificate.number),
                  gsi1pk: `CANDIDATE#${certificate.holderSub}`,
                  gsi1sk: `CERT#${certificate.issuedAt}#${certificate.number}`,
                  ...certificate,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: key.attempt(certificate.attemptId),
                UpdateExpression:
                  'SET #status = :passed, decision = :decision, practicalScore = :practical, certificateNumber = :number',
                ConditionExpression: `${UNDECIDED.condition} AND attribute_not_exists(certificateNumber)`,
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':passed': 'passed',
                  ...UNDECIDED.values,
                  ':decision': attempt.decision,
                  ':practical': attempt.practicalScore ?? null,
                  ':number': certificate.number,
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const [counterReason, , attemptReason] = error.CancellationReasons ?? [];
        if (attemptReason?.Code === 'ConditionalCheckFailed')
          throw new StateConflict('The attempt is already decided');
        if (counterReason?.Code === 'ConditionalCheckFailed')
          throw new StateConflict('Serial taken; read it again');
      }
      throw error;
    }
  }

  getCertificate(number: string) {
    return this.get<CertificateRecord>(key.certificate(number));
  }

  listCertificates(holderSub: string) {
    return this.queryIndex<CertificateRecord>(`CANDIDATE#${holderSub}`, 'CERT#');
  }

  // ---- certificate status, status lists, revocation notices ----

  statusList(listId: string, purpose: StatusPurpose): Promise<StatusListRecord> {
    return readStatusList(this.db, this.table, listId, purpose);
  }

  /**
   * Changes a certificate's status in one transaction with its status list bits (each list still at the
   * version it was read at) and, for a revocation, the notices to partners. A conflict means someone
   * else changed the certificate or a list meanwhile: the caller reads again.
   */
  async changeCertificateStatus(change: {
    number: string;
    from: CertificateRecord['status'];
    entry: StatusHistoryEntry;
    lists: StatusListRecord[];
    notices: NoticeRecord[];
  }): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: key.certificate(change.number),
                UpdateExpression: `SET #status = :to, statusHistory = list_append(if_not_exists(statusHistory, :none), :entry)${
                  change.notices.length > 0 ? ', noticeIds = :notices' : ''
                }`,
                ConditionExpression: '#status = :from',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':to': change.entry.status,
                  ':from': change.from,
                  ':none': [],
                  ':entry': [change.entry],
                  ...(change.notices.length > 0 ? { ':notices': change.notices.map((n) => n.id) } : {}),
                },
              },
            },
            ...change.lists.map((list) => statusListWrite(this.table, list)),
            ...change.notices.map((notice) => ({
              Put: {
                TableName: this.table,
                Item: {
                  ...key.notice(notice.id),
                  gsi1pk: PENDING_NOTICES,
                  gsi1sk: `${notice.createdAt}#${notice.id}`,
                  ...notice,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            })),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
        throw new StateConflict('The certificate or its status list changed meanwhile');
      throw error;
    }
  }

  getNotice(id: string) {
    return this.get<NoticeRecord>(key.notice(id));
  }

  listPendingNotices() {
    return this.queryIndex<NoticeRecord>(PENDING_NOTICES);
  }

  /** The notices a certificate's revocation sent, delivered or not. */
  async listNoticesOf(certificateNumber: string): Promise<NoticeRecord[]> {
    const certificate = await this.getCertificate(certificateNumber);
    const notices = await Promise.all((certificate?.noticeIds ?? []).map((id) => this.getNotice(id)));
    return notices.filter((n) => n !== undefined);
  }

  /**
   * Keeps a notice's signature, once: if another attempt stored one first, that one is returned, so
   * every attempt sends the same bytes.
   */
  async keepNoticeSignature(id: string, jws: string): Promise<string> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.notice(id),
          UpdateExpression: 'SET jws = :jws',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(jws)',
          ExpressionAttributeValues: { ':jws': jws },
        }),
      );
      return jws;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = (await this.getNotice(id))?.jws;
      if (!stored) throw new Error(`No notice ${id}`);
      return stored;
    }
  }

  /** Records a delivery attempt; an acknowledged notice leaves the pending index and is never sent again. */
  async recordNoticeAttempt(
    id: string,
    outcome: { at: Date; delivered: true } | { at: Date; delivered: false; error: string },
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key.notice(id),
        UpdateExpression: outcome.delivered
          ? 'SET attempts = attempts + :one, lastAttemptAt = :at, deliveredAt = :at, #status = :delivered REMOVE gsi1pk, gsi1sk, lastError'
          : 'SET attempts = attempts + :one, lastAttemptAt = :at, lastError = :error',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':at': outcome.at.toISOString(),
          ':pending': 'pending',
          ...(outcome.delivered ? { ':delivered': 'delivered' } : { ':error': outcome.error }),
        },
      }),
    );
  }
}
