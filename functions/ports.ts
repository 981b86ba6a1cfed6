// Interfaces the domain and handlers need from the outside world. Adapters implement them for AWS
// (functions/adapters) and for the local cloud.
import type { JWK } from 'jose';
import type {
  Answers,
  Decision,
  Exam,
  ItemSave,
  Mark,
  Occupation,
  OpenStatusList,
  PartnerRegion,
  RevocationNotice,
  SavedAnswer,
  StatusListKind,
  StatusPurpose,
  TheoryGrade,
  VerificationKey,
} from './domain/index.js';
import { DomainError } from './domain/index.js';

/** Signs with the region's certificate key (ES256). The private key never leaves the signer. */
export interface Signer {
  /** The key's id: its RFC 7638 JWK thumbprint (SHA-256, base64url), stable for the key's lifetime. */
  keyId(): Promise<string>;
  /** The public key as a JWK (kty EC, crv P-256, x, y), without kid or alg. */
  publicJwk(): Promise<JWK>;
  /** ECDSA P-256 over SHA-256 of signingInput; returns the JOSE form, r‖s, 64 bytes. */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

/**
 * Signs Data Integrity proofs with the key of the region's proof suite: its Ed25519 key (eddsa-rdfc-2022)
 * or its ES256 key (ecdsa-rdfc-2019). The private key never leaves the signer. Same shape as Signer, so the signing-key ledger wraps either.
 */
export interface ProofSigner {
  /** RFC 7638 thumbprint of the JWK (SHA-256, base64url), stable for the key's lifetime. */
  keyId(): Promise<string>;
  /**
   * The public key as a JWK, without kid or alg: { kty: 'OKP', crv: 'Ed25519', x } for eddsa-rdfc-2022;
   * for ecdsa-rdfc-2019 the region's ES256 key (a Signer is a ProofSigner of that suite).
   */
  publicJwk(): Promise<JWK>;
  /** Pure Ed25519 (RFC 8032), or ECDSA P-256 over SHA-256 as r‖s, over data; a 64-byte signature. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * Secures a credential a region issues (certificate, endorsement, status list): the embedded Data
 * Integrity proof (eddsa-rdfc-2022, Ed25519) first, then the JWS (ES256, OB 3.0's JWT format) over the
 * credential that carries it, as OB 3.0 orders them. The JSON form is the JWS payload without its claims.
 */
export interface CredentialSigner {
  sign(credential: Record<string, unknown>): Promise<{ json: Record<string, unknown>; jws: string }>;
}

/**
 * The region's identity key: HMAC-SHA-256 over a normalised resident ID (KMS GenerateMac in AWS, a local
 * key file on the local cloud). The MAC stands for the ID in the region's records; without the key
 * nobody can compute it, so a leaked record or hash cannot be searched back to the number.
 */
export interface IdentityKey {
  /** `hmac-sha256$<base64url>` of the input. */
  mac(normalisedNationalId: string): Promise<string>;
}

export interface Clock {
  now(): Date;
}

// ---- Certification records (stored by functions/adapters/dynamodb-certification-store.ts) ----

export interface SessionRecord {
  id: string;
  examId: string;
  opensAt: string;
  closesAt: string;
  seatLimit: number;
  seatsTaken: number;
  location: string;
}

export interface PersonRecord {
  sub: string;
  name: string;
  employer: string;
  trainingOrg: string;
  roles: ('candidate' | 'assessor' | 'admin')[];
  senior: boolean;
  /**
   * The holder id certificates name the person by (credentialSubject.id): random, stable, and derived
   * from nothing about them. Given at registration; people registered before it get one at their first
   * certificate.
   */
  holderId?: string;
  /**
   * HMAC-SHA-256 of the resident ID under the region's identity key (KMS in AWS), for holder checks and
   * look-ups; without the key it cannot be computed, so it cannot be searched. Never leaves the region.
   */
  identityMac?: string;
  /**
   * The resident ID as it may be printed (first and last character, maskNationalId), made when the ID is
   * registered; the ID itself is kept only as identityMac. Certificates and pages print nothing more.
   */
  maskedNationalId?: string;
  /**
   * Before identityMac: a salted SHA-256 of the resident ID and its salt (the 18-digit space is small
   * enough to search). Kept only for people registered then, until an admin registers their ID again.
   */
  identityHash?: string;
  identitySalt?: string;
  yearsOfWork: Record<string, number>;
}

export type AttemptStatus =
  | 'in-progress'
  | 'submitted'
  | 'marking'
  | 'moderating'
  | 'passed'
  | 'failed'
  | 'error';

export interface AttemptRecord {
  id: string;
  candidateSub: string;
  sessionId: string;
  examId: string;
  seed: string;
  startedAt: string;
  timeLimitMinutes: number;
  /** The exam's grace when the attempt started; with the start and time limit it fixes closesAt. */
  graceSeconds?: number;
  /** Deadline plus grace (ISO): no save or submit is accepted after it; the server submits at it. */
  closesAt?: string;
  status: AttemptStatus;
  /** The kept answer per item (what grading reads). */
  answers: Answers;
  /** Per item saved through PUT …/items/{itemId}: the kept version, flag and acknowledgement time. */
  saves?: Record<string, ItemSave>;
  submittedAt?: string;
  /** Who submitted: the candidate, or the server when the time was up (auto-submit). */
  submittedBy?: 'candidate' | 'deadline';
  practicalEvidence?: string;
  /** The client's counter of the evidence save the server kept (PUT …/evidence). */
  evidenceVersion?: number;
  /** The theory grade's totals; per-item detail is recomputed from answers and seed when needed (grading is pure). */
  theory?: Omit<TheoryGrade, 'items'>;
  practicalScore?: number;
  decision?: Decision;
  certificateNumber?: string;
  /** The error that stopped the workflow, while it is stopped; every error stays in `errors`. */
  error?: WorkflowErrorRecord;
  errors?: WorkflowErrorRecord[];
  /** The status the attempt had when an error stopped it, restored when an admin resumes it. */
  statusBeforeError?: AttemptStatus;
  /** Every resume of the stopped workflow: who asked and when (redrive = the execution's redrive count). */
  resumes?: { by: string; at: string; redrive: number }[];
  lastResume?: number;
}

export interface WorkflowErrorRecord {
  error: string;
  cause: string;
  at: string;
  /** The execution's redrive count when it stopped: a later redrive is a resume. */
  redriveCount: number;
}

export type ReviewStatus = 'open' | 'marked' | 'returned' | 'expired';

/** The certification workflow's execution for an attempt, as an admin needs to see and resume it. */
export interface CertificationWorkflow {
  describe(attemptId: string): Promise<
    | {
        status: string;
        redriveCount: number;
        redriveStatus?: string;
        redriveStatusReason?: string;
        error?: string;
      }
    | undefined
  >;
  /** Redrives the stopped execution; the same clientToken twice is one redrive. */
  redrive(attemptId: string, clientToken: string): Promise<void>;
}

export interface ReviewRecord {
  attemptId: string;
  /** A, B for the two blind marks; M for moderation; A2, B3… for reassignments. */
  slot: string;
  assessorSub: string;
  moderation: boolean;
  status: ReviewStatus;
  createdAt: string;
  taskToken?: string;
  mark?: Mark;
  score?: number;
  returnReason?: string;
}

export interface CertificateRecord {
  number: string;
  attemptId: string;
  holderSub: string;
  examId: string;
  occupationCode: string;
  level: number;
  /** The signed credential; its payload is the credential itself, so it is not stored twice. */
  jws: string;
  status: 'active' | 'suspended' | 'revoked';
  issuedAt: string;
  /** Every suspension, reinstatement and revocation, oldest first, with its reason and who did it. */
  statusHistory?: StatusHistoryEntry[];
  /** The revocation notices sent to partners. */
  noticeIds?: string[];
}

export interface StatusHistoryEntry {
  status: 'active' | 'suspended' | 'revoked';
  reason: string;
  at: string;
  /** The admin's subject. */
  by: string;
}

/** Why a notice is held rather than sent: its partner cannot take it now. */
export type NoticeHeldReason = 'partner-suspended' | 'no-webhook' | 'not-in-registry';

/** A signed revocation notice waiting for (or delivered to) one partner's webhook. */
export interface NoticeRecord {
  id: string;
  /**
   * revocation (also when absent: notices stored before there were other kinds): the claims, signed at the
   * first attempt. recognition: this region's endorsement of a partner's certificate, told to its issuer;
   * `jws` is the signed endorsement from the start and is sent as it is.
   */
  kind?: 'revocation' | 'recognition';
  partnerCode: string;
  /** The certificate it is about: ours for a revocation, the partner's for a recognition. */
  certificateNumber: string;
  /** What a revocation notice says; stored with the revocation, in the same transaction. */
  claims?: RevocationNotice;
  /** A recognition notice's recognition, stored with it in the same transaction. */
  recognitionId?: string;
  /**
   * The notice as signed with the region's current key; every attempt sends these same bytes until the
   * key changes (a rotation, a compromise), when it is signed again with the new key.
   */
  jws?: string;
  createdAt: string;
  /**
   * pending: being delivered (or waiting for the sweep to start a round); held: its partner is suspended,
   * has no webhook or left the registry, and it is sent when the partner is active with a webhook again;
   * delivered: acknowledged, never sent again; withdrawn: a recognition notice whose recognition was voided
   * before it could be told (the issuer revoked the certificate meanwhile), so it is never sent.
   */
  status: 'pending' | 'held' | 'delivered' | 'withdrawn';
  attempts: number;
  /** Delivery round: round 1 runs as execution `<id>`, round n as `<id>-r<n>`; absent means 1. */
  round?: number;
  lastAttemptAt?: string;
  lastError?: string;
  deliveredAt?: string;
  /** Why a held notice waits. */
  heldReason?: NoticeHeldReason;
  withdrawnAt?: string;
  withdrawnReason?: string;
  /** When the last round's workflow gave up (its retries ran out); the sweep then starts the next round. */
  gaveUpAt?: string;
}

// ---- partner regions (functions/partners) ----

/** What this region learns from a partner region over HTTP. */
export interface PartnerDirectory {
  /** The partner's published keys, with their signing windows. */
  keys(partner: PartnerRegion): Promise<VerificationKey[]>;
  /**
   * A status list credential (compact JWS) the partner publishes at `url`, under its public URL, with the
   * max-age its answer allowed (Cache-Control), if any.
   */
  statusList(partner: PartnerRegion, url: string): Promise<{ jws: string; maxAgeSeconds?: number }>;
  /** POSTs a signed notice to a webhook; acknowledged means a 2xx answer. */
  deliver(webhookUrl: string, jws: string): Promise<{ acknowledged: boolean; detail: string }>;
}

/** Starts the delivery of a stored notice (a workflow that retries until the partner acknowledges). */
export interface NoticeDispatcher {
  /**
   * Starts round `round` (default 1) of a notice's delivery: 'started', or 'running' when that round is
   * already under way, or 'ended' when it has finished (its retries gave up, or the notice was held).
   */
  dispatch(noticeId: string, round?: number): Promise<'started' | 'running' | 'ended'>;
}

/** Thrown when a partner region cannot be reached: a 502 that says which region, never internals. */
export class PartnerUnreachable extends DomainError {
  override name = 'PartnerUnreachable';
}

// ---- lists ----

/** One page of a list: up to the limit asked for, and where to continue while there is more. */
export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextToken?: string;
}

/** A nextToken this list did not give out (altered, or from another list): the caller's mistake, a 400. */
export class InvalidPageToken extends Error {
  override name = 'InvalidPageToken';
}

// ---- status lists, signed when they change ----

/** A status list's bits as stored (one item per list and purpose), and the version each change bumps. */
export interface StatusListBits {
  listId: string;
  purpose: 'revocation' | 'suspension';
  encodedList: string;
  /** 0 for a list never written. */
  version: number;
  /** When the bits last changed (absent for a list never written). */
  updatedAt?: string;
}

/** A status list credential as signed and stored for the public route, made from one version of the bits. */
export interface SignedStatusList {
  listId: string;
  purpose: 'revocation' | 'suspension';
  /** The version of the bits it was made from. */
  listVersion: number;
  signedAt: string;
  validUntil: string;
  jws: string;
}

/**
 * Where the region keeps its status lists: the bits every change writes, what shows a list was handed
 * out (the open list of a kind, the yearly serial counters), and the signed credential the public route
 * serves. The public function only reads (`signed`); the functions that change a list sign it and store it.
 */
export interface StatusListStore {
  statusList(listId: string, purpose: 'revocation' | 'suspension'): Promise<StatusListBits>;
  openStatusList(kind: 'certificates' | 'recognitions'): Promise<{ list: number } | undefined>;
  peekCounter(name: string): Promise<number>;
  signedStatusList(
    listId: string,
    purpose: 'revocation' | 'suspension',
  ): Promise<SignedStatusList | undefined>;
  /** Every signed list, for the renewal sweep. */
  signedStatusLists(): Promise<SignedStatusList[]>;
  /**
   * Stores a signed list unless one made from a later version of the bits, or signed later from the same
   * version, is already there (a slower concurrent signer never overwrites a newer list). False then.
   */
  storeSignedStatusList(signed: SignedStatusList): Promise<boolean>;
}

// ---- paper certificates (functions/certification/paper.ts) ----

/** Where documents made on demand are kept (a private S3 bucket): made once, then served from here. */
export interface DocumentCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
}

// ---- conditional writes: what a use case is told when its write was refused ----
// Here, beside the ports, so use cases catch them without importing an adapter (the adapters throw them).

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

/** Too many candidates took a seat of one session at the same moment for the retries to win. */
export class SeatContention extends Error {
  override name = 'SeatContention';
}

/** The candidate already has a live attempt (not yet passed or failed) at this exam. */
export class LiveAttemptExists extends Error {
  override name = 'LiveAttemptExists';
  constructor(readonly live: AttemptRecord) {
    super(`Attempt ${live.id} at this exam is ${live.status}`);
  }
}

/** Another person already holds this resident ID. */
export class IdentityTaken extends Error {
  override name = 'IdentityTaken';
}

// ---- the certification records, by what the use cases do with them ----
// One table holds them all (functions/adapters/dynamodb-certification-store.ts implements every port
// below); each use case names only the ports it needs, so its tests and its reader see what it touches.

/** What a stored exam holds besides its items: enough for summaries, queues and lists. */
export type ExamHeader = Omit<Exam, 'items'> & { itemCount: number };

/** Whether an exam can be stored, by the sizes the store counts; `chunks` is how many parts its bank takes. */
export type ExamFit =
  | { fits: true; bankBytes: number; chunks: number }
  | { fits: false; part: 'bank' | 'header'; bytes: number; limit: number };

/** A page request: up to `limit` items, continuing where `nextToken` says. */
export interface PageRequest {
  limit: number;
  nextToken?: string | undefined;
}

/** Occupations, exams (with their item banks) and sessions: what an admin sets up and candidates sit. */
export interface ExamCatalogue {
  putOccupation(occupation: Occupation): Promise<void>;
  getOccupation(code: string): Promise<Occupation | undefined>;
  listOccupations(): Promise<Occupation[]>;
  /** Whether an exam can be stored whole; putExam refuses one that does not fit. */
  examFit(exam: Exam): ExamFit;
  putExam(exam: Exam): Promise<void>;
  /** The whole exam, item bank included. */
  getExam(id: string): Promise<Exam | undefined>;
  /** Exams without their banks, by id, in one read. */
  getExamHeaders(ids: string[]): Promise<Map<string, ExamHeader>>;
  listExams(page: PageRequest): Promise<Page<ExamHeader>>;
  /** @throws StateConflict when more seats are taken than the new limit. */
  putSession(session: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Sessions not closed at `now`, soonest closing first, with their exams' headers. */
  listOpenSessions(
    now: Date,
    page: PageRequest,
  ): Promise<Page<{ session: SessionRecord; exam: ExamHeader | undefined }>>;
}

/** The people of the region: candidates, assessors and admins, and the resident IDs they hold. */
export interface PeopleRegister {
  putPerson(person: PersonRecord): Promise<void>;
  /**
   * Writes a person together with the claim on their resident ID, taken only if no one else holds it.
   * @throws IdentityTaken when another person holds this ID; StateConflict when either changed meanwhile.
   */
  putPersonWithIdentity(person: PersonRecord & { identityMac: string }, previousMac?: string): Promise<void>;
  getPerson(sub: string): Promise<PersonRecord | undefined>;
  /** The person's holder id, given now (once, whoever asks first) if they have none. */
  ensureHolderId(sub: string): Promise<string>;
  /** The assessor pool with each assessor's open reviews, for least-loaded assignment. */
  listAssessors(): Promise<(PersonRecord & { openReviews: number })[]>;
  /** One page of the assessor pool with each one's open reviews, for the admins' list of it. */
  listAssessorPage(page: PageRequest): Promise<Page<PersonRecord & { openReviews: number }>>;
}

/**
 * The most a full set of a paper's answers may take (answersBytesBound): an attempt also holds the
 * practical evidence (≤ 30 KB) and its results, and must stay under DynamoDB's 400 KB item.
 */
export const MAX_ANSWERS_BYTES = 300 * 1024;

/** A submission: by the candidate (by closesAt, `notAfter`) or by the server at the deadline. */
export interface Submission {
  at: string;
  by: 'candidate' | 'deadline';
  /** Replaces the kept answers (the older whole-set route). */
  answers?: Answers;
  practicalEvidence?: string;
  notAfter?: string;
}

/** Attempts: a seat taken, answers kept while open, submission, and what stops or decides them. */
export interface AttemptRecords {
  /**
   * Takes a seat and creates the attempt, once per candidate and session.
   * @throws AlreadyExists (with the first attempt), LiveAttemptExists, StateConflict (session full),
   * SeatContention.
   */
  startAttempt(attempt: AttemptRecord, seatLimit: number): Promise<AttemptRecord>;
  getAttempt(id: string): Promise<AttemptRecord | undefined>;
  /** Attempts by id, in one read. */
  getAttempts(ids: string[]): Promise<Map<string, AttemptRecord>>;
  listAttempts(candidateSub: string, page: PageRequest): Promise<Page<AttemptRecord>>;
  /** Replaces the whole answer set while open and no item was saved singly. @throws StateConflict otherwise. */
  saveAnswers(id: string, answers: Answers, now: string): Promise<void>;
  /** Gives an attempt from before per-item saves its empty save map. */
  ensureSaves(id: string): Promise<void>;
  /** Keeps one item's answer if the save's version is newer and the attempt open at `now`; false if refused. */
  saveItem(id: string, itemId: string, answer: SavedAnswer, save: ItemSave, now: string): Promise<boolean>;
  /** Keeps the practical evidence by version, like saveItem; false if refused. */
  saveEvidence(id: string, evidence: string, version: number, now: string): Promise<boolean>;
  /** in-progress → submitted, once; false when already submitted or (with notAfter) too late. */
  markSubmitted(id: string, submission: Submission): Promise<boolean>;
  /** A failed result: final, recorded once. */
  recordFailure(attemptId: string, fields: Pick<AttemptRecord, 'decision' | 'practicalScore'>): Promise<void>;
  /** Records the error that stopped the workflow. @throws StateConflict when a decision landed meanwhile. */
  recordWorkflowError(attemptId: string, detail: WorkflowErrorRecord, decided: boolean): Promise<void>;
  /** Lifts the error on resume. @throws StateConflict when it was lifted already. */
  liftWorkflowError(attempt: AttemptRecord): Promise<void>;
  /** Records a resume once per redrive. @throws StateConflict when this one is recorded already. */
  recordResume(attemptId: string, entry: { by: string; at: string; redrive: number }): Promise<void>;
}

/** Marking: the reviews assessors mark, return or moderate, and each assessor's queue. */
export interface MarkingRecords {
  /** Records the theory grade and opens the first reviews, once. @throws StateConflict on a retry. */
  startMarking(attempt: AttemptRecord, reviews: ReviewRecord[]): Promise<void>;
  listReviews(attemptId: string): Promise<ReviewRecord[]>;
  getReview(attemptId: string, slot: string): Promise<ReviewRecord | undefined>;
  /** An assessor's open reviews, oldest first. */
  listOpenReviewsOf(assessorSub: string, page: PageRequest): Promise<Page<ReviewRecord>>;
  /** Closes an open review by its own assessor, once. @throws StateConflict when it is no longer open. */
  closeReview(
    review: ReviewRecord,
    status: Extract<ReviewStatus, 'marked' | 'returned' | 'expired'>,
    fields: { mark?: Mark; score?: number; returnReason?: string },
  ): Promise<void>;
  /** Adds a replacement or moderation review, once per slot. @throws StateConflict if the slot exists. */
  addReview(review: ReviewRecord, attemptStatus?: 'moderating'): Promise<void>;
  /** Takes a review's task token away once the workflow no longer waits with it. */
  detachTaskToken(review: ReviewRecord): Promise<void>;
}

/** A certificate's status change and what is written with it. */
export interface CertificateStatusChange {
  number: string;
  /** The status it was read in: the change is refused if it is no longer so. */
  from: CertificateRecord['status'];
  entry: StatusHistoryEntry;
  /** Each list's next version (withBit), written only if the list is still at the version read. */
  lists: StatusListBits[];
  /** The lists as signed from these bits (status-publication.ts). */
  signedLists?: SignedStatusList[];
  /** For a revocation: the notices to partners. */
  notices: NoticeRecord[];
}

/** Certificates: issued once per passed attempt, their status, and the status list bits that mirror it. */
export interface CertificateRecords {
  /**
   * Issues a certificate with its serial and status list position, and closes the attempt as passed,
   * all or nothing. @throws StateConflict when the attempt is decided or a serial or position was taken.
   */
  issueCertificate(
    certificate: CertificateRecord,
    counter: { name: string; serial: number },
    attempt: Pick<AttemptRecord, 'decision' | 'practicalScore'>,
    statusPosition: { read: OpenStatusList | undefined; next: OpenStatusList },
  ): Promise<void>;
  getCertificate(number: string): Promise<CertificateRecord | undefined>;
  /** Every certificate a person holds. */
  listCertificates(holderSub: string): Promise<CertificateRecord[]>;
  listCertificatesPage(holderSub: string, page: PageRequest): Promise<Page<CertificateRecord>>;
  statusList(listId: string, purpose: StatusPurpose): Promise<StatusListBits>;
  openStatusList(kind: StatusListKind): Promise<OpenStatusList | undefined>;
  /** A serial counter's value, 0 before its first serial. */
  peekCounter(name: string): Promise<number>;
  /**
   * Changes a certificate's status with its status list bits and, for a revocation, the notices to
   * partners, all or nothing. @throws StateConflict when the certificate or a list changed meanwhile.
   */
  changeCertificateStatus(change: CertificateStatusChange): Promise<void>;
}

/** One delivery attempt of a notice: acknowledged, or not with the error. */
export type DeliveryOutcome = { at: Date; delivered: true } | { at: Date; delivered: false; error: string };

/** Revocation notices to partner regions: pending, held for a partner, delivered. */
export interface RevocationNotices {
  getNotice(id: string): Promise<NoticeRecord | undefined>;
  /** Pending notices, oldest first. */
  listPendingNotices(page: PageRequest): Promise<Page<NoticeRecord>>;
  /** The notices held for one partner. */
  listHeldNotices(partnerCode: string): Promise<NoticeRecord[]>;
  /** The notices a certificate's revocation sent. */
  listNoticesOf(certificateNumber: string): Promise<NoticeRecord[]>;
  /** Keeps a notice's signature (or replaces `previous`); returns the one kept, whoever stored it. */
  keepNoticeSignature(id: string, jws: string, previous?: string): Promise<string>;
  /** pending → held; false if it was not pending. */
  holdNotice(notice: NoticeRecord, reason: NoticeHeldReason): Promise<boolean>;
  /** held → pending in a new round; the round, or undefined if it was not held. */
  releaseNotice(notice: NoticeRecord): Promise<number | undefined>;
  /** The next delivery round, once; undefined if someone else moved it. */
  nextNoticeRound(notice: NoticeRecord): Promise<number | undefined>;
  /** Records a delivery attempt; an acknowledged notice is never sent again. */
  recordNoticeAttempt(id: string, outcome: DeliveryOutcome): Promise<void>;
  /** pending → withdrawn, out of the sweep's index, never sent: false if it was not pending. */
  withdrawNotice(id: string, why: { at: Date; reason: string }): Promise<boolean>;
}

/** Every certification record, as the region's table holds them. */
export type CertificationRecords = ExamCatalogue &
  PeopleRegister &
  AttemptRecords &
  MarkingRecords &
  CertificateRecords &
  RevocationNotices;
