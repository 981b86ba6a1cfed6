// Admins suspend, reinstate and revoke certificates; the region publishes its status lists, signed.
// A change writes the certificate's status and its status bits in one transaction; a revocation also
// stores a notice for each partner region, then starts their delivery (which signs them).
import { decodeJwt } from 'jose';
import { type DynamoDbCertificationStore, StateConflict } from '../adapters/dynamodb-certification-store.js';
import { type StatusListRecord, withBit } from '../adapters/dynamodb-status-lists.js';
import {
  STATUS_PURPOSES,
  type StatusAction,
  StatusChangeRefused,
  StatusList,
  type StatusPurpose,
  statusChange,
  statusEntriesToCheck,
  statusListCredential,
  statusListIdOf,
  statusListIdOfUrl,
  statusListOrigin,
} from '../domain/index.js';
import { noticesFor } from '../partners/notices.js';
import type { VerificationDeps } from '../partners/verification.js';
import type { CredentialSigner, NoticeDispatcher } from '../ports.js';
import { conflict, notFound } from '../shared/http.js';
import { logger } from '../shared/logger.js';

export type StatusDeps = Pick<VerificationDeps, 'region' | 'registry' | 'now'> & {
  certificates: DynamoDbCertificationStore;
  dispatcher: NoticeDispatcher;
};

/** How long verifiers may keep a status list: a revocation reaches every verifier within this time. */
export const STATUS_LIST_TTL_SECONDS = 300;

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
    if (!certificate) throw notFound(`No certificate numbered ${input.number}`);
    let change: ReturnType<typeof statusChange>;
    try {
      change = statusChange(certificate.status, input.action);
    } catch (error) {
      if (error instanceof StatusChangeRefused) throw conflict(error.message);
      throw error;
    }
    const at = deps.now();
    const { id, entries } = statusEntriesOf(deps, certificate.jws);
    const lists: StatusListRecord[] = [];
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
    try {
      await deps.certificates.changeCertificateStatus({
        number: certificate.number,
        from: certificate.status,
        entry: { status: change.to, reason: input.reason, at: at.toISOString(), by: input.adminSub },
        lists,
        notices,
      });
    } catch (error) {
      // Another change to this certificate or one on the same list got there first: read again.
      if (error instanceof StateConflict && tries < 7) continue;
      throw error;
    }
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
      notices: dispatched,
    };
  }
}

/** Whether any credential ever named this list (statusListOrigin): nothing is signed for a list nobody uses. */
async function wasHandedOut(
  deps: Pick<StatusDeps, 'region' | 'certificates'>,
  list: string,
): Promise<boolean> {
  const origin = statusListOrigin(deps.region.code, list);
  if (!origin) return false;
  if ('counter' in origin) return (await deps.certificates.peekCounter(origin.counter)) > 1;
  const open = await deps.certificates.openStatusList(origin.kind);
  return open !== undefined && origin.list <= open.list;
}

const signedLists = new Map<string, { version: number; signedAt: number; jws: string }>();
/** A container re-signs a list at most this often while it is unchanged; a change re-signs at once. */
const RESIGN_AFTER_MS = 60_000;

/** The signed BitstringStatusListCredential at /status/{region}/{list}/{purpose} (JWS; its payload holds the proof). */
export async function publishStatusList(
  deps: Pick<StatusDeps, 'region' | 'certificates' | 'now'> & { credentials: CredentialSigner },
  parts: { region: string; list: string; purpose: string },
): Promise<{ jws: string; maxAgeSeconds: number }> {
  const id = statusListIdOf(deps.region.code, parts);
  if (!id || !(await wasHandedOut(deps, parts.list))) throw notFound('No such status list');
  const record = await deps.certificates.statusList(id.listId, id.purpose);
  const now = deps.now();
  const cacheKey = `${id.listId}/${id.purpose}`;
  const cached = signedLists.get(cacheKey);
  if (cached && cached.version === record.version && now.getTime() - cached.signedAt < RESIGN_AFTER_MS) {
    const age = Math.floor((now.getTime() - cached.signedAt) / 1000);
    return { jws: cached.jws, maxAgeSeconds: Math.max(0, STATUS_LIST_TTL_SECONDS - age) };
  }
  const credential = statusListCredential({
    url: `${deps.region.publicUrl}/status/${parts.region}/${parts.list}/${id.purpose}`,
    issuerDid: deps.region.did,
    purpose: id.purpose,
    list: StatusList.decode(record.encodedList),
    validFrom: now,
    ttlSeconds: STATUS_LIST_TTL_SECONDS,
  });
  const { jws } = await deps.credentials.sign(credential);
  signedLists.set(cacheKey, { version: record.version, signedAt: now.getTime(), jws });
  return { jws, maxAgeSeconds: STATUS_LIST_TTL_SECONDS };
}
