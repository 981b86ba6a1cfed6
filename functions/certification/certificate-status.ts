// Admins suspend, reinstate and revoke certificates.
// A change writes the certificate's status and its status bits in one transaction; a revocation also
// stores a notice for each partner region, then starts their delivery (which signs them). The changed
// status lists are signed from the new bits and stored in the same transaction (status-publication.ts).
import { decodeJwt } from 'jose';
import {
  STATUS_PURPOSES,
  type StatusAction,
  StatusChangeRefused,
  StatusList,
  type StatusPurpose,
  statusChange,
  statusEntriesToCheck,
  statusListIdOfUrl,
  withBit,
} from '../domain/index.js';
import { noticesFor } from '../partners/notices.js';
import type { VerificationDeps } from '../partners/verification.js';
import {
  type CertificateRecords,
  type NoticeDispatcher,
  type RevocationNotices,
  StateConflict,
  type StatusListBits,
} from '../ports.js';
import { conflict, notFound } from '../shared/http.js';
import { logger } from '../shared/logger.js';
import { publishStatusLists, type StatusPublicationDeps, signedForChange } from './status-publication.js';

export type StatusDeps = Pick<VerificationDeps, 'region' | 'registry' | 'now'> & {
  certificates: CertificateRecords & RevocationNotices;
  dispatcher: NoticeDispatcher;
  /** Signs the lists a change wrote, right after it commits (status-publication.ts). */
  publication: StatusPublicationDeps;
};

/**
 * Where the certificate's bits are: list id and index per purpose, read from its own credential (its
 * revocation entry, and the suspension entry at the same index beside it).
 */
function statusEntriesOf(deps: StatusDeps, jws: string) {
  const credential = decodeJwt(jws) as { id?: string; credentialStatus?: unknown };
  const entries = new Map<StatusPurpose, { listId: string; index: number }>();
  for (const entry of statusEntriesToCheck(credential.credentialStatus)) {
    const id = statusListIdOfUrl(deps.region, entry.statusListCredential);
    if (id) entries.set(id.purpose, { listId: id.listId, index: Number(entry.statusListIndex) });
  }
  return { id: credential.id ?? '', entries };
}

export async function changeCertificateStatus(
  deps: StatusDeps,
  input: { number: string; action: StatusAction; reason: string; adminSub: string },
) {
  for (let tries = 0; ; tries++) {
    const certificate = await deps.certificates.getCertificate(input.number);
    if (!certificate)
      throw notFound({
        en: `No certificate numbered ${input.number}`,
        zh: `没有编号为 ${input.number} 的证书`,
      });
    let change: ReturnType<typeof statusChange>;
    try {
      change = statusChange(certificate.status, input.action);
    } catch (error) {
      if (error instanceof StatusChangeRefused) throw conflict(error.bilingual);
      throw error;
    }
    const at = deps.now();
    const { id, entries } = statusEntriesOf(deps, certificate.jws);
    const lists: StatusListBits[] = [];
    for (const purpose of STATUS_PURPOSES) {
      const entry = entries.get(purpose);
      if (!entry) continue;
      const list = await deps.certificates.statusList(entry.listId, purpose);
      if (StatusList.decode(list.encodedList).get(entry.index) !== change.bits[purpose])
        lists.push(withBit(list, entry.index, change.bits[purpose], at));
    }
    const notices =
      change.to === 'revoked'
        ? noticesFor(deps.region, await deps.registry.listPartners(), {
            certificate: { id, number: certificate.number },
            revokedAt: at,
            reason: input.reason,
          })
        : [];
    // The lists verifiers read, signed from the new bits and stored in the same transaction.
    const signedLists = await signedForChange(deps.publication, lists);
    try {
      await deps.certificates.changeCertificateStatus({
        number: certificate.number,
        from: certificate.status,
        entry: { status: change.to, reason: input.reason, at: at.toISOString(), by: input.adminSub },
        lists,
        ...(signedLists ? { signedLists } : {}),
        notices,
      });
    } catch (error) {
      // Another change to this certificate or one on the same list got there first: read again.
      if (error instanceof StateConflict && tries < 7) continue;
      throw error;
    }
    // Signing failed before the commit: try once more now; the sweep follows up if this fails too.
    const published =
      signedLists !== undefined ||
      (await publishStatusLists(
        deps.publication,
        lists.map((l) => ({ listId: l.listId, purpose: l.purpose })),
      ));
    const dispatched = await Promise.all(
      notices.map(async (notice) => {
        // Held for a partner that cannot take it now: sent when it can (docs/partners.md).
        if (notice.status === 'held')
          return {
            noticeId: notice.id,
            partner: notice.partnerCode,
            dispatched: false,
            held: notice.heldReason,
          };
        try {
          await deps.dispatcher.dispatch(notice.id);
          return { noticeId: notice.id, partner: notice.partnerCode, dispatched: true };
        } catch (error) {
          // The notice is stored: the pending-notice sweep starts its delivery later.
          logger.warn('Notice delivery not started yet', { noticeId: notice.id, error: error as Error });
          return { noticeId: notice.id, partner: notice.partnerCode, dispatched: false };
        }
      }),
    );
    return {
      number: certificate.number,
      status: change.to,
      previousStatus: change.from,
      reason: input.reason,
      at: at.toISOString(),
      statusListsPublished: published,
      notices: dispatched,
    };
  }
}
