// The steps of the certification state machine. Each is idempotent: run twice (a Lambda retry, a
// resumed or redriven execution) it finds its own earlier work and answers the same.
import { backOff } from 'exponential-backoff';
import { isTransientDynamoDbError } from '../adapters/dynamodb-table.js';
import {
  assignAssessors,
  BLIND_CHAINS,
  buildCredential,
  type Component,
  calendarYear,
  certificateSerialCounter,
  certificateValidUntil,
  chainState,
  combineMarks,
  decide,
  drawPaper,
  type Exam,
  formatCertificateNumber,
  gradeTheory,
  MODERATION_CHAIN,
  nextStatusPosition,
  requiredComponents,
  slotParts,
  statusListOf,
  successorSlot,
} from '../domain/index.js';
import {
  type AttemptRecord,
  type AttemptRecords,
  type CertificateRecords,
  type CredentialSigner,
  type ExamCatalogue,
  type MarkingRecords,
  type PeopleRegister,
  type PersonRecord,
  type ReviewRecord,
  StateConflict,
} from '../ports.js';
import { publishIfUnsigned, type StatusPublicationDeps } from './status-publication.js';

/** A step failure the state machine routes by name (Error) rather than retries blindly. */
export class WorkflowError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface WorkflowDeps {
  store: ExamCatalogue & PeopleRegister & AttemptRecords & MarkingRecords & CertificateRecords;
  now: () => Date;
}

export interface IssuerSettings {
  regionCode: string;
  regionPrefix: string;
  nameZh: string;
  nameEn: string;
  did: string;
  publicUrl: string;
  /** The region's calendar: the number's year and the validity end are read in it. */
  timeZone: string;
}

async function load(deps: WorkflowDeps, attemptId: string) {
  const attempt = await deps.store.getAttempt(attemptId);
  if (!attempt) throw new WorkflowError('AttemptNotFound', `No attempt ${attemptId}`);
  const exam = await deps.store.getExam(attempt.examId);
  if (!exam) throw new WorkflowError('ExamNotFound', `No exam ${attempt.examId}`);
  const candidate = await deps.store.getPerson(attempt.candidateSub);
  if (!candidate)
    throw new WorkflowError('CandidateNotFound', `No profile for candidate ${attempt.candidateSub}`);
  return { attempt, exam, candidate };
}

/** The pool for assignAssessors, each assessor with their open reviews across all attempts (the store counts them). */
function pool(assessors: (PersonRecord & { openReviews: number })[]) {
  return assessors.map((a) => ({
    id: a.sub,
    employer: a.employer,
    trainingOrg: a.trainingOrg,
    senior: a.senior,
    openReviews: a.openReviews,
  }));
}

function asPerson(candidate: PersonRecord) {
  return { id: candidate.sub, employer: candidate.employer, trainingOrg: candidate.trainingOrg };
}

/** Grades the theory paper and opens two blind reviews of the practical work. */
export async function gradeAttempt(deps: WorkflowDeps, attemptId: string) {
  const { attempt, exam, candidate } = await load(deps, attemptId);
  if (attempt.status !== 'submitted') {
    // Already graded by an earlier run of this step (a retry, or a resumed execution): answer with the
    // blind chains still waiting for their mark, each at its latest review. Waiting on a review that was
    // closed meanwhile fails its token write, and the reassignment step then opens its replacement.
    const reviews = await deps.store.listReviews(attemptId);
    const waiting = BLIND_CHAINS.map((chain) => chainState(reviews, chain)).flatMap((state) =>
      state.kind === 'open' || state.kind === 'closed' ? [{ attemptId, slot: state.review.slot }] : [],
    );
    return { attemptId, theory: attempt.theory?.score, reviews: waiting };
  }
  const { items: _perItem, ...theory } = gradeTheory(drawPaper(exam, attempt.seed), attempt.answers);
  let reviews: ReviewRecord[] = [];
  if (exam.rubric.length > 0) {
    const assessors = await deps.store.listAssessors();
    const chosen = assignAssessors(asPerson(candidate), pool(assessors), { count: 2, seed: attemptId });
    if (!chosen.ok) throw new WorkflowError('NoAssessorAvailable', chosen.reason);
    const createdAt = deps.now().toISOString();
    reviews = chosen.assessorIds.map((assessorSub, i) => ({
      attemptId,
      slot: i === 0 ? 'A' : 'B',
      assessorSub,
      moderation: false,
      status: 'open' as const,
      createdAt,
    }));
  }
  try {
    await deps.store.startMarking({ ...attempt, theory }, reviews);
  } catch (error) {
    if (!(error instanceof StateConflict)) throw error;
    return gradeAttempt(deps, attemptId);
  }
  return { attemptId, theory: theory.score, reviews: reviews.map((r) => ({ attemptId, slot: r.slot })) };
}

/**
 * Settles a review whose wait ended without a mark reaching the workflow — the marking timeout fired, the
 * assessor returned the work, or the review was closed before the wait began — and answers what to wait
 * for next: `marked: true` when the chain has its mark (a mark that raced the timeout, or whose
 * SendTaskSuccess was lost, is kept and counts), otherwise the chain's open review, opening the replacement
 * of a review closed unmarked, for an assessor who has not seen this attempt. Idempotent: the replacement
 * of a slot is always the same slot, so a retried or repeated call opens nothing more.
 */
export async function reassignReview(
  deps: WorkflowDeps,
  attemptId: string,
  slot: string,
  reason: string,
): Promise<{ attemptId: string; slot: string; marked: boolean }> {
  const { candidate } = await load(deps, attemptId);
  const { chain } = slotParts(slot);
  for (let round = 0; round < 5; round++) {
    const reviews = await deps.store.listReviews(attemptId);
    if (!reviews.some((r) => r.slot === slot))
      throw new WorkflowError('ReviewNotFound', `No review ${slot} for ${attemptId}`);
    const state = chainState(reviews, chain);
    if (state.kind === 'marked') return { attemptId, slot: state.review.slot, marked: true };
    if (state.kind === 'none')
      throw new WorkflowError('ReviewNotFound', `No review ${slot} for ${attemptId}`);
    const latest = state.review;
    if (state.kind === 'open') {
      // A later review of this chain is already open: an earlier run of this step opened it.
      if (slotParts(latest.slot).ordinal > slotParts(slot).ordinal)
        return { attemptId, slot: latest.slot, marked: false };
      // The wait on this very review ended: close it, unless a mark or a return lands first.
      try {
        await deps.store.closeReview(latest, 'expired', { returnReason: reason });
      } catch (error) {
        if (!(error instanceof StateConflict)) await afterConflict(error, round);
      }
      continue; // read again: expired by us, or marked/returned by its assessor meanwhile
    }
    // Closed unmarked: open its replacement, once.
    const next = successorSlot(latest.slot);
    const chosen = assignAssessors(asPerson(candidate), pool(await deps.store.listAssessors()), {
      count: 1,
      seed: `${attemptId}/${next}`,
      seniorOnly: latest.moderation,
      exclude: reviews.map((r) => r.assessorSub),
    });
    if (!chosen.ok) throw new WorkflowError('NoAssessorAvailable', chosen.reason);
    try {
      await deps.store.addReview({
        attemptId,
        slot: next,
        assessorSub: chosen.assessorIds[0] as string,
        moderation: latest.moderation,
        status: 'open',
        createdAt: deps.now().toISOString(),
      });
    } catch (error) {
      // Opened by a concurrent run of this step (or being opened: its transaction held the items and
      // DynamoDB cancelled ours with TransactionConflict): read again and answer with it.
      if (!(error instanceof StateConflict)) await afterConflict(error, round);
      continue;
    }
    return { attemptId, slot: next, marked: false };
  }
  throw new WorkflowError('TransientError', `Review ${slot} of ${attemptId} kept changing; try again`);
}

/**
 * After a write DynamoDB cancelled because another transaction held one of its items (TransactionConflict,
 * nothing written): wait a short random while, so the other one can finish, before reading again. Any
 * other error is rethrown as it is.
 */
async function afterConflict(error: unknown, round: number): Promise<void> {
  if (!isTransientDynamoDbError(error)) throw error;
  await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20 * 2 ** round, 500)));
}

export type DecisionOutcome =
  | { outcome: 'moderation'; attemptId: string; slot: string }
  | { outcome: 'passed'; attemptId: string; certificateNumber: string }
  | { outcome: 'failed'; attemptId: string; reasons: string[] };

/**
 * The practical score from the marks that count: the mark of chain A and of chain B, averaged when they
 * agree; when they diverge beyond the tolerance, the moderation chain's mark (or the moderation to wait
 * for, or to open).
 */
function practicalScore(
  reviews: ReviewRecord[],
): { score: number } | { moderation: 'open' | 'closed'; slot: string } | { moderation: 'none' } {
  const marks = BLIND_CHAINS.map((chain) => {
    const state = chainState(reviews, chain);
    if (state.kind !== 'marked')
      throw new WorkflowError('MarksMissing', `Review chain ${chain} has no mark yet (${state.kind})`);
    return state.review.score as number;
  });
  const combined = combineMarks(marks[0] as number, marks[1] as number);
  if (combined.status === 'agreed') return { score: combined.score };
  const moderation = chainState(reviews, MODERATION_CHAIN);
  if (moderation.kind === 'marked') return { score: moderation.review.score as number };
  if (moderation.kind === 'none') return { moderation: 'none' };
  return { moderation: moderation.kind, slot: moderation.review.slot };
}

/** Decides the result once the marks are in: moderation, a certificate, or a recorded fail. */
export async function decideResult(
  deps: WorkflowDeps & {
    credentials: CredentialSigner;
    issuer: IssuerSettings;
    newSeed: () => string;
    /** Signs a new status list when the first certificate lands on it; absent in tests that do not look. */
    publication?: StatusPublicationDeps;
  },
  attemptId: string,
): Promise<DecisionOutcome> {
  const { attempt, exam, candidate } = await load(deps, attemptId);
  if (attempt.status === 'passed') {
    return { outcome: 'passed', attemptId, certificateNumber: attempt.certificateNumber as string };
  }
  if (attempt.status === 'failed')
    return { outcome: 'failed', attemptId, reasons: attempt.decision?.reasons ?? [] };

  const reviews = await deps.store.listReviews(attemptId);
  const scores: Partial<Record<Component, number>> = { theory: attempt.theory?.score as number };
  if (exam.rubric.length > 0) {
    const practical = practicalScore(reviews);
    if ('moderation' in practical) {
      // Waiting for the moderator (a closed moderation review is replaced by the reassignment step).
      if (practical.moderation !== 'none') return { outcome: 'moderation', attemptId, slot: practical.slot };
      const chosen = assignAssessors(asPerson(candidate), pool(await deps.store.listAssessors()), {
        count: 1,
        seed: `${attemptId}/M`,
        seniorOnly: true,
        exclude: reviews.map((r) => r.assessorSub),
      });
      if (!chosen.ok) throw new WorkflowError('NoAssessorAvailable', chosen.reason);
      await deps.store
        .addReview(
          {
            attemptId,
            slot: MODERATION_CHAIN,
            assessorSub: chosen.assessorIds[0] as string,
            moderation: true,
            status: 'open',
            createdAt: deps.now().toISOString(),
          },
          'moderating',
        )
        .catch((error: unknown) => {
          if (!(error instanceof StateConflict)) throw error;
        });
      return { outcome: 'moderation', attemptId, slot: MODERATION_CHAIN };
    }
    scores.practical = practical.score;
  }

  const decision = decide(exam.policy, scores, requiredComponents(exam));
  if (!decision.passed) {
    await deps.store.recordFailure(attemptId, { decision, practicalScore: scores.practical });
    return { outcome: 'failed', attemptId, reasons: decision.reasons };
  }
  const facts = { attempt, exam, candidate, decision, practical: scores.practical };
  // The region's serial counter is one item every issuance updates: under load, tries collide. Back off
  // with full jitter between rounds so that colliding deciders spread out, instead of failing the attempt;
  // the state machine retries SerialContention and transient errors again, later.
  const certificateNumber = await backOff(() => issue(deps, facts), {
    numOfAttempts: ISSUE_ROUNDS,
    startingDelay: 50,
    timeMultiple: 2,
    maxDelay: 2000,
    jitter: 'full',
    retry: (error: unknown) =>
      (error instanceof WorkflowError && error.name === 'SerialContention') ||
      isTransientDynamoDbError(error),
  });
  return { outcome: 'passed', attemptId, certificateNumber };
}

/** Rounds of issue() (each up to 8 quick tries at the serial) before the step gives up to the state machine. */
const ISSUE_ROUNDS = 6;

async function issue(
  deps: WorkflowDeps & {
    credentials: CredentialSigner;
    issuer: IssuerSettings;
    newSeed: () => string;
    publication?: StatusPublicationDeps;
  },
  facts: {
    attempt: AttemptRecord;
    exam: Exam;
    candidate: PersonRecord;
    decision: ReturnType<typeof decide>;
    practical: number | undefined;
  },
): Promise<string> {
  const { attempt, exam, candidate, decision } = facts;
  if (!candidate.identityMac && !candidate.identityHash) {
    throw new WorkflowError(
      'HolderIdentityMissing',
      'The candidate has no registered identity to put on a certificate',
    );
  }
  const holderId = candidate.holderId ?? (await deps.store.ensureHolderId(candidate.sub));
  const issuedAt = deps.now();
  const year = calendarYear(issuedAt, deps.issuer.timeZone);
  const counterName = certificateSerialCounter(deps.issuer.regionCode, year);
  for (let tries = 0; tries < 8; tries++) {
    const [serial, openList] = await Promise.all([
      deps.store.peekCounter(counterName),
      deps.store.openStatusList('certificates'),
    ]);
    const position = nextStatusPosition(openList, 'certificates', deps.newSeed);
    const number = formatCertificateNumber({
      regionPrefix: deps.issuer.regionPrefix,
      year,
      level: exam.level,
      serial,
    });
    const credential = buildCredential({
      number,
      issuer: {
        did: deps.issuer.did,
        nameZh: deps.issuer.nameZh,
        nameEn: deps.issuer.nameEn,
        url: deps.issuer.publicUrl,
      },
      holder: { id: holderId, name: candidate.name },
      occupation: exam.occupation,
      level: exam.level,
      examTitle: exam.title,
      decision,
      issuedAt,
      ...(exam.validityYears
        ? { validUntil: certificateValidUntil(issuedAt, exam.validityYears, deps.issuer.timeZone) }
        : {}),
      // An index drawn at random (status-index.ts) in the region's open certificate list.
      status: {
        listBaseUrl: `${deps.issuer.publicUrl}${statusListOf(deps.issuer.regionCode, 'certificates', position.next.list).path}`,
        index: position.index,
      },
    });
    const { jws } = await deps.credentials.sign(credential);
    try {
      await deps.store.issueCertificate(
        {
          number,
          attemptId: attempt.id,
          holderSub: candidate.sub,
          examId: exam.id,
          occupationCode: exam.occupation.code,
          level: exam.level,
          jws,
          status: 'active',
          issuedAt: issuedAt.toISOString(),
        },
        { name: counterName, serial },
        { decision, ...(facts.practical !== undefined ? { practicalScore: facts.practical } : {}) },
        { read: openList, next: position.next },
      );
      // The first certificate on a new list: sign the list so its URL answers (status-publication.ts).
      if (deps.publication)
        await publishIfUnsigned(
          deps.publication,
          statusListOf(deps.issuer.regionCode, 'certificates', position.next.list).listId,
        );
      return number;
    } catch (error) {
      // Someone else took the serial or the status list position (a failed condition), or held them in
      // a transaction of their own (TransactionConflict): read them again, after a pause in the latter case.
      if (!(error instanceof StateConflict)) await afterConflict(error, tries);
      const now = await deps.store.getAttempt(attempt.id);
      if (now?.certificateNumber) return now.certificateNumber; // issued by an earlier run of this step
    }
  }
  throw new WorkflowError('SerialContention', 'Could not take a certificate serial after 8 tries');
}

export type ErrorOutcome = DecisionOutcome | { outcome: 'resume'; attemptId: string };

/**
 * The state machine's error path. A step failed for good (its retries spent): record why on the attempt
 * and stop here — this step fails the execution, so that an admin's RedriveExecution runs it again, and
 * run again it lifts the error and answers `resume` (the workflow then fast-forwards through its
 * idempotent steps to where it stopped). It never overwrites a decision: an attempt already passed or
 * failed answers with its decision, so the workflow still publishes it — unless publishing is what
 * failed, which is then recorded beside the decision.
 */
export async function recordError(
  deps: WorkflowDeps,
  attemptId: string,
  failure: { error: string; cause: string; step?: string; redriveCount: number },
  redriveCount: number,
): Promise<ErrorOutcome> {
  for (let round = 0; round < 5; round++) {
    const attempt = await deps.store.getAttempt(attemptId);
    if (!attempt) throw new WorkflowError('AttemptNotFound', `No attempt ${attemptId}`);
    if (redriveCount > failure.redriveCount) {
      // Redriven by an admin: lift the error (once) and carry on.
      if (attempt.error) {
        try {
          await deps.store.liftWorkflowError(attempt);
        } catch (error) {
          if (!(error instanceof StateConflict)) throw error;
          continue;
        }
      }
      return { outcome: 'resume', attemptId };
    }
    const decided = attempt.status === 'passed' || attempt.status === 'failed';
    if (decided && failure.step !== 'publish') return decisionOf(attempt);
    // The workflow no longer waits for any review: take the tokens away, so no assessor is shown work
    // whose answer nobody would hear. The reviews stay theirs and get new tokens when it resumes. Before
    // the error is recorded, so that an attempt anyone sees stopped never still has work handed out.
    for (const review of await deps.store.listReviews(attemptId))
      if (review.status === 'open') await deps.store.detachTaskToken(review);
    // Recorded once per stop: a retry of this step finds its own record.
    if (attempt.error?.redriveCount !== failure.redriveCount) {
      try {
        await deps.store.recordWorkflowError(
          attemptId,
          {
            error: failure.error,
            cause: failure.cause,
            at: deps.now().toISOString(),
            redriveCount: failure.redriveCount,
          },
          decided,
        );
      } catch (error) {
        if (!(error instanceof StateConflict)) throw error;
        continue; // decided (or stopped) meanwhile: read again
      }
    }
    throw new WorkflowError('CertificationError', `${failure.error}: ${failure.cause}`);
  }
  throw new WorkflowError('TransientError', `Attempt ${attemptId} kept changing; try again`);
}

function decisionOf(attempt: AttemptRecord): DecisionOutcome {
  return attempt.status === 'passed'
    ? { outcome: 'passed', attemptId: attempt.id, certificateNumber: attempt.certificateNumber as string }
    : { outcome: 'failed', attemptId: attempt.id, reasons: attempt.decision?.reasons ?? [] };
}
