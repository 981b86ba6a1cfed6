// What the evaluation body's admins manage: occupations, exams with their item banks and rubrics,
// sessions, and the people (candidates' registration and the assessor pool). Enough to run the system
// without touching the database.
import { randomBytes } from 'node:crypto';
import { type DynamoDbCertificationStore, StateConflict } from '../adapters/dynamodb-certification-store.js';
import {
  type Exam,
  examProblems,
  identityHash,
  isNationalId,
  occupation,
  type PassPolicyInput,
  passPolicy,
} from '../domain/index.js';
import type { CertificationWorkflow, PersonRecord, SessionRecord } from '../ports.js';
import { badRequest, HttpError, notFound } from '../shared/http.js';
import { NOT_STOPPED } from './messages.js';

export interface AdminDeps {
  store: DynamoDbCertificationStore;
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
    throw badRequest((error as Error).message);
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
  if (!found) throw badRequest(`Unknown occupation ${body.occupationCode}; create it first`);
  let policy: Exam['policy'];
  try {
    policy = passPolicy(body.policy);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  const { occupationCode: _code, ...rest } = body;
  const exam: Exam = { ...rest, id: examId, occupation: found, policy };
  const problems = examProblems(exam);
  if (exam.level <= 2)
    problems.push('levels 2 and 1 need a comprehensive review panel, which this release does not run yet');
  if (problems.length > 0) throw badRequest('The exam is not sound', problems);
  await deps.store.putExam(exam);
  return { examId, policy: { version: policy.version, hash: policy.hash }, items: exam.items.length };
}

export async function putSession(
  deps: AdminDeps,
  sessionId: string,
  body: Omit<SessionRecord, 'id' | 'seatsTaken'>,
) {
  if (!(await deps.store.getExam(body.examId))) throw badRequest(`Unknown exam ${body.examId}`);
  if (!(Date.parse(body.opensAt) < Date.parse(body.closesAt)))
    throw badRequest('A session must open before it closes');
  const existing = await deps.store.getSession(sessionId);
  const session: SessionRecord = { ...body, id: sessionId, seatsTaken: existing?.seatsTaken ?? 0 };
  if (session.seatsTaken > session.seatLimit)
    throw badRequest(`${session.seatsTaken} seats are already taken`);
  await deps.store.putSession(session);
  return session;
}

export async function putPerson(
  deps: AdminDeps,
  sub: string,
  body: Omit<PersonRecord, 'sub' | 'identityHash' | 'identitySalt'> & { nationalId?: string },
) {
  const existing = await deps.store.getPerson(sub);
  const { nationalId, ...rest } = body;
  let identity: Pick<PersonRecord, 'identityHash' | 'identitySalt'> = {
    ...(existing?.identityHash
      ? { identityHash: existing.identityHash, identitySalt: existing.identitySalt }
      : {}),
  };
  if (nationalId !== undefined) {
    if (!isNationalId(nationalId))
      throw badRequest('nationalId is not a valid 18-character resident identity number');
    // A salt per person: the same ID hashes differently for different holders' credentials.
    const salt = existing?.identitySalt ?? randomBytes(16).toString('base64url');
    identity = { identityHash: identityHash(nationalId, salt), identitySalt: salt };
  }
  const person: PersonRecord = { ...rest, sub, ...identity };
  await deps.store.putPerson(person);
  // The ID number is not echoed back, stored or logged.
  const { identitySalt: _salt, ...visible } = person;
  return visible;
}

export async function listExams(deps: AdminDeps) {
  const exams = await deps.store.listExams();
  return {
    exams: exams.map((e) => ({
      examId: e.id,
      title: e.title,
      occupation: e.occupation,
      level: e.level,
      items: e.items.length,
      policy: { version: e.policy.version, hash: e.policy.hash },
    })),
  };
}

export async function getPerson(deps: AdminDeps, sub: string) {
  const person = await deps.store.getPerson(sub);
  if (!person) throw notFound('No such person');
  const { identitySalt: _salt, ...visible } = person;
  return visible;
}

/** An attempt as the evaluation body sees it: status, errors and resumes, reviews, and its workflow. */
export async function attemptForAdmin(deps: AdminDeps, attemptId: string) {
  const attempt = await deps.store.getAttempt(attemptId);
  if (!attempt) throw notFound('No such attempt');
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
  if (!attempt) throw notFound('No such attempt');
  const execution = await workflowOf(deps).describe(attemptId);
  const redrive = (execution?.redriveCount ?? 0) + 1;
  const pending = attempt.lastResume === redrive - 1 && execution?.status === 'RUNNING';
  // Stopped by an error RecordError recorded, or ended without reaching it (aborted by an operator,
  // timed out after 90 days): either way the execution is there to be redriven.
  const ended = execution !== undefined && ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(execution.status);
  if (!attempt.error && !ended && !pending)
    throw new HttpError(409, 'NotStopped', NOT_STOPPED.en, NOT_STOPPED);
  if (!execution)
    throw new HttpError(409, 'NotStopped', 'This attempt has no workflow to resume', NOT_STOPPED);
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
      throw new HttpError(409, 'NotResumable', `The workflow cannot be resumed: ${(error as Error).message}`);
    throw error;
  }
  const after = await deps.store.getAttempt(attemptId);
  return { attemptId, status: 'resuming', resumes: after?.resumes ?? [entry] };
}
