// Certification records in the single table. Every write that must not happen twice is conditional,
// and the steps that change several records at once are transactions, so a retried Lambda or a double
// click changes nothing the second time.
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  Answers,
  Exam,
  Item,
  ItemSave,
  Mark,
  Occupation,
  OpenStatusList,
  SavedAnswer,
  StatusListKind,
  StatusPurpose,
} from '../domain/index.js';
import {
  type AttemptRecord,
  type CertificateRecord,
  type CertificateStatusChange,
  type CertificationRecords,
  type DeliveryOutcome,
  type ExamFit,
  type ExamHeader,
  IdentityTaken,
  LiveAttemptExists,
  MAX_ANSWERS_BYTES,
  type NoticeHeldReason,
  type NoticeRecord,
  type Page,
  type PersonRecord,
  type ReviewRecord,
  type ReviewStatus,
  SeatContention,
  type SessionRecord,
  type Submission,
  type WorkflowErrorRecord,
} from '../ports.js';
import {
  readOpenStatusList,
  readStatusList,
  type StatusListRecord,
  signedStatusListWrite,
  statusListWrite,
  takeStatusPosition,
} from './dynamodb-status-lists.js';
import {
  AlreadyExists,
  batchKey,
  cancelledByCondition,
  itemOf,
  putNew,
  SingleTableStore,
  StateConflict,
  strip,
  takeSerial,
} from './dynamodb-table.js';

export type { ExamFit, ExamHeader };
// Where they were first defined; use cases import them from ports.js.
export { AlreadyExists, IdentityTaken, LiveAttemptExists, MAX_ANSWERS_BYTES, SeatContention, StateConflict };

const key = {
  occupation: (code: string) => ({ pk: `OCC#${code}`, sk: 'OCC' }),
  exam: (id: string) => ({ pk: `EXAM#${id}`, sk: 'EXAM' }),
  examItems: (id: string, version: string, chunk: number) => ({
    pk: `EXAM#${id}`,
    sk: `ITEMS#${version}#${String(chunk).padStart(3, '0')}`,
  }),
  session: (id: string) => ({ pk: `SESSION#${id}`, sk: 'SESSION' }),
  /** The seats taken, apart from the session so that taking one rewrites no index entry. */
  seats: (id: string) => ({ pk: `SESSION#${id}`, sk: 'SEATS' }),
  seat: (sessionId: string, sub: string) => ({ pk: `SESSION#${sessionId}`, sk: `SEAT#${sub}` }),
  person: (sub: string) => ({ pk: `PERSON#${sub}`, sk: 'PROFILE' }),
  /** Who holds a resident ID (by its MAC): one person per ID. */
  identity: (mac: string) => ({ pk: `IDENTITY#${mac}`, sk: 'IDENTITY' }),
  /** An assessor's open reviews, counted apart from the profile (an admin's edit must not reset it). */
  load: (sub: string) => ({ pk: `PERSON#${sub}`, sk: 'LOAD' }),
  attempt: (id: string) => ({ pk: `ATTEMPT#${id}`, sk: 'ATTEMPT' }),
  /** The candidate's live attempt at an exam: one at a time (taken at start, replaced once decided). */
  live: (sub: string, examId: string) => ({ pk: `PERSON#${sub}`, sk: `LIVE#${examId}` }),
  review: (attemptId: string, slot: string) => ({ pk: `ATTEMPT#${attemptId}`, sk: `REVIEW#${slot}` }),
  certificate: (number: string) => ({ pk: `CERT#${number}`, sk: 'CERT' }),
  notice: (id: string) => ({ pk: `NOTICE#${id}`, sk: 'NOTICE' }),
};

/**
 * The attempt still takes work at :now: closesAt (deadline + grace, ISO in UTC, so strings compare as
 * instants) not passed. Attempts started before closesAt was kept are checked by the use case instead.
 */
const OPEN_AT = '(attribute_not_exists(closesAt) OR closesAt >= :now)';

import { heldNotices, noticePut, PENDING_NOTICES } from './notice-items.js';

export { heldNotices, PENDING_NOTICES };

/**
 * DynamoDB's item limit is 400 KB; an exam's items are stored in chunks of at most this size, so a bank
 * of any size the API accepts is stored whole (docs/certification.md, "Capacity").
 */
export const MAX_EXAM_CHUNK_BYTES = 300 * 1024;
/**
 * The largest item bank accepted, as DynamoDB counts it: 3 MiB keeps the request that carries it well
 * inside Lambda's 6 MB event however it is written, and a read of the whole bank at a few queries.
 */
export const MAX_ITEM_BANK_BYTES = 3 * 1024 * 1024;
/** Everything of an exam but its items (title, blueprint, rubric, policy) is one item of at most this. */
export const MAX_EXAM_HEADER_BYTES = 300 * 1024;

/**
 * The size DynamoDB counts for a value: strings by their UTF-8 bytes, numbers at most 21 bytes, lists
 * and maps 3 bytes plus 1 per element and their contents, map keys by their UTF-8 bytes.
 */
export function dynamoDbSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return 21;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + dynamoDbSize(v), 0);
  if (typeof value === 'object')
    return (
      3 +
      Object.entries(value).reduce(
        (n, [k, v]) => (v === undefined ? n : n + 1 + Buffer.byteLength(k, 'utf8') + dynamoDbSize(v)),
        0,
      )
    );
  return 21;
}

/** A whole item's size: the attribute names and values (no per-attribute overhead at the top level). */
export function dynamoDbItemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce(
    (n, [k, v]) => (v === undefined ? n : n + Buffer.byteLength(k, 'utf8') + dynamoDbSize(v)),
    0,
  );
}

interface StoredExamHeader extends ExamHeader {
  /** The chunks holding this version of the bank: ITEMS#<bankVersion>#000 … */
  bankVersion: string;
  bankChunks: number;
}

/** The items of a bank in chunks under the chunk limit, in order. */
function chunksOf(items: Item[]): Item[][] {
  const chunks: Item[][] = [];
  let current: Item[] = [];
  let size = 64; // keys and the attribute name
  for (const item of items) {
    const itemSize = 1 + dynamoDbSize(item);
    if (current.length > 0 && size + itemSize > MAX_EXAM_CHUNK_BYTES) {
      chunks.push(current);
      current = [];
      size = 64;
    }
    current.push(item);
    size += itemSize;
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(current);
  return chunks;
}

function headerOf(stored: Partial<StoredExamHeader> & { exam?: Exam }): ExamHeader {
  if (stored.exam) {
    const { items, ...rest } = stored.exam;
    return { ...rest, itemCount: items.length };
  }
  const { bankVersion: _version, bankChunks: _chunks, ...header } = stored as StoredExamHeader;
  return header;
}

const reviewIndexKey = (review: ReviewRecord, state: 'OPEN' | 'DONE') =>
  `${state}#${review.createdAt}#${review.attemptId}#${review.slot}`;

/** Bounds the containers' cache of item banks (a bank is at most 3 MiB). */
const CACHED_BANKS = 8;

/** Attempts that have their result: the only ones a new attempt at the same exam may follow. */
const DECIDED_STATUSES: readonly string[] = ['passed', 'failed'];

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

type Key = { pk: string; sk: string };

/** One conditional update as this store writes it. */
interface UpdateSpec {
  update: string;
  condition?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/**
 * An UpdateItem's parameters, written once for every write here: `#status` stands for `status` (a
 * reserved word) wherever an expression names it, and empty maps are left out (DynamoDB refuses them).
 */
function updateOf(table: string, k: Key, spec: UpdateSpec) {
  const names = {
    ...(/#status\b/.test(`${spec.update} ${spec.condition ?? ''}`) ? { '#status': 'status' } : {}),
    ...spec.names,
  };
  return {
    TableName: table,
    Key: k,
    UpdateExpression: spec.update,
    ...(spec.condition ? { ConditionExpression: spec.condition } : {}),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ...(spec.values && Object.keys(spec.values).length > 0 ? { ExpressionAttributeValues: spec.values } : {}),
  };
}

/** A record still open for a candidate's work at :now (status in-progress, closesAt not passed). */
const OPEN_FOR_WORK = `#status = :inProgress AND ${OPEN_AT}`;

/** A notice still being delivered: the condition of every step of its delivery. */
const PENDING = { condition: '#status = :pending', values: { ':pending': 'pending' } } as const;

/** Every certification port on the region's single table. */
export class DynamoDbCertificationStore extends SingleTableStore implements CertificationRecords {
  /** Sends one conditional update: false when its condition refused it. */
  private async updateIf(k: Key, spec: UpdateSpec): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand(updateOf(this.table, k, spec)));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Sends one conditional update: StateConflict, saying why, when its condition refused it. */
  private async updateOrConflict(k: Key, spec: UpdateSpec, why: string): Promise<void> {
    if (!(await this.updateIf(k, spec))) throw new StateConflict(why);
  }

  /**
   * Writes the items in one transaction: StateConflict, saying why, when a condition refused it. A
   * TransactionConflict (another transaction held an item) is not that and goes to the caller as it is.
   */
  private async transactOrConflict(
    items: NonNullable<TransactWriteCommandInput['TransactItems']>,
    why: string,
  ) {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (cancelledByCondition(error)) throw new StateConflict(why);
      throw error;
    }
  }

  /** A TransactWriteItems entry that updates one record on a condition. */
  private updateItem(k: Key, spec: UpdateSpec) {
    return { Update: updateOf(this.table, k, spec) };
  }

  /** A TransactWriteItems entry that writes one record whole, in the index under `index` if given. */
  private putItem(k: Key, record: object, index?: Key) {
    return { Put: { TableName: this.table, Item: itemOf(k, record, index) } };
  }

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

  /** Whether an exam can be stored, by the sizes DynamoDB will count. */
  examFit(exam: Exam): ExamFit {
    const { items, ...header } = exam;
    const headerBytes =
      dynamoDbItemSize({ ...header, itemCount: items.length, bankVersion: randomUUID() }) + 128;
    if (headerBytes > MAX_EXAM_HEADER_BYTES)
      return { fits: false, part: 'header', bytes: headerBytes, limit: MAX_EXAM_HEADER_BYTES };
    const bankBytes = dynamoDbSize(items);
    if (bankBytes > MAX_ITEM_BANK_BYTES)
      return { fits: false, part: 'bank', bytes: bankBytes, limit: MAX_ITEM_BANK_BYTES };
    return { fits: true, bankBytes, chunks: chunksOf(items).length };
  }

  /**
   * Stores an exam: its item bank in chunks under a new version, then the header that names that
   * version, then the chunks of the version it replaced. A reader always finds a whole bank: the one
   * its header names (getExam reads the header again if the chunks changed under it).
   */
  async putExam(exam: Exam): Promise<void> {
    const fit = this.examFit(exam);
    if (!fit.fits) throw new RangeError(`The exam's ${fit.part} is ${fit.bytes} bytes, over ${fit.limit}`);
    const { items, ...rest } = exam;
    const bankVersion = randomUUID();
    const chunks = chunksOf(items);
    await Promise.all(
      chunks.map((chunk, i) =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...key.examItems(exam.id, bankVersion, i), items: chunk },
          }),
        ),
      ),
    );
    const header: StoredExamHeader = {
      ...rest,
      itemCount: items.length,
      bankVersion,
      bankChunks: chunks.length,
    };
    const out = await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...key.exam(exam.id),
          gsi1pk: 'EXAMS',
          gsi1sk: `${exam.occupation.code}#${exam.level}#${exam.id}`,
          ...header,
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const replaced = out.Attributes as Partial<StoredExamHeader> | undefined;
    if (replaced?.bankVersion) {
      const version = replaced.bankVersion;
      await Promise.all(
        Array.from({ length: replaced.bankChunks ?? 0 }, (_, i) =>
          this.db.send(new DeleteCommand({ TableName: this.table, Key: key.examItems(exam.id, version, i) })),
        ),
      );
    }
  }

  private readonly banks = new Map<string, Item[]>();

  /** The whole exam, item bank included. A container keeps the last few banks by version. */
  async getExam(id: string): Promise<Exam | undefined> {
    for (let tries = 0; tries < 3; tries++) {
      const stored = await this.get<StoredExamHeader & { exam?: Exam }>(key.exam(id));
      if (!stored) return undefined;
      if (stored.exam) return stored.exam; // stored whole, before banks were split
      const { bankVersion, bankChunks, itemCount: _count, ...header } = stored;
      const cacheKey = `${id}#${bankVersion}`;
      let items = this.banks.get(cacheKey);
      if (!items) {
        const chunks: { sk: string; items: Item[] }[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const out = await this.db.send(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
              ExpressionAttributeValues: { ':pk': `EXAM#${id}`, ':sk': `ITEMS#${bankVersion}#` },
              ConsistentRead: true,
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          );
          for (const item of out.Items ?? []) chunks.push(item as { sk: string; items: Item[] });
          start = out.LastEvaluatedKey;
        } while (start);
        // Replaced while we read: read the header again.
        if (chunks.length !== bankChunks) continue;
        items = chunks.sort((a, b) => (a.sk < b.sk ? -1 : 1)).flatMap((c) => c.items);
        this.banks.set(cacheKey, items);
        if (this.banks.size > CACHED_BANKS) this.banks.delete(this.banks.keys().next().value as string);
      }
      return { ...header, items } as Exam;
    }
    throw new Error(`Exam ${id} kept changing while it was read`);
  }

  /** Exams without their banks, by id, in one batch read. */
  async getExamHeaders(ids: string[]): Promise<Map<string, ExamHeader>> {
    const found = await this.batchGet<StoredExamHeader & { exam?: Exam }>(ids.map((id) => key.exam(id)));
    const out = new Map<string, ExamHeader>();
    for (const id of ids) {
      const stored = found.get(batchKey(key.exam(id)));
      if (stored) out.set(id, headerOf(stored));
    }
    return out;
  }

  async listExams(page: { limit: number; nextToken?: string | undefined }): Promise<Page<ExamHeader>> {
    const found = await this.queryPage<StoredExamHeader & { exam?: Exam }>({ pk: 'EXAMS', ...page });
    return { ...found, items: found.items.map(headerOf) };
  }

  /**
   * Writes a session. Its index entry sorts by the closing instant (UTC ISO, so string order is time
   * order); the seats already taken survive an admin's edit of the window or the limit.
   */
  async putSession(session: SessionRecord): Promise<void> {
    const { seatsTaken: _taken, ...record } = session;
    await this.transactOrConflict(
      [
        this.putItem(key.session(session.id), record, {
          pk: 'SESSIONS',
          sk: `${session.closesAt}#${session.id}`,
        }),
        {
          ConditionCheck: {
            TableName: this.table,
            Key: key.seats(session.id),
            ConditionExpression: 'attribute_not_exists(seatsTaken) OR seatsTaken <= :limit',
            ExpressionAttributeValues: { ':limit': session.seatLimit },
          },
        },
      ],
      'More seats are taken than the new limit',
    );
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const found = await this.batchGet<SessionRecord & { seatsTaken?: number }>([
      key.session(id),
      key.seats(id),
    ]);
    const session = found.get(batchKey(key.session(id)));
    if (!session) return undefined;
    const seats = found.get(batchKey(key.seats(id)));
    return { ...session, seatsTaken: seats?.seatsTaken ?? session.seatsTaken ?? 0 };
  }

  /**
   * Sessions that have not closed at `now`, soonest closing first: a key condition on the closing
   * instant, so closed sessions — every session ever — are never read. The page's seat counts and exam
   * headers come in one batch read, not one read per session.
   */
  async listOpenSessions(
    now: Date,
    page: { limit: number; nextToken?: string | undefined },
  ): Promise<Page<{ session: SessionRecord; exam: ExamHeader | undefined }>> {
    const found = await this.queryPage<SessionRecord>({ pk: 'SESSIONS', after: now.toISOString(), ...page });
    const related = await this.batchGet<{ seatsTaken?: number } & Partial<StoredExamHeader>>([
      ...found.items.map((s) => key.seats(s.id)),
      ...found.items.map((s) => key.exam(s.examId)),
    ]);
    return {
      ...found,
      items: found.items.map((session) => {
        const exam = related.get(batchKey(key.exam(session.examId)));
        return {
          session: {
            ...session,
            seatsTaken: related.get(batchKey(key.seats(session.id)))?.seatsTaken ?? session.seatsTaken ?? 0,
          },
          exam: exam ? headerOf(exam as StoredExamHeader) : undefined,
        };
      }),
    };
  }

  putPerson(person: PersonRecord): Promise<void> {
    const assessor = person.roles.includes('assessor');
    return this.put(
      key.person(person.sub),
      person,
      assessor ? { pk: 'ASSESSORS', sk: person.sub } : undefined,
    );
  }

  /**
   * Writes a person who has a resident ID (identityMac) together with the ID's claim, in one transaction:
   * the claim is taken only if no one else holds it, and a person whose ID changed gives up the old one.
   * @throws IdentityTaken when another person holds this ID; nothing is written then.
   */
  async putPersonWithIdentity(person: PersonRecord & { identityMac: string }, previousMac?: string) {
    const assessor = person.roles.includes('assessor');
    const mine = {
      ConditionExpression: 'attribute_not_exists(pk) OR #sub = :sub',
      ExpressionAttributeNames: { '#sub': 'sub' },
      ExpressionAttributeValues: { ':sub': person.sub },
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            this.putItem(
              key.person(person.sub),
              person,
              assessor ? { pk: 'ASSESSORS', sk: person.sub } : undefined,
            ),
            {
              Put: {
                TableName: this.table,
                Item: { ...key.identity(person.identityMac), sub: person.sub },
                ...mine,
              },
            },
            ...(previousMac && previousMac !== person.identityMac
              ? [{ Delete: { TableName: this.table, Key: key.identity(previousMac), ...mine } }]
              : []),
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [, claim] = error.CancellationReasons ?? [];
      if (claim?.Code === 'ConditionalCheckFailed') throw new IdentityTaken();
      throw new StateConflict('The person or their ID changed meanwhile');
    }
  }

  getPerson(sub: string) {
    return this.get<PersonRecord>(key.person(sub));
  }

  /**
   * The person's holder id, given now if they were registered before holder ids existed: a conditional
   * write, so concurrent first certificates agree on one id.
   */
  async ensureHolderId(sub: string): Promise<string> {
    const out = await this.db.send(
      new UpdateCommand({
        ...updateOf(this.table, key.person(sub), {
          update: 'SET holderId = if_not_exists(holderId, :id)',
          condition: 'attribute_exists(pk)',
          values: { ':id': `urn:uuid:${randomUUID()}` },
        }),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return String(out.Attributes?.holderId);
  }

  /**
   * The assessor pool with each assessor's open reviews, for least-loaded assignment: the pool from the
   * index, the workloads in batch reads (a counter per assessor, moved in the same transaction as the
   * review it counts).
   */
  async listAssessors(): Promise<(PersonRecord & { openReviews: number })[]> {
    const pool = await this.queryIndex<PersonRecord>('ASSESSORS');
    const loads = await this.batchGet<{ openReviews?: number }>(pool.map((p) => key.load(p.sub)));
    return pool.map((p) => ({
      ...p,
      openReviews: Math.max(0, loads.get(batchKey(key.load(p.sub)))?.openReviews ?? 0),
    }));
  }

  /** One page of the pool (one Query and one batch read, so a request's reads stay bounded). */
  async listAssessorPage(page: { limit: number; nextToken?: string | undefined }) {
    const found = await this.queryPage<PersonRecord>({ pk: 'ASSESSORS', ...page });
    const loads = await this.batchGet<{ openReviews?: number }>(found.items.map((p) => key.load(p.sub)));
    return {
      ...found,
      items: found.items.map((p) => ({
        ...p,
        openReviews: Math.max(0, loads.get(batchKey(key.load(p.sub)))?.openReviews ?? 0),
      })),
    };
  }

  // ---- attempts ----

  /**
   * Takes a seat and creates the attempt in one transaction. A second start by the same candidate for
   * the same session finds the seat taken and gets the first attempt back. The seat counter of a session
   * is one item that every candidate of that session writes at the start of an exam: a transaction that
   * meets another on it is cancelled (TransactionConflict) and tried again after a random pause.
   */
  async startAttempt(attempt: AttemptRecord, seatLimit: number): Promise<AttemptRecord> {
    // The attempt this one follows at the same exam, once it is known to be decided.
    let follows: string | undefined;
    for (let tries = 0; ; tries++) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: putNew(this.table, key.seat(attempt.sessionId, attempt.candidateSub), {
                  attemptId: attempt.id,
                }),
              },
              this.updateItem(key.seats(attempt.sessionId), {
                update: 'SET seatsTaken = if_not_exists(seatsTaken, :zero) + :one',
                condition: 'attribute_not_exists(seatsTaken) OR seatsTaken < :limit',
                values: { ':zero': 0, ':one': 1, ':limit': seatLimit },
              }),
              {
                Put: putNew(this.table, key.attempt(attempt.id), attempt, {
                  pk: `CANDIDATE#${attempt.candidateSub}`,
                  sk: `ATTEMPT#${attempt.startedAt}#${attempt.id}`,
                }),
              },
              {
                // One live attempt per candidate and exam, in the same transaction as the seat.
                Put: {
                  TableName: this.table,
                  Item: { ...key.live(attempt.candidateSub, attempt.examId), attemptId: attempt.id },
                  ConditionExpression: follows
                    ? 'attribute_not_exists(pk) OR attemptId = :follows'
                    : 'attribute_not_exists(pk)',
                  ...(follows ? { ExpressionAttributeValues: { ':follows': follows } } : {}),
                },
              },
            ],
          }),
        );
        return attempt;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [seat, seats] = error.CancellationReasons ?? [];
        if (seat?.Code === 'ConditionalCheckFailed') {
          const existing = await this.get<{ attemptId: string }>(
            key.seat(attempt.sessionId, attempt.candidateSub),
          );
          const first = existing && (await this.getAttempt(existing.attemptId));
          if (first) throw new AlreadyExists(first);
        }
        const live = error.CancellationReasons?.[3];
        if (live?.Code === 'ConditionalCheckFailed' && seat?.Code !== 'ConditionalCheckFailed') {
          const lock = await this.get<{ attemptId: string }>(key.live(attempt.candidateSub, attempt.examId));
          const previous = lock && (await this.getAttempt(lock.attemptId));
          if (previous && !DECIDED_STATUSES.includes(previous.status)) throw new LiveAttemptExists(previous);
          // Decided (or gone): this attempt may follow it; try again naming it.
          if (tries >= 6) throw error;
          follows = lock?.attemptId;
          continue;
        }
        if (seats?.Code === 'ConditionalCheckFailed') throw new StateConflict('The session is full');
        const contended = (error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict');
        if (!contended) throw error;
        if (tries >= 6)
          throw new SeatContention('Too many candidates are taking a seat of this session at once');
        // Full jitter: 10 ms doubling, so colliding starts spread out instead of colliding again.
        await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** tries));
      }
    }
  }

  getAttempt(id: string) {
    return this.get<AttemptRecord>(key.attempt(id));
  }

  listAttempts(candidateSub: string, page: { limit: number; nextToken?: string | undefined }) {
    return this.queryPage<AttemptRecord>({ pk: `CANDIDATE#${candidateSub}`, skPrefix: 'ATTEMPT#', ...page });
  }

  /**
   * Replaces the whole answer set (the older route) while the attempt is open and no item has been saved
   * per item: once the exam page saves versioned items, a whole-set write could undo them, so it is refused.
   */
  async saveAnswers(id: string, answers: Answers, now: string): Promise<void> {
    await this.updateOrConflict(
      key.attempt(id),
      {
        update: 'SET answers = :answers',
        condition: `${OPEN_FOR_WORK} AND (attribute_not_exists(saves) OR size(saves) = :zero)`,
        values: { ':answers': answers, ':inProgress': 'in-progress', ':now': now, ':zero': 0 },
      },
      'The attempt is no longer open, or its items are saved one by one',
    );
  }

  /** Gives an attempt started before per-item saves its empty save map, so item paths can be set. */
  async ensureSaves(id: string): Promise<void> {
    await this.db.send(
      new UpdateCommand(
        updateOf(this.table, key.attempt(id), {
          update: 'SET saves = if_not_exists(saves, :empty)',
          condition: 'attribute_exists(pk)',
          values: { ':empty': {} },
        }),
      ),
    );
  }

  /**
   * Keeps one item's answer and flag if the save's version is above the kept one and the attempt is still
   * open at `now`: one conditional write, so neither a retried older save nor a save after the deadline or
   * after submission can change anything. False when the condition refused it (the caller reads why).
   */
  async saveItem(
    id: string,
    itemId: string,
    answer: SavedAnswer,
    save: ItemSave,
    now: string,
  ): Promise<boolean> {
    return this.updateIf(key.attempt(id), {
      update:
        answer === null
          ? 'SET saves.#item = :save REMOVE answers.#item'
          : 'SET saves.#item = :save, answers.#item = :answer',
      condition: `${OPEN_FOR_WORK} AND (attribute_not_exists(saves.#item) OR saves.#item.version < :version)`,
      names: { '#item': itemId },
      values: {
        ':save': save,
        ...(answer === null ? {} : { ':answer': answer }),
        ':inProgress': 'in-progress',
        ':now': now,
        ':version': save.version,
      },
    });
  }

  /** The practical evidence, kept by version like an item (saveItem). False when refused. */
  async saveEvidence(id: string, evidence: string, version: number, now: string): Promise<boolean> {
    return this.updateIf(key.attempt(id), {
      update: 'SET practicalEvidence = :evidence, evidenceVersion = :version',
      condition: `${OPEN_FOR_WORK} AND (attribute_not_exists(evidenceVersion) OR evidenceVersion < :version)`,
      values: { ':evidence': evidence, ':version': version, ':inProgress': 'in-progress', ':now': now },
    });
  }

  /**
   * in-progress → submitted, once: with the kept answers (or the set given, replacing them) and evidence.
   * A candidate's submit must come by closesAt (`notAfter`); the server's own submit at the deadline has
   * no such limit. Returns false when it was already submitted (or too late: the caller reads which).
   */
  async markSubmitted(id: string, submission: Submission): Promise<boolean> {
    const sets = ['#status = :submitted', 'submittedAt = :at', 'submittedBy = :by'];
    const values: Record<string, unknown> = {
      ':submitted': 'submitted',
      ':inProgress': 'in-progress',
      ':at': submission.at,
      ':by': submission.by,
    };
    if (submission.answers !== undefined) {
      sets.push('answers = :answers');
      values[':answers'] = submission.answers;
    }
    if (submission.practicalEvidence !== undefined) {
      sets.push('practicalEvidence = :evidence');
      values[':evidence'] = submission.practicalEvidence;
    }
    if (submission.notAfter !== undefined) values[':now'] = submission.notAfter;
    return this.updateIf(key.attempt(id), {
      update: `SET ${sets.join(', ')}`,
      condition: submission.notAfter !== undefined ? OPEN_FOR_WORK : '#status = :inProgress',
      values,
    });
  }

  /** Records the theory grade and opens the first reviews, once: a retry finds them already there. */
  async startMarking(attempt: AttemptRecord, reviews: ReviewRecord[]): Promise<void> {
    // A condition failed: marking has started. A TransactionConflict (an assessor's load item held by
    // another attempt's transaction) is not that: it goes to the step's retry as it is.
    await this.transactOrConflict(
      [
        this.updateItem(key.attempt(attempt.id), {
          update: 'SET #status = :marking, theory = :theory',
          condition: '#status = :submitted',
          values: { ':marking': 'marking', ':submitted': 'submitted', ':theory': attempt.theory },
        }),
        ...reviews.map((review) => ({ Put: this.reviewPut(review) })),
        ...reviews.map((review) => this.loadChange(review.assessorSub, 1)),
      ],
      'Marking already started',
    );
  }

  /**
   * A review in the assessor's index: open ones under OPEN#, so the queue reads only open reviews, and
   * closing one moves it under DONE#.
   */
  private reviewPut(review: ReviewRecord) {
    return putNew(this.table, key.review(review.attemptId, review.slot), review, {
      pk: `ASSESSOR#${review.assessorSub}`,
      sk: reviewIndexKey(review, review.status === 'open' ? 'OPEN' : 'DONE'),
    });
  }

  /** The TransactWriteItems entry that counts an assessor's review opened (+1) or closed (−1). */
  private loadChange(assessorSub: string, by: 1 | -1) {
    return this.updateItem(key.load(assessorSub), { update: 'ADD openReviews :by', values: { ':by': by } });
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

  /** An assessor's open reviews, oldest first; closed ones are never read. */
  listOpenReviewsOf(assessorSub: string, page: { limit: number; nextToken?: string | undefined }) {
    return this.queryPage<ReviewRecord>({ pk: `ASSESSOR#${assessorSub}`, skPrefix: 'OPEN#', ...page });
  }

  /** The attempts of a page of reviews, in one batch read. */
  async getAttempts(ids: string[]): Promise<Map<string, AttemptRecord>> {
    const found = await this.batchGet<AttemptRecord>(ids.map((id) => key.attempt(id)));
    return new Map([...found.values()].map((a) => [a.id, a]));
  }

  /** Closes an open review (marked or returned) by its own assessor, once. */
  async closeReview(
    review: ReviewRecord,
    status: Extract<ReviewStatus, 'marked' | 'returned' | 'expired'>,
    fields: { mark?: Mark; score?: number; returnReason?: string },
  ): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            this.updateItem(key.review(review.attemptId, review.slot), {
              update:
                'SET #status = :status, mark = :mark, score = :score, returnReason = :reason, gsi1sk = :done',
              condition: '#status = :open AND assessorSub = :assessor',
              values: {
                ':status': status,
                ':open': 'open',
                ':assessor': review.assessorSub,
                ':mark': fields.mark ?? null,
                ':score': fields.score ?? null,
                ':reason': fields.returnReason ?? null,
                ':done': reviewIndexKey(review, 'DONE'),
              },
            }),
            this.loadChange(review.assessorSub, -1),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const [reviewReason] = error.CancellationReasons ?? [];
        if (reviewReason?.Code === 'ConditionalCheckFailed')
          throw new StateConflict('This review is no longer open');
      }
      throw error;
    }
  }

  /** Adds a replacement or moderation review, once per slot. */
  async addReview(review: ReviewRecord, attemptStatus?: 'moderating'): Promise<void> {
    await this.transactOrConflict(
      [
        { Put: this.reviewPut(review) },
        this.loadChange(review.assessorSub, 1),
        ...(attemptStatus
          ? [
              this.updateItem(key.attempt(review.attemptId), {
                update: 'SET #status = :status',
                values: { ':status': attemptStatus },
              }),
            ]
          : []),
      ],
      `Review ${review.slot} already exists`,
    );
  }

  /** Takes a review's task token away once the workflow no longer waits with it (it stopped on an error). */
  async detachTaskToken(review: ReviewRecord): Promise<void> {
    if (!review.taskToken) return;
    // Refused: marked, returned or handed a new token meanwhile, so nothing of ours to take away.
    await this.updateIf(key.review(review.attemptId, review.slot), {
      update: 'REMOVE taskToken',
      condition: '#status = :open AND taskToken = :token',
      values: { ':open': 'open', ':token': review.taskToken },
    });
  }

  /**
   * Records the error that stopped the workflow. An undecided attempt goes to `error` (its status kept to
   * restore on resume); a decided one keeps its decision and only carries the error. Conditional both
   * ways: a decision that lands meanwhile is never overwritten (StateConflict: read again).
   */
  async recordWorkflowError(attemptId: string, detail: WorkflowErrorRecord, decided: boolean): Promise<void> {
    await this.updateOrConflict(
      key.attempt(attemptId),
      {
        update: decided
          ? 'SET #error = :detail, errors = list_append(if_not_exists(errors, :none), :list)'
          : 'SET statusBeforeError = #status, #status = :error, #error = :detail, errors = list_append(if_not_exists(errors, :none), :list)',
        condition: decided ? DECIDED.condition : UNDECIDED.condition,
        names: { '#error': 'error' },
        values: {
          ...(decided ? DECIDED.values : { ...UNDECIDED.values, ':error': 'error' }),
          ':detail': detail,
          ':none': [],
          ':list': [detail],
        },
      },
      'The attempt changed meanwhile',
    );
  }

  /** Lifts the error on resume: back to the status it stopped in (a decided attempt keeps its own). */
  async liftWorkflowError(attempt: AttemptRecord): Promise<void> {
    const stopped = attempt.status === 'error';
    await this.updateOrConflict(
      key.attempt(attempt.id),
      {
        update: stopped
          ? 'SET #status = statusBeforeError REMOVE #error, statusBeforeError'
          : 'REMOVE #error',
        condition: stopped ? '#status = :error' : 'attribute_exists(#error)',
        names: { '#error': 'error' },
        ...(stopped ? { values: { ':error': 'error' } } : {}),
      },
      'The error was lifted already',
    );
  }

  /** Records who resumed a stopped attempt and when, once per redrive (a double click records one). */
  async recordResume(attemptId: string, entry: { by: string; at: string; redrive: number }): Promise<void> {
    await this.updateOrConflict(
      key.attempt(attemptId),
      {
        update: 'SET resumes = list_append(if_not_exists(resumes, :none), :entry), lastResume = :n',
        condition: 'attribute_not_exists(lastResume) OR lastResume < :n',
        values: { ':none': [], ':entry': [entry], ':n': entry.redrive },
      },
      'This resume is recorded already',
    );
  }

  /** A failed result: final, recorded once. */
  async recordFailure(
    attemptId: string,
    fields: Pick<AttemptRecord, 'decision' | 'practicalScore'>,
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand(
        updateOf(this.table, key.attempt(attemptId), {
          update: 'SET #status = :failed, decision = :decision, practicalScore = :practical',
          condition: UNDECIDED.condition,
          values: {
            ':failed': 'failed',
            ...UNDECIDED.values,
            ':decision': fields.decision,
            ':practical': fields.practicalScore ?? null,
          },
        }),
      ),
    );
  }

  /**
   * Issues a certificate in one transaction: takes the serial (the counter must still be where we read
   * it) and the status list position (the open list must still be as we read it), writes the
   * certificate, and closes the attempt as passed. Either all of it happens or none.
   */
  async issueCertificate(
    certificate: CertificateRecord,
    counter: { name: string; serial: number },
    attempt: Pick<AttemptRecord, 'decision' | 'practicalScore'>,
    statusPosition: { read: OpenStatusList | undefined; next: OpenStatusList },
  ): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            takeSerial(this.table, counter),
            takeStatusPosition(this.table, statusPosition.read, statusPosition.next),
            {
              Put: putNew(this.table, key.certificate(certificate.number), certificate, {
                pk: `CANDIDATE#${certificate.holderSub}`,
                sk: `CERT#${certificate.issuedAt}#${certificate.number}`,
              }),
            },
            this.updateItem(key.attempt(certificate.attemptId), {
              update:
                'SET #status = :passed, decision = :decision, practicalScore = :practical, certificateNumber = :number',
              condition: `${UNDECIDED.condition} AND attribute_not_exists(certificateNumber)`,
              values: {
                ':passed': 'passed',
                ...UNDECIDED.values,
                ':decision': attempt.decision,
                ':practical': attempt.practicalScore ?? null,
                ':number': certificate.number,
              },
            }),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const [counterReason, positionReason, , attemptReason] = error.CancellationReasons ?? [];
        if (attemptReason?.Code === 'ConditionalCheckFailed')
          throw new StateConflict('The attempt is already decided');
        if (counterReason?.Code === 'ConditionalCheckFailed')
          throw new StateConflict('Serial taken; read it again');
        if (positionReason?.Code === 'ConditionalCheckFailed')
          throw new StateConflict('Status list position taken; read it again');
      }
      throw error;
    }
  }

  getCertificate(number: string) {
    return this.get<CertificateRecord>(key.certificate(number));
  }

  /** Every certificate a person holds (a handful: eligibility reads them). */
  listCertificates(holderSub: string) {
    return this.queryIndex<CertificateRecord>(`CANDIDATE#${holderSub}`, 'CERT#');
  }

  listCertificatesPage(holderSub: string, page: { limit: number; nextToken?: string | undefined }) {
    return this.queryPage<CertificateRecord>({ pk: `CANDIDATE#${holderSub}`, skPrefix: 'CERT#', ...page });
  }

  // ---- certificate status, status lists, revocation notices ----

  statusList(listId: string, purpose: StatusPurpose): Promise<StatusListRecord> {
    return readStatusList(this.db, this.table, listId, purpose);
  }

  openStatusList(kind: StatusListKind): Promise<OpenStatusList | undefined> {
    return readOpenStatusList(this.db, this.table, kind);
  }

  /**
   * Changes a certificate's status in one transaction with its status list bits (each list still at the
   * version it was read at) and, for a revocation, the notices to partners. A conflict means someone
   * else changed the certificate or a list meanwhile: the caller reads again.
   */
  async changeCertificateStatus(change: CertificateStatusChange): Promise<void> {
    await this.transactOrConflict(
      [
        this.updateItem(key.certificate(change.number), {
          update: `SET #status = :to, statusHistory = list_append(if_not_exists(statusHistory, :none), :entry)${
            change.notices.length > 0 ? ', noticeIds = :notices' : ''
          }`,
          condition: '#status = :from',
          values: {
            ':to': change.entry.status,
            ':from': change.from,
            ':none': [],
            ':entry': [change.entry],
            ...(change.notices.length > 0 ? { ':notices': change.notices.map((n) => n.id) } : {}),
          },
        }),
        ...change.lists.map((list) => statusListWrite(this.table, list)),
        ...(change.signedLists ?? []).map((signed) => signedStatusListWrite(this.table, signed)),
        ...change.notices.map((notice) => ({ Put: noticePut(this.table, notice) })),
      ],
      'The certificate or its status list changed meanwhile',
    );
  }

  getNotice(id: string) {
    return this.get<NoticeRecord>(key.notice(id));
  }

  /** Pending notices, oldest first, a page at a time (the sweep takes one page per run). */
  listPendingNotices(page: { limit: number; nextToken?: string | undefined }) {
    return this.queryPage<NoticeRecord>({ pk: PENDING_NOTICES, ...page });
  }

  /** The notices held for one partner (it was suspended, had no webhook or left the registry). */
  listHeldNotices(partnerCode: string) {
    return this.queryIndex<NoticeRecord>(heldNotices(partnerCode));
  }

  /** The notices a certificate's revocation sent, delivered or not, in one batch read. */
  async listNoticesOf(certificateNumber: string): Promise<NoticeRecord[]> {
    const certificate = await this.getCertificate(certificateNumber);
    const ids = certificate?.noticeIds ?? [];
    const found = await this.batchGet<NoticeRecord>(ids.map((id) => key.notice(id)));
    return ids.map((id) => found.get(batchKey(key.notice(id)))).filter((n) => n !== undefined);
  }

  /**
   * Keeps a notice's signature: the first one, or a new one replacing `previous` (signed by a key the
   * region no longer signs with). If another attempt stored one first, that one is returned, so
   * concurrent attempts send the same bytes.
   */
  async keepNoticeSignature(id: string, jws: string, previous?: string): Promise<string> {
    const kept = await this.updateIf(key.notice(id), {
      update: 'SET jws = :jws',
      condition: previous
        ? 'attribute_exists(pk) AND jws = :previous'
        : 'attribute_exists(pk) AND attribute_not_exists(jws)',
      values: { ':jws': jws, ...(previous ? { ':previous': previous } : {}) },
    });
    if (kept) return jws;
    const stored = (await this.getNotice(id))?.jws;
    if (!stored) throw new Error(`No notice ${id}`);
    return stored;
  }

  /** pending → held, with the reason: it leaves the pending index for its partner's held list. */
  async holdNotice(notice: NoticeRecord, reason: NoticeHeldReason): Promise<boolean> {
    return this.updateIf(key.notice(notice.id), {
      update: 'SET #status = :held, heldReason = :reason, gsi1pk = :held_index',
      condition: PENDING.condition,
      values: {
        ...PENDING.values,
        ':held': 'held',
        ':reason': reason,
        ':held_index': heldNotices(notice.partnerCode),
      },
    });
  }

  /**
   * held → pending in a new round (the held round ended): back in the pending index, so the sweep
   * starts it if the caller cannot. Returns the new round, or undefined if it was not held.
   */
  async releaseNotice(notice: NoticeRecord): Promise<number | undefined> {
    const round = (notice.round ?? 1) + 1;
    const released = await this.updateIf(key.notice(notice.id), {
      update: 'SET #status = :pending, gsi1pk = :pending_index, round = :round REMOVE heldReason',
      condition: '#status = :held',
      values: { ...PENDING.values, ':held': 'held', ':pending_index': PENDING_NOTICES, ':round': round },
    });
    return released ? round : undefined;
  }

  /** Moves a pending notice from the round that ended to the next, once: false if someone else did. */
  async nextNoticeRound(notice: NoticeRecord): Promise<number | undefined> {
    const from = notice.round ?? 1;
    const moved = await this.updateIf(key.notice(notice.id), {
      update: 'SET round = :next',
      condition: `${PENDING.condition} AND ${from === 1 ? '(attribute_not_exists(round) OR round = :from)' : 'round = :from'}`,
      values: { ...PENDING.values, ':from': from, ':next': from + 1 },
    });
    return moved ? from + 1 : undefined;
  }

  /** Records a delivery attempt; an acknowledged notice leaves the pending index and is never sent again. */
  async withdrawNotice(id: string, why: { at: Date; reason: string }): Promise<boolean> {
    return this.updateIf(key.notice(id), {
      update:
        'SET #status = :withdrawn, withdrawnAt = :at, withdrawnReason = :reason REMOVE gsi1pk, gsi1sk, lastError',
      condition: PENDING.condition,
      values: {
        ...PENDING.values,
        ':withdrawn': 'withdrawn',
        ':at': why.at.toISOString(),
        ':reason': why.reason,
      },
    });
  }

  async recordNoticeAttempt(id: string, outcome: DeliveryOutcome): Promise<void> {
    await this.db.send(
      new UpdateCommand(
        updateOf(this.table, key.notice(id), {
          update: outcome.delivered
            ? 'SET attempts = attempts + :one, lastAttemptAt = :at, deliveredAt = :at, #status = :delivered REMOVE gsi1pk, gsi1sk, lastError'
            : 'SET attempts = attempts + :one, lastAttemptAt = :at, lastError = :error',
          condition: PENDING.condition,
          values: {
            ...PENDING.values,
            ':one': 1,
            ':at': outcome.at.toISOString(),
            ...(outcome.delivered ? { ':delivered': 'delivered' } : { ':error': outcome.error }),
          },
        }),
      ),
    );
  }
}
