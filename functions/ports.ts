// Interfaces the domain and handlers need from the outside world. Adapters implement them for AWS
// (functions/adapters) and for the local cloud.
import type { JWK } from 'jose';
import type {
  Answers,
  Decision,
  ItemSave,
  Mark,
  PartnerRegion,
  RevocationNotice,
  TheoryGrade,
  VerificationKey,
} from './domain/index.js';

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
   * delivered: acknowledged, never sent again.
   */
  status: 'pending' | 'held' | 'delivered';
  attempts: number;
  /** Delivery round: round 1 runs as execution `<id>`, round n as `<id>-r<n>`; absent means 1. */
  round?: number;
  lastAttemptAt?: string;
  lastError?: string;
  deliveredAt?: string;
  /** Why a held notice waits. */
  heldReason?: NoticeHeldReason;
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
export class PartnerUnreachable extends Error {
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
