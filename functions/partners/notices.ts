// Revocation notices between regions. The revoking region stores one notice per partner in the same
// transaction as the revocation (an outbox), so a notice exists exactly when the revocation does; a
// delivery workflow then signs it once and POSTs it to the partner's webhook until it is acknowledged.
// The receiving region checks the signature against the sender's registered keys and voids the
// recognitions that rest on the certificate, once, however often the notice arrives.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { DynamoDbCertificationStore } from '../adapters/dynamodb-certification-store.js';
import { StateConflict } from '../adapters/dynamodb-certification-store.js';
import type { DynamoDbRegistryStore } from '../adapters/dynamodb-registry-store.js';
import { withBit } from '../adapters/dynamodb-status-lists.js';
import {
  isRevocationNotice,
  type PartnerRegion,
  partnerByDid,
  revocationNotice,
  SignedDocumentError,
  verifyIssuerSigned,
} from '../domain/index.js';
import type { NoticeDispatcher, NoticeRecord, PartnerDirectory, Signer } from '../ports.js';
import { badRequest, forbidden, HttpError } from '../shared/http.js';
import { signCompactJws } from '../shared/signing.js';
import type { RegionSettings } from './verification.js';

/** The partners told of a revocation: active ones with a webhook. */
export function partnersToTell(partners: PartnerRegion[]): PartnerRegion[] {
  return partners.filter((p) => p.status === 'active' && p.webhookUrl);
}

/** One notice per partner, to be stored with the revocation; each is signed at its first delivery. */
export function noticesFor(
  region: RegionSettings,
  partners: PartnerRegion[],
  revocation: { certificate: { id: string; number: string }; revokedAt: Date; reason: string },
): NoticeRecord[] {
  return partners.map((partner) => {
    const id = randomUUID();
    return {
      id,
      partnerCode: partner.code,
      certificateNumber: revocation.certificate.number,
      claims: revocationNotice({
        noticeId: id,
        issuerDid: region.did,
        partnerDid: partner.did,
        ...revocation,
      }),
      createdAt: revocation.revokedAt.toISOString(),
      status: 'pending' as const,
      attempts: 0,
    };
  });
}

/** A delivery the partner did not acknowledge; the workflow retries it with backoff. */
export class NoticeNotAcknowledged extends Error {
  override name = 'Notice.NotAcknowledged';
}

export interface DeliveryDeps {
  region: RegionSettings;
  signer: Signer;
  certificates: DynamoDbCertificationStore;
  registry: DynamoDbRegistryStore;
  directory: PartnerDirectory;
  now(): Date;
}

/** One delivery attempt. Throws NoticeNotAcknowledged unless the partner answered 2xx. */
export async function deliverNotice(deps: DeliveryDeps, noticeId: string) {
  const notice = await deps.certificates.getNotice(noticeId);
  if (!notice) throw new Error(`No notice ${noticeId}`);
  if (notice.status === 'delivered') return { noticeId, delivered: true, attempts: notice.attempts };
  // The webhook is read at each attempt, so a partner that moves its endpoint still gets the notice.
  const partner = await deps.registry.getPartner(notice.partnerCode);
  // Signed once, at the first attempt; every attempt after sends the same bytes.
  const jws =
    notice.jws ??
    (await deps.certificates.keepNoticeSignature(
      noticeId,
      await signCompactJws(deps.signer, deps.region.did, notice.claims, 'notice+jwt'),
    ));
  const outcome = partner?.webhookUrl
    ? await deps.directory.deliver(partner.webhookUrl, jws)
    : { acknowledged: false, detail: `${notice.partnerCode} has no webhook in the registry` };
  const at = deps.now();
  await deps.certificates.recordNoticeAttempt(
    noticeId,
    outcome.acknowledged ? { at, delivered: true } : { at, delivered: false, error: outcome.detail },
  );
  if (!outcome.acknowledged)
    throw new NoticeNotAcknowledged(
      `Attempt ${notice.attempts + 1} to ${notice.partnerCode}: ${outcome.detail}`,
    );
  return { noticeId, delivered: true, attempts: notice.attempts + 1 };
}

/**
 * Starts delivery of notices still pending after `olderThanSeconds` (their first start may have failed
 * after the revocation committed). Starting is idempotent: the execution is named by the notice.
 */
export async function dispatchPending(
  deps: { certificates: DynamoDbCertificationStore; dispatcher: NoticeDispatcher; now(): Date },
  olderThanSeconds = 60,
) {
  const cutoff = deps.now().getTime() - olderThanSeconds * 1000;
  const pending = (await deps.certificates.listPendingNotices()).filter(
    (n) => Date.parse(n.createdAt) <= cutoff,
  );
  for (const notice of pending) await deps.dispatcher.dispatch(notice.id);
  return { dispatched: pending.map((n) => n.id) };
}

export interface ReceiptDeps {
  region: RegionSettings;
  registry: DynamoDbRegistryStore;
  directory: PartnerDirectory;
  now(): Date;
}

/** A partner's revocation notice arriving at this region's webhook. */
export async function receiveNotice(deps: ReceiptDeps, jws: string) {
  let claimed: unknown;
  try {
    claimed = decodeJwt(jws);
  } catch {
    throw badRequest('The body is not a signed notice (a compact JWS)');
  }
  if (!isRevocationNotice(claimed)) throw badRequest('The body is not a CertificateRevocationNotice');
  const partner = partnerByDid(await deps.registry.listPartners(), claimed.iss);
  if (partner?.status !== 'active')
    throw forbidden(`${claimed.iss} is not a partner region of ${deps.region.nameEn}`);
  try {
    await verifyIssuerSigned(jws, await deps.directory.keys(partner), (p) => p.iss);
  } catch (error) {
    if (error instanceof SignedDocumentError)
      throw new HttpError(401, 'Unauthorized', `The notice does not verify: ${error.message}`);
    throw error;
  }
  if (claimed.aud !== deps.region.did)
    throw forbidden(`The notice is addressed to ${claimed.aud}, not to this region`);

  const voided: string[] = [];
  for (const recognition of await deps.registry.listRecognitionsOf(claimed.certificate.id)) {
    if (recognition.status !== 'active' || recognition.issuerDid !== claimed.iss) continue;
    for (let tries = 0; ; tries++) {
      const list = await deps.registry.statusList(recognition.endorsementStatus.listId, 'revocation');
      try {
        const changed = await deps.registry.voidRecognition(
          recognition.id,
          {
            at: deps.now(),
            reason: `Certificate revoked by ${partner.nameEn}: ${claimed.reason}`,
            noticeId: claimed.jti,
          },
          withBit(list, recognition.endorsementStatus.index, true, deps.now()),
        );
        if (changed) voided.push(recognition.id);
        break;
      } catch (error) {
        if (!(error instanceof StateConflict) || tries >= 7) throw error;
      }
    }
  }
  return { acknowledged: true, notice: claimed.jti, certificate: claimed.certificate.number, voided };
}
