// Interfaces the domain and handlers need from the outside world. Adapters implement them for AWS
// (functions/adapters) and for the local cloud.
import type { JWK } from 'jose';
import type {
  Answers,
  Decision,
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
  /** Salted SHA-256 of the resident ID (IdentityObject form) and its salt; the number itself is never stored. */
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
  status: AttemptStatus;
  answers: Answers;
  submittedAt?: string;
  practicalEvidence?: string;
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

/** A signed revocation notice waiting for (or delivered to) one partner's webhook. */
export interface NoticeRecord {
  id: string;
  partnerCode: string;
  certificateNumber: string;
  /** What the notice says; stored with the revocation, in the same transaction. */
  claims: RevocationNotice;
  /** The notice as signed at its first delivery attempt; every later attempt sends these same bytes. */
  jws?: string;
  createdAt: string;
  status: 'pending' | 'delivered';
  attempts: number;
  lastAttemptAt?: string;
  lastError?: string;
  deliveredAt?: string;
}

// ---- partner regions (functions/partners) ----

/** What this region learns from a partner region over HTTP. */
export interface PartnerDirectory {
  /** The partner's published keys, with their signing windows. */
  keys(partner: PartnerRegion): Promise<VerificationKey[]>;
  /** A status list credential (compact JWS) the partner publishes at `url`, under its public URL. */
  statusList(partner: PartnerRegion, url: string): Promise<string>;
  /** POSTs a signed notice to a webhook; acknowledged means a 2xx answer. */
  deliver(webhookUrl: string, jws: string): Promise<{ acknowledged: boolean; detail: string }>;
}

/** Starts the delivery of a stored notice (a workflow that retries until the partner acknowledges). */
export interface NoticeDispatcher {
  dispatch(noticeId: string): Promise<void>;
}

/** Thrown when a partner region cannot be reached: a 502 that says which region, never internals. */
export class PartnerUnreachable extends Error {
  override name = 'PartnerUnreachable';
}
