// What a signed-in candidate can do: see open sessions, start an attempt, save answers, submit, and see
// their own attempts and certificates. A candidate never sees another's records or any answer key.
import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import {
  AnswerError,
  type Answers,
  type AttemptClock,
  acceptsWorkUntil,
  applyItemSave,
  candidateView,
  canonicalJson,
  checkAnswers,
  checkItemAnswer,
  DEFAULT_GRACE_SECONDS,
  deadline,
  drawPaper,
  type Exam,
  eligibility,
  isStale,
  LEVEL_NAMES,
  SAVED_WORK_BUDGET_BYTES,
  type SavedAnswer,
  savedItems,
  savedWorkBytes,
  tooLateAt,
  zonedIso,
} from '../domain/index.js';
import {
  AlreadyExists,
  type AttemptRecord,
  type AttemptRecords,
  type CertificateRecords,
  type ExamCatalogue,
  type ExamHeader,
  LiveAttemptExists,
  type PeopleRegister,
  SeatContention,
  StateConflict,
} from '../ports.js';
import {
  badRequest,
  busy,
  conflict,
  forbidden,
  HttpError,
  notFound,
  type PageRequest,
  tooLarge,
} from '../shared/http.js';
import { credentialJsonOf } from '../shared/signing.js';
import {
  ALREADY_SUBMITTED,
  ALREADY_SUBMITTED_CHANGED,
  ATTEMPT_STOPPED,
  ATTEMPT_SUBMITTED,
  attemptClosed,
  EVIDENCE_NOT_ASKED,
  EVIDENCE_REQUIRED,
  ITEM_SAVES_IN_USE,
  liveAttempt,
  NOT_ON_PAPER,
  SAVED_WORK_TOO_LARGE,
} from './messages.js';

const EXAM_GONE = { en: 'The exam of this attempt no longer exists', zh: '本次考试所属的考试已不存在' };

export interface CandidateDeps {
  store: ExamCatalogue & PeopleRegister & AttemptRecords & CertificateRecords;
  now: () => Date;
  /** The region's calendar: times in messages are shown in it. */
  timeZone: string;
  /** Starts the certification workflow; the execution name is the attempt id, so it starts once. */
  startWorkflow(attemptId: string): Promise<void>;
  /** Starts the attempt's deadline timer, which submits it at closesAt if still open; once per attempt. */
  startDeadlineTimer(attempt: AttemptRecord): Promise<void>;
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
  if (!attempt || attempt.candidateSub !== sub)
    throw notFound({ en: 'No such attempt', zh: '没有此考试记录' });
  return attempt;
}

/** The attempt's clock: its start, time limit and the grace its exam had when it started. */
export function clockOf(attempt: AttemptRecord): Required<AttemptClock> {
  return {
    startedAt: new Date(attempt.startedAt),
    timeLimitMinutes: attempt.timeLimitMinutes,
    graceSeconds: attempt.graceSeconds ?? DEFAULT_GRACE_SECONDS,
  };
}

/** The attempt as its candidate may see it: the paper without keys, saved answers, and results when decided. */
export async function attemptView(deps: CandidateDeps, attempt: AttemptRecord) {
  const exam = await deps.store.getExam(attempt.examId);
  if (!exam) throw notFound(EXAM_GONE);
  const clock = clockOf(attempt);
  const decided = attempt.status === 'passed' || attempt.status === 'failed';
  return {
    attemptId: attempt.id,
    sessionId: attempt.sessionId,
    exam: examSummary(exam),
    status: attempt.status,
    startedAt: attempt.startedAt,
    // The page computes time left from these and serverTime, never from the device's own clock.
    serverTime: deps.now().toISOString(),
    deadline: deadline(clock).toISOString(),
    graceSeconds: clock.graceSeconds,
    closesAt: acceptsWorkUntil(clock).toISOString(),
    ...(attempt.status === 'in-progress' ? { paper: candidateView(drawPaper(exam, attempt.seed)) } : {}),
    answers: attempt.answers,
    /** Per item: the kept answer, flag and version, so a reloaded page resumes exactly. */
    saved: savedItems(attempt),
    ...(exam.rubric.length > 0
      ? {
          practicalEvidence: attempt.practicalEvidence ?? null,
          evidenceVersion: attempt.evidenceVersion ?? 0,
        }
      : {}),
    ...(attempt.submittedAt ? { submittedAt: attempt.submittedAt } : {}),
    ...(attempt.submittedBy ? { submittedBy: attempt.submittedBy } : {}),
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
      ...(verdict.eligible ? {} : { reason: verdict.reason, reasonZh: verdict.reasonZh }),
    });
  }
  return { sessions, timeZone: deps.timeZone, ...(found.nextToken ? { nextToken: found.nextToken } : {}) };
}

export async function startAttempt(deps: CandidateDeps, sub: string, sessionId: string) {
  const session = await deps.store.getSession(sessionId);
  if (!session) throw notFound({ en: 'No such session', zh: '没有此考试场次' });
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
  if (!exam) throw notFound({ en: 'The exam of this session no longer exists', zh: '本场次的考试已不存在' });
  if (!person)
    throw forbidden({
      en: 'You are not registered as a candidate yet; ask the evaluation body',
      zh: '您尚未登记为考生，请联系评价机构',
    });
  const verdict = eligibilityFor(exam, record);
  if (!verdict.eligible) throw forbidden({ en: verdict.reason, zh: verdict.reasonZh });
  const id = randomUUID();
  const graceSeconds = exam.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  const attempt: AttemptRecord = {
    id,
    candidateSub: sub,
    sessionId,
    examId: exam.id,
    seed: id,
    startedAt: now.toISOString(),
    timeLimitMinutes: exam.timeLimitMinutes,
    graceSeconds,
    closesAt: acceptsWorkUntil({
      startedAt: now,
      timeLimitMinutes: exam.timeLimitMinutes,
      graceSeconds,
    }).toISOString(),
    status: 'in-progress',
    answers: {},
    saves: {},
  };
  // The durable timer that submits at closesAt even if the candidate never comes back, started before the
  // attempt exists: no attempt is ever without one. If the start below fails, the timer finds no attempt.
  await deps.startDeadlineTimer(attempt);
  try {
    const started = await deps.store.startAttempt(attempt, session.seatLimit);
    return { created: true, attempt: await attemptView(deps, started) };
  } catch (error) {
    if (error instanceof AlreadyExists)
      return { created: false, attempt: await attemptView(deps, error.existing as AttemptRecord) };
    if (error instanceof LiveAttemptExists) {
      const live = error.live;
      throw new HttpError(409, 'live-attempt', liveAttempt(live.id, live.status), {
        attemptId: live.id,
        status: live.status,
      });
    }
    if (error instanceof StateConflict) throw conflict({ en: 'The session is full', zh: '本场考试座位已满' });
    if (error instanceof SeatContention)
      throw busy({
        en: 'Many candidates are starting this session at this moment; try again in a second',
        zh: '此刻开始本场考试的考生很多，请稍后一秒再试',
      });
    throw error;
  }
}

/** 409 attempt-closed when `now` is past the attempt's closesAt (deadline + grace). */
function refuseWhenClosed(attempt: AttemptRecord, now: Date, timeZone = 'Asia/Shanghai'): void {
  const clock = clockOf(attempt);
  if (tooLateAt(clock, now)) {
    const closes = zonedIso(acceptsWorkUntil(clock), timeZone);
    throw new HttpError(409, 'attempt-closed', attemptClosed(closes), {
      closesAt: acceptsWorkUntil(clock).toISOString(),
    });
  }
}

function refuseUnlessInProgress(attempt: AttemptRecord, now: Date, timeZone?: string): void {
  if (attempt.status === 'in-progress') {
    refuseWhenClosed(attempt, now, timeZone);
    return;
  }
  throw new HttpError(409, 'attempt-submitted', ATTEMPT_SUBMITTED, { status: attempt.status });
}

async function examOf(deps: CandidateDeps, attempt: AttemptRecord): Promise<Exam> {
  const exam = await deps.store.getExam(attempt.examId);
  if (!exam) throw notFound(EXAM_GONE);
  return exam;
}

function validateAnswers(exam: Exam, attempt: AttemptRecord, answers: Answers) {
  try {
    checkAnswers(drawPaper(exam, attempt.seed), answers);
  } catch (error) {
    if (error instanceof AnswerError)
      throw badRequest(error.bilingual, [
        { field: 'answers', message: error.message, messageZh: error.messageZh },
      ]);
    throw error;
  }
}

/** The older whole-set save: last writer wins, so it is refused once the attempt saves item by item. */
export async function saveAnswers(deps: CandidateDeps, sub: string, attemptId: string, answers: Answers) {
  const attempt = await ownAttempt(deps, sub, attemptId);
  const now = deps.now();
  refuseUnlessInProgress(attempt, now, deps.timeZone);
  if (Object.keys(attempt.saves ?? {}).length > 0)
    throw new HttpError(409, 'item-saves-in-use', ITEM_SAVES_IN_USE);
  validateAnswers(await examOf(deps, attempt), attempt, answers);
  if (savedWorkBytes({ ...attempt, answers }) > SAVED_WORK_BUDGET_BYTES) throw tooLarge(SAVED_WORK_TOO_LARGE);
  try {
    await deps.store.saveAnswers(attemptId, answers, now.toISOString());
  } catch (error) {
    if (!(error instanceof StateConflict)) throw error;
    // Changed under us: say what it is now.
    const current = (await deps.store.getAttempt(attemptId)) as AttemptRecord;
    refuseUnlessInProgress(current, now, deps.timeZone);
    throw new HttpError(409, 'item-saves-in-use', ITEM_SAVES_IN_USE);
  }
  return { attemptId, saved: Object.keys(answers).length };
}

/**
 * Saves one item, versioned: the server keeps the highest version per item, so a late or retried older
 * save changes nothing (200, stale). Refused once the attempt is submitted or past closesAt.
 */
export async function saveItem(
  deps: CandidateDeps,
  sub: string,
  attemptId: string,
  itemId: string,
  body: { answer: SavedAnswer; flagged: boolean; version: number },
) {
  const attempt = await ownAttempt(deps, sub, attemptId);
  const kept = attempt.saves?.[itemId];
  const now = deps.now();
  refuseUnlessInProgress(attempt, now, deps.timeZone);
  const exam = await examOf(deps, attempt);
  try {
    checkItemAnswer(drawPaper(exam, attempt.seed), itemId, body.answer);
  } catch (error) {
    if (!(error instanceof AnswerError)) throw error;
    const onPaper = drawPaper(exam, attempt.seed).items.some((p) => p.item.id === itemId);
    throw onPaper
      ? badRequest(error.bilingual, [{ field: 'answer', message: error.message, messageZh: error.messageZh }])
      : badRequest(NOT_ON_PAPER(itemId), [
          { field: 'itemId', message: error.message, messageZh: error.messageZh },
        ]);
  }
  if (isStale(kept, body.version)) return { itemId, version: kept?.version, stale: true };
  const save = { version: body.version, flagged: body.flagged, at: now.toISOString() };
  if (
    savedWorkBytes({
      ...applyItemSave(attempt, itemId, body.answer, save),
      ...(attempt.practicalEvidence !== undefined ? { practicalEvidence: attempt.practicalEvidence } : {}),
    }) > SAVED_WORK_BUDGET_BYTES
  ) {
    throw tooLarge(SAVED_WORK_TOO_LARGE);
  }
  if (!attempt.saves) await deps.store.ensureSaves(attemptId);
  if (await deps.store.saveItem(attemptId, itemId, body.answer, save, save.at)) {
    return { itemId, version: save.version, acknowledgedAt: save.at };
  }
  // The conditional write refused it: a newer version won a race, or the attempt closed meanwhile.
  const current = (await deps.store.getAttempt(attemptId)) as AttemptRecord;
  refuseUnlessInProgress(current, now, deps.timeZone);
  return { itemId, version: current.saves?.[itemId]?.version, stale: true };
}

/** Saves the practical evidence, versioned like an item. Only for an exam with a practical part. */
export async function saveEvidence(
  deps: CandidateDeps,
  sub: string,
  attemptId: string,
  body: { evidence: string; version: number },
) {
  const attempt = await ownAttempt(deps, sub, attemptId);
  const now = deps.now();
  refuseUnlessInProgress(attempt, now, deps.timeZone);
  const exam = await examOf(deps, attempt);
  if (exam.rubric.length === 0) throw new HttpError(409, 'evidence-not-asked', EVIDENCE_NOT_ASKED);
  if (attempt.evidenceVersion !== undefined && body.version <= attempt.evidenceVersion) {
    return { version: attempt.evidenceVersion, stale: true };
  }
  if (savedWorkBytes({ ...attempt, practicalEvidence: body.evidence }) > SAVED_WORK_BUDGET_BYTES) {
    throw tooLarge(SAVED_WORK_TOO_LARGE);
  }
  const at = now.toISOString();
  if (await deps.store.saveEvidence(attemptId, body.evidence, body.version, at)) {
    return { version: body.version, acknowledgedAt: at };
  }
  const current = (await deps.store.getAttempt(attemptId)) as AttemptRecord;
  refuseUnlessInProgress(current, now, deps.timeZone);
  return { version: current.evidenceVersion, stale: true };
}

/** Whether this attempt's exam asks for practical evidence and none is there. */
function lacksEvidence(exam: Exam, evidence: string | undefined): boolean {
  return exam.rubric.length > 0 && (evidence === undefined || evidence.trim() === '');
}

/**
 * Submits with the kept answers (or, on the older route, the set given) and evidence. Submitting again
 * changes nothing and says so; a repeat that carries different work is refused rather than dropped.
 */
export async function submitAttempt(
  deps: CandidateDeps,
  sub: string,
  attemptId: string,
  body: { answers?: Answers; practicalEvidence?: string },
) {
  const attempt = await ownAttempt(deps, sub, attemptId);
  // Submitting again cannot restart a stopped workflow (its execution name is taken): say what happened.
  if (attempt.status === 'error') throw new HttpError(409, 'AttemptStopped', ATTEMPT_STOPPED);
  let submitted = false;
  if (attempt.status === 'in-progress') {
    const now = deps.now();
    refuseWhenClosed(attempt, now, deps.timeZone);
    const exam = await examOf(deps, attempt);
    if (body.answers !== undefined) {
      if (Object.keys(attempt.saves ?? {}).length > 0) {
        throw new HttpError(409, 'item-saves-in-use', ITEM_SAVES_IN_USE, [
          { field: 'answers', message: ITEM_SAVES_IN_USE.en, messageZh: ITEM_SAVES_IN_USE.zh },
        ]);
      }
      validateAnswers(exam, attempt, body.answers);
    }
    const evidence = body.practicalEvidence ?? attempt.practicalEvidence;
    if (lacksEvidence(exam, evidence)) {
      throw new HttpError(409, 'evidence-required', EVIDENCE_REQUIRED, [
        { field: 'practicalEvidence', message: EVIDENCE_REQUIRED.en, messageZh: EVIDENCE_REQUIRED.zh },
      ]);
    }
    if (body.practicalEvidence !== undefined && exam.rubric.length === 0) {
      throw new HttpError(409, 'evidence-not-asked', EVIDENCE_NOT_ASKED, [
        { field: 'practicalEvidence', message: EVIDENCE_NOT_ASKED.en, messageZh: EVIDENCE_NOT_ASKED.zh },
      ]);
    }
    submitted = await deps.store.markSubmitted(attemptId, {
      at: now.toISOString(),
      by: 'candidate',
      ...(body.answers !== undefined ? { answers: body.answers } : {}),
      ...(body.practicalEvidence !== undefined ? { practicalEvidence: body.practicalEvidence } : {}),
      notAfter: now.toISOString(),
    });
    if (!submitted) {
      // Someone else (a second tab, the deadline timer) got there first, or time ran out meanwhile.
      const current = (await deps.store.getAttempt(attemptId)) as AttemptRecord;
      // Still in progress, so the write's closesAt condition refused it: the time ran out just now.
      if (current.status === 'in-progress')
        refuseWhenClosed(current, new Date(Date.parse(current.closesAt ?? '') + 1), deps.timeZone);
    }
  }
  const current = submitted ? undefined : ((await deps.store.getAttempt(attemptId)) as AttemptRecord);
  if (current) {
    // A repeat: the work it carries must be what was submitted, or it would be silently dropped.
    const differs =
      (body.answers !== undefined && canonicalJson(body.answers) !== canonicalJson(current.answers)) ||
      (body.practicalEvidence !== undefined && body.practicalEvidence !== current.practicalEvidence);
    if (differs) {
      throw new HttpError(409, 'already-submitted', ALREADY_SUBMITTED_CHANGED, {
        submittedAt: current.submittedAt,
      });
    }
  }
  // Submitted by this call or an earlier one: (re)start the workflow; the execution name makes it once.
  await deps.startWorkflow(attemptId);
  const view = await attemptView(deps, (await deps.store.getAttempt(attemptId)) as AttemptRecord);
  return submitted
    ? { submitted: true, attempt: view }
    : {
        submitted: false,
        attempt: { ...view, unchanged: true, message: ALREADY_SUBMITTED.en, messageZh: ALREADY_SUBMITTED.zh },
      };
}

/**
 * The deadline timer's step: at closesAt, submits the attempt with what the server acknowledged, if the
 * candidate has not, and makes sure the certification workflow runs (its execution name makes it once,
 * however the candidate's own submit raced this). Runs again safely.
 */
export async function submitAtDeadline(
  deps: Pick<CandidateDeps, 'store' | 'now' | 'startWorkflow'>,
  attemptId: string,
): Promise<{ outcome: 'submitted-at-deadline' | 'already-submitted' | 'no-attempt' }> {
  const attempt = await deps.store.getAttempt(attemptId);
  // A timer started for an attempt whose start then failed (the session was full): nothing to do.
  if (!attempt) return { outcome: 'no-attempt' };
  let submitted = false;
  if (attempt.status === 'in-progress') {
    const now = deps.now();
    if (now.getTime() < acceptsWorkUntil(clockOf(attempt)).getTime()) {
      // The timer woke a moment before the Lambda's clock reached closesAt: the state machine retries.
      throw new DeadlineNotReached(`Attempt ${attemptId} closes at ${attempt.closesAt}`);
    }
    submitted = await deps.store.markSubmitted(attemptId, { at: now.toISOString(), by: 'deadline' });
  }
  const current = submitted ? undefined : await deps.store.getAttempt(attemptId);
  if (submitted || current?.status === 'submitted') await deps.startWorkflow(attemptId);
  return { outcome: submitted ? 'submitted-at-deadline' : 'already-submitted' };
}

/** Thrown when the deadline step runs before closesAt by the function's clock; retried by the timer. */
export class DeadlineNotReached extends Error {
  override name = 'DeadlineNotReached';
}

export async function myAttempts(deps: CandidateDeps, sub: string, page: PageRequest) {
  const found = await deps.store.listAttempts(sub, page);
  // The exam as the candidate knows it (its title, not its id): one batch read for the page.
  const exams = await deps.store.getExamHeaders([...new Set(found.items.map((a) => a.examId))]);
  return {
    attempts: found.items.map((a) => ({
      attemptId: a.id,
      sessionId: a.sessionId,
      examId: a.examId,
      ...(exams.has(a.examId) ? { exam: examSummary(exams.get(a.examId) as ExamHeader) } : {}),
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
