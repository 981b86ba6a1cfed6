// Revocation notices between regions. The revoking region stores one notice per partner in the same
// transaction as the revocation (an outbox), so a notice exists exactly when the revocation does; a
// delivery workflow then signs it and POSTs it to the partner's webhook until it is acknowledged, in
// rounds that the sweep restarts when one gives up. A partner that cannot take a notice (suspended, no
// webhook) has it held until it can. The receiving region checks the signature against the sender's
// registered keys, keeps the revocation and voids the recognitions that rest on the certificate — also
// one made while the notice was processed — once, however often the notice arrives.
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { DynamoDbRegistryStore, RecognitionRecord } from '../adapters/dynamodb-registry-store.js';
import {
  publishStatusLists,
  type StatusPublicationDeps,
  signedForChange,
} from '../certification/status-publication.js';
import {
  isRevocationNotice,
  type PartnerRegion,
  partnerByDid,
  recognitionId,
  revocationNotice,
  SignedDocumentError,
  verifyIssuerSigned,
  withBit,
} from '../domain/index.js';
import {
  type CertificateRecords,
  type NoticeDispatcher,
  type NoticeHeldReason,
  type NoticeRecord,
  type PartnerDirectory,
  type RevocationNotices,
  type Signer,
  StateConflict,
} from '../ports.js';
import { badRequest, forbidden, HttpError, notFound } from '../shared/http.js';
import { logger } from '../shared/logger.js';
import { signCompactJws } from '../shared/signing.js';
import type { RegionSettings } from './verification.js';

/**
 * Why a partner cannot take a notice now, or undefined when it can: active, with a webhook. A notice for
 * a partner that cannot is held and sent once it can (releaseHeldNotices).
 */
export function whyHeld(partner: PartnerRegion | undefined): NoticeHeldReason | undefined {
  if (!partner) return 'not-in-registry';
  if (partner.status !== 'active') return 'partner-suspended';
  if (!partner.webhookUrl) return 'no-webhook';
  return undefined;
}

/**
 * One notice per partner region in the registry — every region that may have relied on the certificate,
 * active or not — to be stored with the revocation. A partner that cannot take it now gets it held.
 */
export function noticesFor(
  region: RegionSettings,
  partners: PartnerRegion[],
  revocation: { certificate: { id: string; number: string }; revokedAt: Date; reason: string },
): NoticeRecord[] {
  return partners.map((partner) => {
    const id = randomUUID();
    const held = whyHeld(partner);
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
      status: held ? ('held' as const) : ('pending' as const),
      ...(held ? { heldReason: held } : {}),
      attempts: 0,
      round: 1,
    };
  });
}

/**
 * The notice that tells a certificate's issuing region that this region recognised it: the signed
 * endorsement, stored with the recognition in the same transaction and delivered by the same retried
 * workflow as revocation notices. Its id is derived from the recognition's, so it exists exactly once.
 */
export function recognitionNoticeFor(
  issuer: PartnerRegion,
  recognition: { id: string; certificateNumber: string; endorsement: string; recognisedAt: string },
): NoticeRecord {
  const held = whyHeld(issuer);
  return {
    id: `recognition-${recognition.id}`,
    kind: 'recognition',
    partnerCode: issuer.code,
    certificateNumber: recognition.certificateNumber,
    recognitionId: recognition.id,
    jws: recognition.endorsement,
    createdAt: recognition.recognisedAt,
    status: held ? 'held' : 'pending',
    ...(held ? { heldReason: held } : {}),
    attempts: 0,
    round: 1,
  };
}

/** A delivery the partner did not acknowledge; the workflow retries it with backoff. */
export class NoticeNotAcknowledged extends Error {
  override name = 'Notice.NotAcknowledged';
}

export interface DeliveryDeps {
  region: RegionSettings;
  signer: Signer;
  certificates: RevocationNotices;
  registry: DynamoDbRegistryStore;
  directory: PartnerDirectory;
  now(): Date;
}

/** The notice signed with the region's current key: the stored bytes, or new ones if the key changed. */
async function signedNotice(deps: DeliveryDeps, notice: NoticeRecord): Promise<string> {
  // An endorsement was signed when the recognition was made and stays valid across rotations (a retired
  // key still verifies what it signed in its window): it is sent as it was stored.
  if (notice.kind === 'recognition') {
    if (!notice.jws) throw new Error(`Recognition notice ${notice.id} has no endorsement`);
    return notice.jws;
  }
  if (!notice.claims) throw new Error(`Notice ${notice.id} has neither claims nor a kind`);
  const currentKid = `${deps.region.did}#${await deps.signer.keyId()}`;
  if (notice.jws) {
    let storedKid: unknown;
    try {
      storedKid = decodeProtectedHeader(notice.jws).kid;
    } catch {
      storedKid = undefined;
    }
    // Signed before a rotation or a compromise: a partner refuses a compromised key's signature on every
    // retry, so the notice is signed again with the key the region signs with now (same claims, same jti).
    if (storedKid === currentKid) return notice.jws;
  }
  const jws = await signCompactJws(deps.signer, deps.region.did, notice.claims, 'notice+jwt');
  return deps.certificates.keepNoticeSignature(notice.id, jws, notice.jws);
}

/**
 * One delivery attempt. Throws NoticeNotAcknowledged unless the partner answered 2xx. A notice whose
 * partner cannot take it now (suspended, no webhook, gone from the registry) is held instead, and the
 * round ends without retrying: it is sent when the partner is back (releaseHeldNotices).
 */
export async function deliverNotice(deps: DeliveryDeps, noticeId: string) {
  const notice = await deps.certificates.getNotice(noticeId);
  if (!notice) throw new Error(`No notice ${noticeId}`);
  if (notice.status === 'delivered') return { noticeId, delivered: true, attempts: notice.attempts };
  if (notice.status === 'withdrawn')
    return { noticeId, delivered: false, withdrawn: true, attempts: notice.attempts };
  if (notice.status === 'held')
    return { noticeId, delivered: false, held: notice.heldReason, attempts: notice.attempts };
  // The partner is read at each attempt, so a partner that moves its endpoint still gets the notice.
  const partner = await deps.registry.getPartner(notice.partnerCode);
  const held = whyHeld(partner);
  if (held) {
    await deps.certificates.holdNotice(notice, held);
    return { noticeId, delivered: false, held, attempts: notice.attempts };
  }
  // A recognition voided since its notice was stored (the issuer revoked the certificate meanwhile) is not
  // told: the issuer would list a recognition that no longer stands in its holder's activity.
  if (notice.kind === 'recognition' && notice.recognitionId) {
    const recognition = await deps.registry.getRecognition(notice.recognitionId);
    if (recognition?.status === 'void') {
      await deps.certificates.withdrawNotice(noticeId, {
        at: deps.now(),
        reason: `Recognition ${recognition.id} was voided: ${recognition.voidReason ?? 'no reason recorded'}`,
      });
      return { noticeId, delivered: false, withdrawn: true, attempts: notice.attempts };
    }
  }
  const jws = await signedNotice(deps, notice);
  const outcome = await deps.directory.deliver(partner?.webhookUrl as string, jws);
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

/** Notices the sweep looks at per run: its reads and starts are bounded; the next run takes the rest. */
export const SWEEP_PAGE = 100;

/**
 * The scheduled sweep. Starts delivery of notices still pending after `olderThanSeconds` whose round
 * never started (the start failed after the revocation committed), and starts the next round of those
 * whose round has ended without an acknowledgement (its retries gave up). Idempotent: executions are
 * named by notice and round, and moving to the next round is a conditional write.
 */
export async function dispatchPending(
  deps: { certificates: RevocationNotices; dispatcher: NoticeDispatcher; now(): Date },
  olderThanSeconds = 60,
) {
  const cutoff = deps.now().getTime() - olderThanSeconds * 1000;
  const page = await deps.certificates.listPendingNotices({ limit: SWEEP_PAGE });
  const dispatched: string[] = [];
  const restarted: { noticeId: string; round: number }[] = [];
  for (const notice of page.items) {
    if (Date.parse(notice.createdAt) > cutoff) continue;
    const state = await deps.dispatcher.dispatch(notice.id, notice.round ?? 1);
    if (state === 'started') dispatched.push(notice.id);
    if (state !== 'ended') continue;
    const round = await deps.certificates.nextNoticeRound(notice);
    if (round === undefined) continue; // delivered, held or moved on meanwhile
    await deps.dispatcher.dispatch(notice.id, round);
    restarted.push({ noticeId: notice.id, round });
  }
  return { dispatched, restarted, ...(page.nextToken ? { more: true } : {}) };
}

/**
 * A partner is active with a webhook (again): its held notices go back to pending in a new round and
 * are started. One that cannot be started now is pending, so the sweep starts it.
 */
export async function releaseHeldNotices(
  deps: { certificates: RevocationNotices; dispatcher: NoticeDispatcher },
  partnerCode: string,
): Promise<string[]> {
  const released: string[] = [];
  for (const notice of await deps.certificates.listHeldNotices(partnerCode)) {
    const round = await deps.certificates.releaseNotice(notice);
    if (round === undefined) continue;
    released.push(notice.id);
    try {
      await deps.dispatcher.dispatch(notice.id, round);
    } catch (error) {
      logger.warn('Released notice not started yet; the sweep will', {
        noticeId: notice.id,
        error: error as Error,
      });
    }
  }
  return released;
}

/** Voids a recognition resting on a revoked certificate, with its endorsement's revocation bit. */
export async function voidRecognition(
  deps: { registry: DynamoDbRegistryStore; publication?: StatusPublicationDeps },
  recognition: RecognitionRecord,
  why: { at: Date; reason: string; noticeId: string },
): Promise<boolean> {
  for (let tries = 0; ; tries++) {
    const { listId, index } = recognition.endorsementStatus;
    const list = withBit(await deps.registry.statusList(listId, 'revocation'), index, true, why.at);
    // The endorsement list verifiers read, signed from the new bit and stored in the same transaction.
    const [signed] = deps.publication ? ((await signedForChange(deps.publication, [list])) ?? []) : [];
    try {
      const voided = await deps.registry.voidRecognition(recognition.id, why, list, signed);
      // Signing failed before the commit: try once more now; the sweep follows up if this fails too.
      if (voided && deps.publication && !signed)
        await publishStatusLists(deps.publication, [{ listId, purpose: 'revocation' }]);
      return voided;
    } catch (error) {
      if (!(error instanceof StateConflict) || tries >= 7) throw error;
    }
  }
}

export interface ReceiptDeps {
  region: RegionSettings;
  registry: DynamoDbRegistryStore;
  directory: PartnerDirectory;
  now(): Date;
  /** Re-signs the endorsement lists a voided recognition changed. */
  publication?: StatusPublicationDeps;
  /**
   * Records a partner's recognition of one of this region's certificates in the holder's activity, once
   * per endorsement; false when this region issued no such certificate.
   */
  recordRecognition?(input: {
    number: string;
    region: string;
    /** The partner's name in our registry when the recognition is heard of. */
    regionName: { zh: string; en: string };
    at: string;
    endorsementId: string;
  }): Promise<boolean>;
}

function isEndorsement(payload: unknown): payload is {
  id: string;
  issuer: { id: string } | string;
  validFrom: string;
  credentialSubject: { id: string };
} {
  const p = payload as {
    type?: unknown;
    credentialSubject?: { id?: unknown };
    id?: unknown;
    validFrom?: unknown;
  };
  return (
    Array.isArray(p?.type) &&
    p.type.includes('EndorsementCredential') &&
    typeof p.id === 'string' &&
    typeof p.validFrom === 'string' &&
    typeof p.credentialSubject?.id === 'string'
  );
}

/**
 * A partner's endorsement of one of this region's certificates (it recognised it): signed by that partner,
 * about a certificate this region issued; kept in the holder's activity, once.
 */
async function receiveEndorsement(deps: ReceiptDeps, jws: string, claimed: ReturnType<typeof decodeJwt>) {
  if (!isEndorsement(claimed))
    throw badRequest({
      en: 'The body is not an EndorsementCredential',
      zh: '请求内容不是认可凭证（EndorsementCredential）',
    });
  const issuerDid = typeof claimed.issuer === 'string' ? claimed.issuer : claimed.issuer.id;
  const partner = partnerByDid(await deps.registry.listPartners(), issuerDid);
  if (partner?.status !== 'active')
    throw forbidden({
      en: `${issuerDid} is not a partner region of ${deps.region.nameEn}`,
      zh: `${issuerDid} 不是${deps.region.nameZh}的伙伴地区`,
    });
  try {
    await verifyIssuerSigned(jws, await deps.directory.keys(partner), (p) => {
      const i = p.issuer as { id?: string } | string;
      return typeof i === 'string' ? i : i?.id;
    });
  } catch (error) {
    if (error instanceof SignedDocumentError)
      throw new HttpError(401, 'Unauthorized', {
        en: `The endorsement does not verify: ${error.message}`,
        zh: `认可凭证验证未通过：${error.messageZh}`,
      });
    throw error;
  }
  const prefix = `${deps.region.publicUrl}/certificates/`;
  const subject = claimed.credentialSubject.id;
  if (!subject.startsWith(prefix) || !deps.recordRecognition)
    throw forbidden({
      en: `The endorsement is about ${subject}, not a certificate of ${deps.region.nameEn}`,
      zh: `该认可凭证针对的是 ${subject}，不是${deps.region.nameZh}的证书`,
    });
  const recorded = await deps.recordRecognition({
    number: subject.slice(prefix.length),
    region: partner.code,
    regionName: { zh: partner.nameZh, en: partner.nameEn },
    at: claimed.validFrom,
    endorsementId: claimed.id,
  });
  if (!recorded)
    throw notFound({
      en: `${deps.region.nameEn} issued no certificate ${subject}`,
      zh: `${deps.region.nameZh}未签发证书 ${subject}`,
    });
  return { received: 'recognition', certificate: subject, recognisedBy: partner.code };
}

/** A partner's revocation notice arriving at this region's webhook. */
export async function receiveNotice(deps: ReceiptDeps, jws: string) {
  let claimed: unknown;
  try {
    claimed = decodeJwt(jws);
  } catch {
    throw badRequest({
      en: 'The body is not a signed notice (a compact JWS)',
      zh: '请求内容不是签名的通知（紧凑 JWS）',
    });
  }
  if (isEndorsement(claimed)) return receiveEndorsement(deps, jws, claimed);
  if (!isRevocationNotice(claimed))
    throw badRequest({
      en: 'The body is not a CertificateRevocationNotice or an EndorsementCredential',
      zh: '请求内容不是证书撤销通知（CertificateRevocationNotice）或认可凭证（EndorsementCredential）',
    });
  const partner = partnerByDid(await deps.registry.listPartners(), claimed.iss);
  if (partner?.status !== 'active')
    throw forbidden({
      en: `${claimed.iss} is not a partner region of ${deps.region.nameEn}`,
      zh: `${claimed.iss} 不是${deps.region.nameZh}的伙伴地区`,
    });
  try {
    await verifyIssuerSigned(jws, await deps.directory.keys(partner), (p) => p.iss);
  } catch (error) {
    if (error instanceof SignedDocumentError)
      throw new HttpError(401, 'Unauthorized', {
        en: `The notice does not verify: ${error.message}`,
        zh: `通知验证未通过：${error.messageZh}`,
      });
    throw error;
  }
  if (claimed.aud !== deps.region.did)
    throw forbidden({
      en: `The notice is addressed to ${claimed.aud}, not to this region`,
      zh: `该通知的接收方是 ${claimed.aud}，不是本地区`,
    });

  const reason = `Certificate revoked by ${partner.nameEn}: ${claimed.reason}`;
  // Kept first, so that a recognition made while this notice is processed finds it (recognise checks
  // after it writes), and one made later is refused.
  await deps.registry.recordReceivedRevocation({
    certificateId: claimed.certificate.id,
    certificateNumber: claimed.certificate.number,
    issuerDid: claimed.iss,
    noticeId: claimed.jti,
    revokedAt: claimed.revokedAt,
    reason,
    receivedAt: deps.now().toISOString(),
  });
  // This region's recognition of the certificate has a derived id: read by key, consistently, not
  // through the index (which may not show a recognition written a moment ago).
  const ids = new Set([
    recognitionId(deps.region.code, claimed.certificate.id),
    ...(await deps.registry.listRecognitionsOf(claimed.certificate.id)).map((r) => r.id),
  ]);
  const voided: string[] = [];
  for (const id of ids) {
    const recognition = await deps.registry.getRecognition(id);
    if (recognition?.status !== 'active' || recognition.issuerDid !== claimed.iss) continue;
    if (await voidRecognition(deps, recognition, { at: deps.now(), reason, noticeId: claimed.jti }))
      voided.push(recognition.id);
  }
  return { acknowledged: true, notice: claimed.jti, certificate: claimed.certificate.number, voided };
}

const HELD_WHY: Record<NoticeHeldReason, (name: string) => { en: string; zh: string }> = {
  'partner-suspended': (name) => ({
    en: `Held: ${name} is suspended in the registry; it is sent when ${name} is active again`,
    zh: `暂缓：${name}在伙伴名录中处于暂停状态，恢复为有效后即发送`,
  }),
  'no-webhook': (name) => ({
    en: `Held: ${name} has no webhook in the registry; it is sent once one is entered`,
    zh: `暂缓：${name}在伙伴名录中没有接收地址（webhook），登记后即发送`,
  }),
  'not-in-registry': (name) => ({
    en: `Held: ${name} is no longer in the registry; it is sent if it is entered again`,
    zh: `暂缓：${name}已不在伙伴名录中，重新登记后即发送`,
  }),
};

/**
 * For one revoked certificate: every partner region in the registry and whether it was told — delivered,
 * still being delivered (attempts, rounds, the last error, a round that gave up), held (and why), or
 * never sent a notice (entered in the registry after the revocation) — in words an admin can act on.
 */
export async function noticeReport(
  deps: {
    certificates: Pick<CertificateRecords, 'getCertificate'> & RevocationNotices;
    registry: DynamoDbRegistryStore;
  },
  number: string,
) {
  const certificate = await deps.certificates.getCertificate(number);
  if (!certificate)
    throw notFound({ en: `No certificate numbered ${number}`, zh: `没有编号为 ${number} 的证书` });
  const revocation = certificate.statusHistory?.findLast((h) => h.status === 'revoked');
  const [notices, partners] = await Promise.all([
    deps.certificates.listNoticesOf(number),
    deps.registry.listPartners(),
  ]);
  const byPartner = new Map(notices.map((n) => [n.partnerCode, n]));
  const codes = [...new Set([...partners.map((p) => p.code), ...notices.map((n) => n.partnerCode)])].sort();
  const rows = codes.map((code) => {
    const partner = partners.find((p) => p.code === code);
    const name = partner ? `${partner.nameEn} (${code})` : code;
    const nameZh = partner ? `${partner.nameZh}（${code}）` : code;
    const notice = byPartner.get(code);
    if (!notice)
      return {
        partnerCode: code,
        told: false,
        state: 'not-notified' as const,
        why: revocation
          ? {
              en: `${name} was not in the registry when the certificate was revoked on ${revocation.at}: no notice was made`,
              zh: `证书于 ${revocation.at} 撤销时${nameZh}不在伙伴名录中，未生成通知`,
            }
          : { en: 'The certificate is not revoked', zh: '该证书未被撤销' },
      };
    const facts = {
      noticeId: notice.id,
      attempts: notice.attempts,
      round: notice.round ?? 1,
      ...(notice.lastAttemptAt ? { lastAttemptAt: notice.lastAttemptAt } : {}),
      ...(notice.lastError ? { lastError: notice.lastError } : {}),
      ...(notice.gaveUpAt ? { gaveUpAt: notice.gaveUpAt } : {}),
    };
    if (notice.status === 'delivered')
      return {
        partnerCode: code,
        told: true,
        state: 'delivered' as const,
        deliveredAt: notice.deliveredAt,
        ...facts,
        why: {
          en: `${name} acknowledged the notice on ${notice.deliveredAt} after ${notice.attempts} attempt(s)`,
          zh: `${nameZh}已于 ${notice.deliveredAt} 确认收到通知（共尝试 ${notice.attempts} 次）`,
        },
      };
    if (notice.status === 'held')
      return {
        partnerCode: code,
        told: false,
        state: 'held' as const,
        heldReason: notice.heldReason,
        ...facts,
        why: HELD_WHY[notice.heldReason ?? 'not-in-registry'](partner ? partner.nameEn : code),
      };
    return {
      partnerCode: code,
      told: false,
      state: 'pending' as const,
      ...facts,
      why: notice.gaveUpAt
        ? {
            en: `Not acknowledged: round ${facts.round} gave up on ${notice.gaveUpAt} after ${notice.attempts} attempt(s) (last: ${notice.lastError ?? 'none'}); the sweep starts the next round within five minutes`,
            zh: `对方尚未确认：第 ${facts.round} 轮于 ${notice.gaveUpAt} 停止重试（共尝试 ${notice.attempts} 次，最后一次：${notice.lastError ?? '无'}）；定时任务将在五分钟内开始下一轮`,
          }
        : {
            en: `Being delivered: ${notice.attempts} attempt(s) so far in round ${facts.round}${notice.lastError ? ` (last: ${notice.lastError})` : ''}`,
            zh: `正在投递：第 ${facts.round} 轮已尝试 ${notice.attempts} 次${notice.lastError ? `（最后一次：${notice.lastError}）` : ''}`,
          },
    };
  });
  return {
    number,
    status: certificate.status,
    ...(revocation ? { revokedAt: revocation.at, reason: revocation.reason } : {}),
    told: rows.filter((r) => r.told).map((r) => r.partnerCode),
    notTold: rows.filter((r) => !r.told).map((r) => r.partnerCode),
    partners: rows,
  };
}
