// The steps of the certification state machine. Each is idempotent: run twice (a Lambda retry, a
// resumed execution) it finds its own earlier work and answers the same.
import type { DynamoDbCertificationStore } from '../adapters/dynamodb-certification-store.js';
import { StateConflict } from '../adapters/dynamodb-certification-store.js';
import {
  assignAssessors,
  buildCredential,
  type Component,
  calendarYear,
  certificateSerialCounter,
  certificateValidUntil,
  combineMarks,
  decide,
  drawPaper,
  type Exam,
  formatCertificateNumber,
  gradeTheory,
  nextStatusPosition,
  requiredComponents,
  statusListOf,
} from '../domain/index.js';
import type { AttemptRecord, CredentialSigner, PersonRecord, ReviewRecord } from '../ports.js';

/** A step failure the state machine routes by name (Error) rather than retries blindly. */
export class WorkflowError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface WorkflowDeps {
  store: DynamoDbCertificationStore;
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
    // Already graded by an earlier run of this step: answer with what it did.
    const reviews = (await deps.store.listReviews(attemptId)).filter(
      (r) => !r.moderation && r.status === 'open',
    );
    return {
      attemptId,
      theory: attempt.theory?.score,
      reviews: reviews.map((r) => ({ attemptId, slot: r.slot })),
    };
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

/** Replaces an assessor who did not answer in time or returned the work, never with someone used before. */
export async function reassignReview(deps: WorkflowDeps, attemptId: string, slot: string, reason: string) {
  const { candidate } = await load(deps, attemptId);
  const reviews = await deps.store.listReviews(attemptId);
  const review = reviews.find((r) => r.slot === slot);
  if (!review) throw new WorkflowError('ReviewNotFound', `No review ${slot} for ${attemptId}`);
  const base = slot.replace(/\d+$/, '');
  const existing = reviews.filter((r) => r.slot.replace(/\d+$/, '') === base);
  const next = `${base}${existing.length + 1}`;
  const already = reviews.find((r) => r.slot === next);
  if (already) return { attemptId, slot: next };
  if (review.status === 'open') {
    await deps.store.closeReview(review, 'expired', { returnReason: reason }).catch((error: unknown) => {
      if (!(error instanceof StateConflict)) throw error;
    });
  }
  const assessors = await deps.store.listAssessors();
  const chosen = assignAssessors(asPerson(candidate), pool(assessors), {
    count: 1,
    seed: `${attemptId}/${next}`,
    seniorOnly: review.moderation,
    exclude: reviews.map((r) => r.assessorSub),
  });
  if (!chosen.ok) throw new WorkflowError('NoAssessorAvailable', chosen.reason);
  await deps.store
    .addReview({
      attemptId,
      slot: next,
      assessorSub: chosen.assessorIds[0] as string,
      moderation: review.moderation,
      status: 'open',
      createdAt: deps.now().toISOString(),
    })
    .catch((error: unknown) => {
      if (!(error instanceof StateConflict)) throw error;
    });
  return { attemptId, slot: next };
}

export type DecisionOutcome =
  | { outcome: 'moderation'; attemptId: string; slot: string }
  | { outcome: 'passed'; attemptId: string; certificateNumber: string }
  | { outcome: 'failed'; attemptId: string; reasons: string[] };

function practicalScore(reviews: ReviewRecord[]): {
  score?: number;
  needsModeration?: boolean;
  scores?: number[];
} {
  const moderated = reviews.find((r) => r.moderation && r.status === 'marked');
  if (moderated) return { score: moderated.score as number };
  const marked = reviews.filter((r) => !r.moderation && r.status === 'marked');
  if (marked.length < 2) throw new WorkflowError('MarksMissing', `Only ${marked.length} of 2 marks are in`);
  const [a, b] = marked.map((r) => r.score as number);
  const combined = combineMarks(a as number, b as number);
  return combined.status === 'agreed'
    ? { score: combined.score }
    : { needsModeration: true, scores: combined.scores };
}

/** Decides the result once the marks are in: moderation, a certificate, or a recorded fail. */
export async function decideResult(
  deps: WorkflowDeps & { credentials: CredentialSigner; issuer: IssuerSettings; newSeed: () => string },
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
    if (practical.needsModeration) {
      const openModeration = reviews.find((r) => r.moderation && r.status === 'open');
      if (openModeration) return { outcome: 'moderation', attemptId, slot: openModeration.slot };
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
            slot: 'M',
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
      return { outcome: 'moderation', attemptId, slot: 'M' };
    }
    scores.practical = practical.score as number;
  }

  const decision = decide(exam.policy, scores, requiredComponents(exam));
  if (!decision.passed) {
    await deps.store.recordFailure(attemptId, { decision, practicalScore: scores.practical });
    return { outcome: 'failed', attemptId, reasons: decision.reasons };
  }
  const certificateNumber = await issue(deps, {
    attempt,
    exam,
    candidate,
    decision,
    practical: scores.practical,
  });
  return { outcome: 'passed', attemptId, certificateNumber };
}

async function issue(
  deps: WorkflowDeps & { credentials: CredentialSigner; issuer: IssuerSettings; newSeed: () => string },
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
      return number;
    } catch (error) {
      if (!(error instanceof StateConflict)) throw error;
      const now = await deps.store.getAttempt(attempt.id);
      if (now?.certificateNumber) return now.certificateNumber; // issued by an earlier run of this step
      // Someone else took the serial or the status list position: read them again.
    }
  }
  throw new WorkflowError('SerialContention', 'Could not take a certificate serial after 8 tries');
}
