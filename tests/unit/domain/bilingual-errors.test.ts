// Every refusal a person may read comes in English and Chinese. The domain's errors all extend
// DomainError, whose constructor takes both; this test finds every error class under functions/ and fails
// on one that is neither a DomainError nor listed below as never reaching a person as it is. Then it
// makes each domain error happen and checks that its Chinese is Chinese.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as domain from '../../../functions/domain/index.js';
import {
  AnswerError,
  applyAgreements,
  ChainError,
  CredentialError,
  checkAnswers,
  DomainError,
  drawPaper,
  eligibility,
  MarkError,
  nationalIdProblem,
  OccupationError,
  occupation,
  PolicyError,
  passPolicy,
  SignedDocumentError,
  StatusChangeRefused,
  scoreMark,
  slotParts,
  statusChange,
  verifyIssuerSigned,
} from '../../../functions/domain/index.js';
import * as ports from '../../../functions/ports.js';
import { EXAM } from './fixtures.js';

const ROOT = join(import.meta.dirname, '../../../functions');

/**
 * Error classes that never reach a person as they are, and why: each is mapped by the code that catches
 * it to a bilingual answer, or is an operator's (logs, workflow records), or is a 5xx whose message
 * stays in the log.
 */
const NOT_READ_AS_THEY_ARE: Record<string, string> = {
  HttpError: 'carries a Bilingual message by its type',
  SigningKeyRefused: 'a 5xx: the signer refuses a compromised key; logged, never shown',
  ContextNotBundled: 'a 5xx: a JSON-LD context missing from the bundle; logged',
  ConfigurationError: 'a deployment error at cold start; logged',
  DataIntegrityError: 'a proof check fails: verification reports it as a verdict status',
  WorkflowError: 'the workflow’s error name for Step Functions; people read ATTEMPT_STOPPED instead',
  DeadlineNotReached: 'the deadline timer’s retry signal for Step Functions',
  NoticeNotAcknowledged: 'the notice delivery’s retry signal for Step Functions',
  InvalidPageToken: 'mapped to PAGE_TOKEN_REFUSED (bilingual) by errorResponse',
  AlreadyExists: 'a store outcome: use cases answer with the existing record',
  StateConflict: 'a store outcome: each use case maps it to its own bilingual 409',
  SeatContention: 'a store outcome: candidate.ts answers a bilingual 503',
  LiveAttemptExists: 'a store outcome: candidate.ts answers a bilingual 409 (liveAttempt)',
  IdentityTaken: 'a store outcome: admin.ts answers a bilingual 409',
  ForbiddenDestination: 'guarded-http: the partner URL policy; surfaces as PartnerUnreachable',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every `class X extends Error` under functions/, with its file. */
function errorClassesInSource(): { name: string; file: string }[] {
  return sources(ROOT).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/class (\w+)(?:<[^>]*>)? extends Error\b/g)].map((m) => ({
      name: m[1] as string,
      file: relative(ROOT, file),
    })),
  );
}

const CHINESE = /[\u4e00-\u9fff]/;

function thrown(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('nothing was thrown');
}

describe('error messages a person may read', () => {
  it('every error class of the domain is a DomainError (both languages by its constructor)', () => {
    const classes = Object.entries(domain).filter(
      (entry): entry is [string, typeof Error] =>
        typeof entry[1] === 'function' && entry[1] !== DomainError && entry[1].prototype instanceof Error,
    );
    expect(classes.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining(['AnswerError', 'MarkError', 'PolicyError', 'StatusChangeRefused']),
    );
    for (const [name, value] of classes)
      expect(value.prototype instanceof DomainError, `${name} is not a DomainError`).toBe(true);
    expect(ports.PartnerUnreachable.prototype).toBeInstanceOf(DomainError);
  });

  it('every other error class under functions/ is a DomainError or is listed with why it is never read as it is', () => {
    const found = errorClassesInSource();
    expect(found.length).toBeGreaterThanOrEqual(15);
    const unexplained = found.filter((c) => c.name !== 'DomainError' && !(c.name in NOT_READ_AS_THEY_ARE));
    expect(unexplained).toEqual([]);
    // A listed class that no longer exists is removed from the list.
    const stale = Object.keys(NOT_READ_AS_THEY_ARE).filter((name) => !found.some((c) => c.name === name));
    expect(stale).toEqual([]);
  });

  it('each domain refusal says it in Chinese as well', async () => {
    const rubric = [{ id: 'c1', title: { zh: '精度', en: 'Precision' }, maxPoints: 10 }] as never;
    const paper = drawPaper(EXAM, 'seed');
    const errors: [string, DomainError][] = [
      ['MarkError', thrown(() => scoreMark(rubric, { assessorId: 'a', criteria: [] }))],
      [
        'MarkError',
        thrown(() => scoreMark(rubric, { assessorId: 'a', criteria: [{ criterionId: 'c1', points: 11 }] })),
      ],
      ['AnswerError', thrown(() => checkAnswers(paper, { 'not-an-item': 'A' }))],
      ['StatusChangeRefused', thrown(() => statusChange('revoked', 'reinstate'))],
      ['StatusChangeRefused', thrown(() => statusChange('active', 'reinstate'))],
      ['PolicyError', thrown(() => passPolicy({ version: 'v 1' }))],
      ['PolicyError', thrown(() => passPolicy({ version: 'v1', weights: { theory: 1 } }))],
      ['OccupationError', thrown(() => occupation('6-18', '车工', 'Lathe operator'))],
      ['ChainError', thrown(() => slotParts('a'))],
    ];
    const signed = await verifyIssuerSigned('not.a.jws', [], () => undefined).catch((e: unknown) => e);
    expect(signed).toBeInstanceOf(SignedDocumentError);
    errors.push(['SignedDocumentError', signed as DomainError]);
    const classes = new Map<string, unknown>([
      ['MarkError', MarkError],
      ['AnswerError', AnswerError],
      ['StatusChangeRefused', StatusChangeRefused],
      ['PolicyError', PolicyError],
      ['OccupationError', OccupationError],
      ['ChainError', ChainError],
      ['SignedDocumentError', SignedDocumentError],
    ]);
    for (const [name, error] of errors) {
      expect(error).toBeInstanceOf(classes.get(name) as typeof Error);
      expect(error.message, name).not.toMatch(CHINESE);
      expect(error.messageZh, `${name}: ${error.message}`).toMatch(CHINESE);
      expect(error.bilingual).toEqual({ en: error.message, zh: error.messageZh });
    }
    // CredentialError is thrown only for facts a certificate cannot be built from.
    expect(new CredentialError({ en: 'x', zh: '无法生成证书' }).messageZh).toMatch(CHINESE);
  });

  it('the refusals that are results, not errors, carry Chinese too', () => {
    expect(nationalIdProblem('110105194912310021')?.zh).toMatch(CHINESE);
    const refused = eligibility(
      { occupationCode: '6-18-01-01', level: 4 },
      { certificates: [], yearsOfWork: {} },
    );
    expect(refused.eligible).toBe(false);
    if (!refused.eligible) expect(refused.reasonZh).toMatch(CHINESE);
    const scope = applyAgreements(
      [],
      { issuerRegion: 'zigong', occupationCode: '6-18-01-01', level: 4 },
      'neijiang',
      new Date(),
    );
    expect(scope.recognised).toBe(false);
    if (!scope.recognised) expect(scope.reasonZh).toMatch(CHINESE);
  });
});
