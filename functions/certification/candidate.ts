// What a signed-in candidate can do: see open sessions, start an attempt, save answers, submit, and see
// their own attempts and certificates. A candidate never sees another's records or any answer key.
import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import {
  AlreadyExists,
  type DynamoDbCertificationStore,
  type ExamHeader,
  SeatContention,
  StateConflict,
} from '../adapters/dynamodb-certification-store.js';
import {
  AnswerError,
  type Answers,
  acceptsWorkAt,
  candidateView,
  checkAnswers,
  deadline,
  drawPaper,
  type Exam,
  eligibility,
  LEVEL_NAMES,
  zonedIso,
} from '../domain/index.js';
import type { AttemptRecord } from '../ports.js';
import {
  badRequest,
  busy,
  conflict,
  forbidden,
  HttpError,
  notFound,
  type PageRequest,
} from '../shared/http.js';
import { credentialJsonOf } from '../shared/signing.js';
import { ATTEMPT_STOPPED } from './messages.js';

export interface CandidateDeps {
  store: DynamoDbCertificationStore;
  now: () => Date;
  /** The region's calendar: times in messages are shown in it. */
  timeZone: string;
  /** Starts the certification workflow; the execution name is the attempt id, so it starts once. */
  startWorkflow(attemptId: string): Promise<void>;
}

function examSummary(exam: Exam | ExamHeader) {
  return {
    examId: exam.id,
    title: exam.title,
    occupation: exam.occupation,
    level: exam.level,
    levelName: LEVEL_NAMES[exam.level],
    timeLimitMinutes: exam.timeLimitMinutes,
    hasPractical: exam.rubric.length > 0,
  };
}

/** What the eligibility rules need to know about a candidate: certificates held and years of work. */
async function candidateRecord(deps: CandidateDeps, sub: string) {
  const [person, certificates] = await Promise.all([
    deps.store.getPerson(sub),
    deps.store.listCertificates(sub),
  ]);
  return {
    person,
    record: {
      certificates: certificates.map((c) => ({
        occupationCode: c.occupationCode,
        level: c.level as Exam['level'],
        status: c.status,
      })),
      yearsOfWork: person?.yearsOfWork ?? {},
    },
  };
}

function eligibilityFor(
  exam: Exam | ExamHeader,
  record: Awaited<ReturnType<typeof candidateRecord>>['record'],
) {
  return eligibility(
    {
      occupationCode: exam.occupation.code,
      level: exam.level,
      ...(exam.yearsOfWorkInstead !== undefined ? { yearsOfWorkInstead: exam.yearsOfWorkInstead } : {}),
    },
    record,
  );
}

async function ownAttempt(deps: CandidateDeps, sub: string, attemptId: string): Promise<AttemptRecord> {
  const attempt = await deps.store.getAttempt(attemptId);
  // Someone else's attempt is "not found": we do not confirm it exists.
  if (!attempt || attempt.candidateSub !== sub) throw notFound('No such attempt');
  return attempt;
}

/** The attempt as its candidate may see it: the paper without keys, saved answers, and results when decided. */
export async function attemptView(deps: CandidateDeps, attempt: AttemptRecord) {
  const exam = await deps.store.getExam(attempt.examId);
  if (!exam) throw notFound('The exam of this attempt no longer exists');
  const clock = { startedAt: new Date(attempt.startedAt), timeLimitMinutes: attempt.timeLimitMinutes };
  const decided = attempt.status === 'passed' || attempt.status === 'failed';
  return {
    attemptId: attempt.id,
    sessionId: attempt.sessionId,
    exam: examSummary(exam),
    status: attempt.status,
    startedAt: attempt.startedAt,
    deadline: deadline(clock).toISOString(),
    ...(attempt.status === 'in-progress' ? { paper: candidateView(drawPaper(exam, attempt.seed)) } : {}),
    answers: attempt.answers,
    ...(attempt.submittedAt ? { submittedAt: attempt.submittedAt } : {}),
    ...(decided && attempt.decision
      ? {
          result: {
            passed: attempt.decision.passed,
            components: attempt.decision.results.map((r) => ({
              component: r.component,
              score: r.score,
              passMark: r.passMark,
            })),
            reasons: attempt.decision.reasons,
            policy: attempt.decision.policy,
          },
        }
      : {}),
    ...(attempt.certificateNumber ? { certificateNumber: attempt.certificateNumber } : {}),
    // Stopped by an error: said plainly, without internals; an admin resumes it.
    ...(attempt.status === 'error' ? { notice: ATTEMPT_STOPPED } : {}),
    ...(attempt.resumes?.length ? { resumes: attempt.resumes.map((r) => ({ at: r.at })) } : {}),
  };
}

/** Sessions not closed yet, a page at a time, each with the exam and whether this candidate may sit it. */
export async function openSessions(deps: CandidateDeps, sub: string, page: PageRequest) {
  const [found, { record }] = await Promise.all([
    deps.store.listOpenSessions(deps.now(), page),
    candidateRecord(deps, sub),
  ]);
  const sessions = [];
  for (const { session, exam } of found.items) {
    if (!exam) continue;
    const verdict = eligibilityFor(exam, record);
    sessions.push({
      sessionId: session.id,
      opensAt: session.opensAt,
      closesAt: session.closesAt,
      location: session.location,
      seatsLeft: Math.max(0, session.seatLimit - session.seatsTaken),
      exam: examSummary(exam),
      eligible: verdict.eligible,
      ...(verdict.eligible ? {} : { reason: verdict.reason }),
    });
  }
  return { sessions, timeZone: deps.timeZone, ...(found.nextToken ? { nextToken: found.nextToken } : {}) };
}

export async function startAttempt(deps: CandidateDeps, sub: string, sessionId: string) {
  const session = await deps.store.getSession(sessionId);
  if (!session) throw notFound('No such session');
  const now = deps.now();
  // Instants, compared as instants: a window typed as 08:00–12:00+08:00 is open at 09:00 Beijing time.
  const opens = Date.parse(session.opensAt);
  const closes = Date.parse(session.closesAt);
  if (!(now.getTime() >= opens && now.getTime() < closes)) {
    const [from, to, at] = [opens, closes, now.getTime()].map((t) => zonedIso(new Date(t), deps.timeZone));
    throw conflict({
      en: `This session is not open now: it is open from ${from} to ${to}, and it is ${at}`,
      zh: `本场考试现在不开放：开放时间为 ${from} 至 ${to}，当前时间为 ${at}`,
    });
  }
  const [exam, { person, record }] = await Promise.all([
    deps.store.getExam(session.examId),
    candidateRecord(deps, sub),
  ]);
  if (!exam) throw notFound('The exam of this session no longer exists');
  if (!person) throw forbidden('You are not registered as a candidate yet; ask the evaluation body');
  const verdict = eligibilityFor(exam, record);
  if (!verdict.eligible) throw forbidden(verdict.reason);
  const id = randomUUID();
  const attempt: AttemptRecord = {
    id,
    candidateSub: sub,
    sessionId,
    examId: exam.id,
    seed: id,
    startedAt: now.toISOString(),
    timeLimitMinutes: exam.timeLimitMinutes,
    status: 'in-progress',
    answers: {},
  };
  try {
    return {
      created: true,
      attempt: await attemptView(deps, await deps.store.startAttempt(attempt, session.seatLimit)),
    };
  } catch (error) {
    if (error instanceof AlreadyExists)
      return { created: false, attempt: await attemptView(deps, error.existing as AttemptRecord) };
    if (error instanceof StateConflict) throw conflict({ en: 'The session is full', zh: '本场考试座位已满' });
    if (error instanceof SeatContention)
      throw busy({
        en: 'Many candidates are starting this session at this moment; try again in a second',
        zh: '此刻开始本场考试的考生很多，请稍后一秒再试',
      });
    throw error;
  }
}

function validateAnswers(deps: CandidateDeps, exam: Exam, attempt: AttemptRecord, answers: Answers) {
  try {
    checkAnswers(drawPaper(exam, attempt.seed), answers);
  } catch (error) {
    if (error instanceof AnswerError) throw badRequest(error.message);
    throw error;
  }
  const clock = { startedAt: new Date(attempt.startedAt), timeLimitMinutes: attempt.timeLimitMinutes };
  if (!acceptsWorkAt(clock, deps.now()))
    throw new HttpError(409, 'TimeUp', 'The time for this attempt is over');
}

export async function saveAnswers(deps: CandidateDeps, sub: string, attemptId: string, answers: Answers) {
  const attempt = await ownAttempt(deps, sub, attemptId);
  if (attempt.status !== 'in-progress') throw conflict('This attempt has been submitted');
  const exam = await deps.store.getExam(attempt.examId);
  if (!exam) throw notFound('The exam of this attempt no longer exists');
  validateAnswers(deps, exam, attempt, answers);
  try {
    await deps.store.saveAnswers(attemptId, answers);
  } catch (error) {
    if (error instanceof StateConflict) throw conflict('This attempt has been submitted');
    throw error;
  }
  return { attemptId, saved: Object.keys(answers).length };
}

export async function submitAttempt(
  deps: CandidateDeps,
  sub: string,
  attemptId: string,
  body: { answers?: Answers; practicalEvidence?: string },
) {
  const attempt = await ownAttempt(deps, sub, attemptId);
  // Submitting again cannot restart a stopped workflow (its execution name is taken): say what happened.
  if (attempt.status === 'error')
    throw new HttpError(409, 'AttemptStopped', ATTEMPT_STOPPED.en, ATTEMPT_STOPPED);
  if (attempt.status === 'in-progress') {
    const exam = await deps.store.getExam(attempt.examId);
    if (!exam) throw notFound('The exam of this attempt no longer exists');
    const answers = body.answers ?? attempt.answers;
    validateAnswers(deps, exam, attempt, answers);
    await deps.store.markSubmitted(attemptId, answers, deps.now().toISOString(), body.practicalEvidence);
  }
  // Submitted by this call or an earlier one: (re)start the workflow; the execution name makes it once.
  await deps.startWorkflow(attemptId);
  return attemptView(deps, (await deps.store.getAttempt(attemptId)) as AttemptRecord);
}

export async function myAttempts(deps: CandidateDeps, sub: string, page: PageRequest) {
  const found = await deps.store.listAttempts(sub, page);
  return {
    attempts: found.items.map((a) => ({
      attemptId: a.id,
      sessionId: a.sessionId,
      examId: a.examId,
      status: a.status,
      startedAt: a.startedAt,
      ...(a.decision ? { passed: a.decision.passed } : {}),
      ...(a.certificateNumber ? { certificateNumber: a.certificateNumber } : {}),
    })),
    ...(found.nextToken ? { nextToken: found.nextToken } : {}),
  };
}

export async function getAttempt(deps: CandidateDeps, sub: string, attemptId: string) {
  return attemptView(deps, await ownAttempt(deps, sub, attemptId));
}

export async function myCertificates(deps: CandidateDeps, sub: string, page: PageRequest) {
  const found = await deps.store.listCertificatesPage(sub, page);
  return {
    ...(found.nextToken ? { nextToken: found.nextToken } : {}),
    certificates: found.items.map((c) => ({
      number: c.number,
      status: c.status,
      issuedAt: c.issuedAt,
      occupationCode: c.occupationCode,
      level: c.level,
      jws: c.jws,
      kid: decodeProtectedHeader(c.jws).kid,
      // The signed JSON form (the credential with its embedded proof), as in the JWS payload; for a
      // certificate issued before embedded proofs, the payload as it was signed.
      credential: credentialJsonOf(c.jws),
    })),
  };
}
