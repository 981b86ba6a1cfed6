// Recognition: this region's machine client asks it to recognise a certificate another region issued.
// The certificate must verify against its issuer's keys and status lists, an agreement must cover it,
// and then this region keeps one recognition record and signs an Open Badges EndorsementCredential.

import type { RecognitionRecord } from '../adapters/dynamodb-registry-store.js';
import { publishIfUnsigned, type StatusPublicationDeps } from '../certification/status-publication.js';
import {
  applyAgreements,
  buildEndorsement,
  nextStatusPosition,
  recognitionId,
  type ScopeRule,
  statusListOf,
  VERDICT_STATUS_ZH,
} from '../domain/index.js';
import type { CredentialSigner, NoticeDispatcher } from '../ports.js';
import { StateConflict } from '../ports.js';
import { type Bilingual, HttpError, notFound } from '../shared/http.js';
import { logger } from '../shared/logger.js';
import { recognitionNoticeFor, voidRecognition } from './notices.js';
import { type Verification, type VerificationDeps, verifyPresented } from './verification.js';

export interface RecognitionDeps extends VerificationDeps {
  credentials: CredentialSigner;
  /** A fresh secret seed for a status list being opened. */
  newSeed: () => string;
  /** Signs a new endorsement list and re-signs one a voided recognition changed (status-publication.ts). */
  publication?: StatusPublicationDeps;
  /**
   * Starts delivery of the notice that tells the issuer (the retried NoticeDelivery workflow). Without it,
   * or when starting fails, the stored notice waits for the sweep (dispatchPending).
   */
  dispatcher?: NoticeDispatcher;
}

/** A refusal names the rule that refused, so the partner knows what to fix or whom to ask. */
/** A revocation the issuer told us of, in both languages (the reason is the issuer's own words). */
const revokedByIssuer = (heard: { revokedAt: string; noticeId: string; reason: string }) => ({
  en: `The issuer revoked this certificate on ${heard.revokedAt} (notice ${heard.noticeId}): ${heard.reason}`,
  zh: `签发方已于 ${heard.revokedAt} 撤销此证书（通知 ${heard.noticeId}）：${heard.reason}`,
});

export class RecognitionRefused extends HttpError {
  constructor(
    rule: ScopeRule | 'certificate-not-valid' | 'own-certificate',
    reason: Bilingual,
    verdict?: Verification,
  ) {
    super(422, 'RecognitionRefused', reason, { rule, ...(verdict ? { verdict } : {}) });
  }
}

/** What a partner sees of a recognition: never the holder's identity hash, only what the endorsement says. */
export function recognitionView(r: RecognitionRecord) {
  return {
    recognitionId: r.id,
    status: r.status,
    certificate: {
      id: r.certificateId,
      number: r.certificateNumber,
      issuer: r.issuerDid,
      issuerRegion: r.issuerRegion,
      holderName: r.holderName,
      occupationCode: r.occupationCode,
      level: r.level,
    },
    agreementId: r.agreementId,
    recognisedAt: r.recognisedAt,
    ...(r.voidedAt ? { voidedAt: r.voidedAt, voidReason: r.voidReason } : {}),
    endorsement: r.endorsement,
  };
}

export async function recognise(
  deps: RecognitionDeps,
  /** The certificate as a compact JWS or as the JSON credential with its embedded proof. */
  request: { credential: string | Record<string, unknown>; clientId: string },
): Promise<{ created: boolean; recognition: RecognitionRecord }> {
  const verdict = await verifyPresented(deps, request.credential);
  if (verdict.issuerRegion === deps.region.code)
    throw new RecognitionRefused('own-certificate', {
      en: `${deps.region.nameEn} issued this certificate itself`,
      zh: `此证书由${deps.region.nameZh}自己签发`,
    });
  const certificate = verdict.certificate;
  if (verdict.status !== 'valid' || !certificate?.id || !certificate.number || !verdict.issuerRegion) {
    throw new RecognitionRefused(
      'certificate-not-valid',
      {
        en: `Only a valid certificate is recognised; this one is ${verdict.status}: ${verdict.reasons.join('; ')}`,
        zh: `只认可有效的证书；此证书${VERDICT_STATUS_ZH[verdict.status]}：${verdict.reasonsZh.join('；')}`,
      },
      verdict,
    );
  }
  const id = recognitionId(deps.region.code, certificate.id);
  const existing = await deps.registry.getRecognition(id);
  if (existing) return { created: false, recognition: existing };
  // A revocation its issuer told us of stands even while the issuer's status list (or our reading of
  // it) has not caught up.
  const heard = await deps.registry.getReceivedRevocation(certificate.id);
  if (heard && heard.issuerDid === certificate.issuer)
    throw new RecognitionRefused('certificate-not-valid', revokedByIssuer(heard));

  const now = deps.now();
  const scope = applyAgreements(
    await deps.registry.listAgreements(),
    {
      issuerRegion: verdict.issuerRegion,
      occupationCode: certificate.occupationCode ?? '',
      level: certificate.level ?? 0,
    },
    deps.region.code,
    now,
  );
  if (!scope.recognised) throw new RecognitionRefused(scope.rule, { en: scope.reason, zh: scope.reasonZh });
  // The issuer is an active partner (verification found its keys through the registry).
  const issuer = await deps.registry.getPartner(verdict.issuerRegion);

  for (let tries = 0; tries < 8; tries++) {
    // The endorsement's status index is drawn at random in the region's open endorsement list.
    const openList = await deps.registry.openEndorsementList();
    const position = nextStatusPosition(openList, 'recognitions', deps.newSeed);
    const list = statusListOf(deps.region.code, 'recognitions', position.next.list);
    const endorsement = buildEndorsement({
      recognitionId: id,
      endorser: {
        did: deps.region.did,
        nameZh: deps.region.nameZh,
        nameEn: deps.region.nameEn,
        url: deps.region.publicUrl,
      },
      certificate: {
        id: certificate.id,
        number: certificate.number,
        issuerDid: certificate.issuer ?? '',
        issuerName: certificate.issuerName ?? verdict.issuerRegion,
        achievement: certificate.achievement ?? '',
        occupationCode: certificate.occupationCode ?? '',
        level: certificate.level ?? 0,
        ...(certificate.validUntil ? { validUntil: certificate.validUntil } : {}),
      },
      agreement: scope.agreement,
      issuedAt: now,
      status: { listBaseUrl: `${deps.region.publicUrl}${list.path}`, index: position.index },
    });
    const record: RecognitionRecord = {
      id,
      certificateId: certificate.id,
      certificateNumber: certificate.number,
      issuerDid: certificate.issuer ?? '',
      issuerRegion: verdict.issuerRegion,
      holderName: certificate.holderName ?? '',
      occupationCode: certificate.occupationCode ?? '',
      level: certificate.level ?? 0,
      agreementId: scope.agreement.id,
      requestedBy: request.clientId,
      recognisedAt: now.toISOString(),
      endorsement: (await deps.credentials.sign(endorsement)).jws,
      endorsementStatus: { listId: list.listId, index: position.index },
      status: 'active',
    };
    try {
      // The issuer is told by a notice stored with the recognition (an outbox), delivered and retried
      // like revocation notices: a recognition exists exactly when its notice to the issuer does.
      const notice = issuer ? recognitionNoticeFor(issuer, record) : undefined;
      // A concurrent request for the same certificate may win: then its record is the answer.
      const made = await deps.registry.createRecognition(
        record,
        { read: openList, next: position.next },
        notice,
      );
      // The first endorsement on a new list: sign the list so its URL answers (status-publication.ts).
      if (made.created && deps.publication) await publishIfUnsigned(deps.publication, list.listId);
      if (made.created) await refuseIfRevokedMeanwhile(deps, made.recognition);
      if (made.created && notice?.status === 'pending') await startNotice(deps, notice.id);
      return made;
    } catch (error) {
      if (!(error instanceof StateConflict)) throw error;
    }
  }
  throw new Error('Could not take an endorsement status list position after 8 tries');
}

/**
 * A revocation notice processed while this recognition was being made did not see it (the notice looks
 * for recognitions after it records the revocation; we look for the revocation after we record the
 * recognition, so one of the two always sees the other): void it now and refuse.
 */
async function refuseIfRevokedMeanwhile(deps: RecognitionDeps, recognition: RecognitionRecord) {
  const heard = await deps.registry.getReceivedRevocation(recognition.certificateId);
  if (!heard || heard.issuerDid !== recognition.issuerDid) return;
  await voidRecognition(deps, recognition, {
    at: deps.now(),
    reason: heard.reason,
    noticeId: heard.noticeId,
  });
  throw new RecognitionRefused('certificate-not-valid', revokedByIssuer(heard));
}

export async function getRecognition(deps: Pick<RecognitionDeps, 'registry'>, id: string) {
  const recognition = await deps.registry.getRecognition(id);
  if (!recognition) throw notFound({ en: 'No such recognition', zh: '没有此认可记录' });
  return recognition;
}

/** Starts the notice's first delivery round; if that fails, the sweep starts it within minutes. */
async function startNotice(deps: RecognitionDeps, noticeId: string) {
  if (!deps.dispatcher) return;
  try {
    await deps.dispatcher.dispatch(noticeId);
  } catch (error) {
    logger.warn('Recognition notice not started yet; the sweep will', { noticeId, error: error as Error });
  }
}
