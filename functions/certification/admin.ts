// What the evaluation body's admins manage: occupations, exams with their item banks and rubrics,
// sessions, and the people (candidates' registration and the assessor pool). Enough to run the system
// without touching the database.
import { randomUUID } from 'node:crypto';
import {
  answersBytesBound,
  type Exam,
  examProblems,
  identityMacInput,
  isNationalId,
  maskNationalId,
  OccupationError,
  occupation,
  type PassPolicyInput,
  PolicyError,
  parseInstant,
  passPolicy,
} from '../domain/index.js';
import {
  type AttemptRecords,
  type CertificationWorkflow,
  type ExamCatalogue,
  type IdentityKey,
  IdentityTaken,
  MAX_ANSWERS_BYTES,
  type MarkingRecords,
  type PeopleRegister,
  type PersonRecord,
  type SessionRecord,
  StateConflict,
} from '../ports.js';
import { badRequest, conflict, HttpError, notFound, type PageRequest, tooLarge } from '../shared/http.js';
import { NOT_STOPPED } from './messages.js';

/** A session is a room: more seats than this would be one hot record for every start (docs, "Capacity"). */
export const MAX_SEATS_PER_SESSION = 1000;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export interface AdminDeps {
  store: ExamCatalogue & AttemptRecords & MarkingRecords;
  now?: () => Date;
  /** The attempts' certification workflow, to see and resume a stopped one. */
  workflow?: CertificationWorkflow;
}

function workflowOf(deps: AdminDeps): CertificationWorkflow {
  if (!deps.workflow) throw new Error('The admin API is not wired to the certification workflow');
  return deps.workflow;
}

export async function putOccupation(deps: AdminDeps, code: string, body: { nameZh: string; nameEn: string }) {
  let value: ReturnType<typeof occupation>;
  try {
    value = occupation(code, body.nameZh, body.nameEn);
  } catch (error) {
    if (error instanceof OccupationError) throw badRequest(error.bilingual);
    throw error;
  }
  await deps.store.putOccupation(value);
  return value;
}

export async function putExam(
  deps: AdminDeps,
  examId: string,
  body: Omit<Exam, 'id' | 'occupation' | 'policy'> & { occupationCode: string; policy: PassPolicyInput },
) {
  const found = await deps.store.getOccupation(body.occupationCode);
  if (!found)
    throw badRequest({
      en: `occupationCode: unknown occupation ${body.occupationCode}; create it first`,
      zh: `occupationCode：职业 ${body.occupationCode} 不存在，请先创建`,
    });
  let policy: Exam['policy'];
  try {
    policy = passPolicy(body.policy);
  } catch (error) {
    if (error instanceof PolicyError) throw badRequest(error.bilingual);
    throw error;
  }
  const { occupationCode: _code, ...rest } = body;
  const exam: Exam = { ...rest, id: examId, occupation: found, policy };
  const problems = examProblems(exam);
  if (exam.level <= 2)
    problems.push('levels 2 and 1 need a comprehensive review panel, which this release does not run yet');
  if (problems.length > 0)
    throw badRequest(
      { en: `The exam is not sound: ${problems.join('; ')}`, zh: `考试设置有误：${problems.join('；')}` },
      problems,
    );
  // Sizes as DynamoDB counts them, known before anything is written.
  const fit = deps.store.examFit(exam);
  if (!fit.fits)
    throw tooLarge(
      fit.part === 'bank'
        ? {
            en: `The item bank takes ${kb(fit.bytes)}; an exam holds at most ${kb(fit.limit)} of items. Split it into two exams or shorten the items.`,
            zh: `题库大小为 ${kb(fit.bytes)}，一门考试的题库最多 ${kb(fit.limit)}。请拆分为两门考试或精简题目。`,
          }
        : {
            en: `The exam without its items (title, blueprint, rubric, policy) takes ${kb(fit.bytes)}; at most ${kb(fit.limit)} is stored. Shorten the rubric descriptions.`,
            zh: `考试题目以外的部分（名称、组卷方案、评分细则、合格标准）为 ${kb(fit.bytes)}，最多可存 ${kb(fit.limit)}。请精简评分细则的描述。`,
          },
      { bytes: fit.bytes, limit: fit.limit, part: fit.part },
    );
  const answers = answersBytesBound(exam);
  if (answers > MAX_ANSWERS_BYTES)
    throw badRequest(
      {
        en: `A paper of this exam could take ${kb(answers)} to answer, more than the ${kb(MAX_ANSWERS_BYTES)} an attempt can hold; draw fewer items per paper (fill-in and multiple-choice answers are the largest).`,
        zh: `本考试一份试卷的作答最多可达 ${kb(answers)}，超过一次考试记录可保存的 ${kb(MAX_ANSWERS_BYTES)}；请减少每份试卷的题目数量（填空题和多选题的作答最大）。`,
      },
      { answersBytes: answers, limit: MAX_ANSWERS_BYTES },
    );
  await deps.store.putExam(exam);
  return { examId, policy: { version: policy.version, hash: policy.hash }, items: exam.items.length };
}

export async function putSession(
  deps: AdminDeps,
  sessionId: string,
  body: Omit<SessionRecord, 'id' | 'seatsTaken'>,
) {
  if (!(await deps.store.getExam(body.examId)))
    throw badRequest({ en: `examId: unknown exam ${body.examId}`, zh: `examId：考试 ${body.examId} 不存在` });
  // Instants with their offset (any offset), stored as UTC ISO instants: string order is then time order.
  const opensAt = parseInstant(body.opensAt);
  const closesAt = parseInstant(body.closesAt);
  const badTime = (field: string, value: string) =>
    badRequest({
      en: `${field} must be a date and time with its offset, such as 2027-03-01T08:00:00+08:00; got '${value}'`,
      zh: `${field} 须为带时区偏移的日期时间，例如 2027-03-01T08:00:00+08:00；收到的是“${value}”`,
    });
  if (!opensAt) throw badTime('opensAt', body.opensAt);
  if (!closesAt) throw badTime('closesAt', body.closesAt);
  if (!(opensAt.getTime() < closesAt.getTime()))
    throw badRequest({ en: 'A session must open before it closes', zh: '考试场次的开始时间须早于结束时间' });
  if (!(Number.isInteger(body.seatLimit) && body.seatLimit >= 1 && body.seatLimit <= MAX_SEATS_PER_SESSION))
    throw badRequest({
      en: `seatLimit must be a whole number from 1 to ${MAX_SEATS_PER_SESSION}; hold a larger exam as several sessions`,
      zh: `座位数须为 1 到 ${MAX_SEATS_PER_SESSION} 之间的整数；更大规模的考试请分为多个场次`,
    });
  const existing = await deps.store.getSession(sessionId);
  const session: SessionRecord = {
    ...body,
    opensAt: opensAt.toISOString(),
    closesAt: closesAt.toISOString(),
    id: sessionId,
    seatsTaken: existing?.seatsTaken ?? 0,
  };
  const seatsTaken = (taken: number) => ({
    en: `${taken} seats are already taken; the limit cannot be lower`,
    zh: `已有 ${taken} 个座位被占用，座位数不能更少`,
  });
  if (session.seatsTaken > session.seatLimit) throw badRequest(seatsTaken(session.seatsTaken));
  try {
    await deps.store.putSession(session);
  } catch (error) {
    // Candidates took seats between our read and the write.
    if (error instanceof StateConflict)
      throw conflict(seatsTaken((await deps.store.getSession(sessionId))?.seatsTaken ?? session.seatLimit));
    throw error;
  }
  return session;
}

/** What admins see of a person: never the identity MAC or the legacy salted hash that stand for the ID. */
function personView(person: PersonRecord) {
  const { identityMac, identityHash, identitySalt: _salt, ...visible } = person;
  return { ...visible, identityRegistered: identityMac !== undefined || identityHash !== undefined };
}

/** Registering people needs the identity key (only that function holds it); the rest of admin does not. */
export interface PeopleDeps {
  store: PeopleRegister;
  identityKey: IdentityKey;
}

export async function putPerson(
  deps: PeopleDeps,
  sub: string,
  body: Omit<
    PersonRecord,
    'sub' | 'holderId' | 'identityMac' | 'identityHash' | 'identitySalt' | 'maskedNationalId'
  > & {
    nationalId?: string;
  },
) {
  const existing = await deps.store.getPerson(sub);
  const { nationalId, ...rest } = body;
  let identity: Pick<PersonRecord, 'identityMac' | 'identityHash' | 'identitySalt' | 'maskedNationalId'> = {
    ...(existing?.identityMac ? { identityMac: existing.identityMac } : {}),
    ...(existing?.maskedNationalId ? { maskedNationalId: existing.maskedNationalId } : {}),
    ...(existing?.identityHash
      ? { identityHash: existing.identityHash, identitySalt: existing.identitySalt }
      : {}),
  };
  if (nationalId !== undefined) {
    if (!isNationalId(nationalId))
      throw badRequest({
        en: 'nationalId is not a valid 18-character resident identity number',
        zh: 'nationalId 不是有效的 18 位居民身份号码',
      });
    // Only the keyed MAC is kept; a re-registration drops the searchable salted hash of before.
    const normalised = identityMacInput(nationalId);
    identity = {
      identityMac: await deps.identityKey.mac(normalised),
      maskedNationalId: maskNationalId(normalised),
    };
  }
  const person: PersonRecord = {
    ...rest,
    sub,
    holderId: existing?.holderId ?? `urn:uuid:${randomUUID()}`,
    ...identity,
  };
  if (person.identityMac) {
    try {
      // One person per resident ID: the ID's claim is taken in the same transaction as the record.
      await deps.store.putPersonWithIdentity(
        { ...person, identityMac: person.identityMac },
        existing?.identityMac,
      );
    } catch (error) {
      if (error instanceof IdentityTaken)
        throw conflict({
          en: 'nationalId is already registered to another person; one person holds one ID. Correct the other record first.',
          zh: 'nationalId 已登记在另一人名下；一个身份号码只能属于一人。请先更正另一条记录。',
        });
      if (error instanceof StateConflict)
        throw conflict({ en: 'The person changed meanwhile; try again', zh: '该人员记录刚被修改，请重试' });
      throw error;
    }
  } else await deps.store.putPerson(person);
  // The ID number is not echoed back, stored or logged.
  return personView(person);
}

export async function listExams(deps: AdminDeps, page: PageRequest) {
  const found = await deps.store.listExams(page);
  return {
    exams: found.items.map((e) => ({
      examId: e.id,
      title: e.title,
      occupation: e.occupation,
      level: e.level,
      items: e.itemCount,
      policy: { version: e.policy.version, hash: e.policy.hash },
    })),
    ...(found.nextToken ? { nextToken: found.nextToken } : {}),
  };
}

export async function getPerson(deps: Pick<PeopleDeps, 'store'>, sub: string) {
  const person = await deps.store.getPerson(sub);
  if (!person) throw notFound({ en: 'No such person', zh: '没有此人员' });
  return personView(person);
}

/**
 * A page of the assessor pool as the admins' list shows it: who they are and how many reviews each has
 * open, nothing about their ID. Sorted by nothing but the index (the sub): the list is for finding and
 * changing someone, not for ranking them.
 */
export async function listAssessorPool(deps: Pick<PeopleDeps, 'store'>, page: PageRequest) {
  const found = await deps.store.listAssessorPage(page);
  return {
    assessors: found.items.map((a) => ({
      sub: a.sub,
      name: a.name,
      employer: a.employer,
      trainingOrg: a.trainingOrg,
      senior: a.senior,
      openReviews: a.openReviews,
    })),
    ...(found.nextToken ? { nextToken: found.nextToken } : {}),
  };
}

/** An attempt as the evaluation body sees it: status, errors and resumes, reviews, and its workflow. */
export async function attemptForAdmin(deps: AdminDeps, attemptId: string) {
  const attempt = await deps.store.getAttempt(attemptId);
  if (!attempt) throw notFound({ en: 'No such attempt', zh: '没有此考试记录' });
  const [reviews, execution] = await Promise.all([
    deps.store.listReviews(attemptId),
    workflowOf(deps).describe(attemptId),
  ]);
  return {
    attemptId,
    candidateSub: attempt.candidateSub,
    sessionId: attempt.sessionId,
    examId: attempt.examId,
    status: attempt.status,
    ...(attempt.submittedAt ? { submittedAt: attempt.submittedAt } : {}),
    ...(attempt.decision ? { passed: attempt.decision.passed, reasons: attempt.decision.reasons } : {}),
    ...(attempt.practicalScore !== undefined && attempt.practicalScore !== null
      ? { practicalScore: attempt.practicalScore }
      : {}),
    ...(attempt.certificateNumber ? { certificateNumber: attempt.certificateNumber } : {}),
    ...(attempt.error ? { error: attempt.error } : {}),
    errors: attempt.errors ?? [],
    resumes: (attempt.resumes ?? []).map(({ by, at }) => ({ by, at })),
    reviews: reviews.map((r) => ({
      slot: r.slot,
      status: r.status,
      assessorSub: r.assessorSub,
      moderation: r.moderation,
      createdAt: r.createdAt,
      waiting: r.status === 'open' && r.taskToken !== undefined,
      ...(r.score !== undefined && r.score !== null ? { score: r.score } : {}),
      ...(r.returnReason ? { returnReason: r.returnReason } : {}),
    })),
    ...(execution ? { execution } : {}),
  };
}

/**
 * Resumes an attempt whose workflow stopped on an error: records who asked and when, then redrives the
 * stopped execution, which continues where it stopped. Asked twice (a double click), it resumes once.
 */
export async function resumeAttempt(deps: AdminDeps, adminSub: string, attemptId: string) {
  const attempt = await deps.store.getAttempt(attemptId);
  if (!attempt) throw notFound({ en: 'No such attempt', zh: '没有此考试记录' });
  const execution = await workflowOf(deps).describe(attemptId);
  const redrive = (execution?.redriveCount ?? 0) + 1;
  const pending = attempt.lastResume === redrive - 1 && execution?.status === 'RUNNING';
  // Stopped by an error RecordError recorded, or ended without reaching it (aborted by an operator,
  // timed out after 90 days): either way the execution is there to be redriven.
  const ended = execution !== undefined && ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(execution.status);
  if (!attempt.error && !ended && !pending) throw new HttpError(409, 'NotStopped', NOT_STOPPED);
  if (!execution)
    throw new HttpError(409, 'NotStopped', {
      en: 'This attempt has no workflow to resume',
      zh: '该考试没有可恢复的处理流程',
    });
  if (execution.status === 'RUNNING') {
    // Resumed a moment ago (the error is lifted as the run resumes): the same request again.
    return { attemptId, status: 'resuming', resumes: attempt.resumes ?? [] };
  }
  const entry = { by: adminSub, at: (deps.now ?? (() => new Date()))().toISOString(), redrive };
  try {
    await deps.store.recordResume(attemptId, entry);
  } catch (error) {
    // Recorded by a concurrent click for this same redrive: redrive with the same client token.
    if (!(error instanceof StateConflict)) throw error;
  }
  try {
    await workflowOf(deps).redrive(attemptId, `${attemptId}-resume-${redrive}`);
  } catch (error) {
    if ((error as Error).name === 'ExecutionNotRedrivable')
      throw new HttpError(409, 'NotResumable', {
        en: `The workflow cannot be resumed: ${(error as Error).message}`,
        zh: `处理流程无法恢复：${(error as Error).message}`,
      });
    throw error;
  }
  const after = await deps.store.getAttempt(attemptId);
  return { attemptId, status: 'resuming', resumes: after?.resumes ?? [entry] };
}
