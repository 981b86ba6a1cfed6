// The stored form of a notice to a partner region (the outbox): its key and the index it waits in. In a
// module of its own so that both stores that create notices — certification (a revocation's notices) and
// the registry (a recognition's notice to the issuer) — write them the same way, and the recognition
// function does not bundle the certification store.
import type { NoticeRecord } from '../ports.js';
import { putNew } from './dynamodb-table.js';

/** Notices not yet acknowledged are in the sparse index under this key, oldest first. */
export const PENDING_NOTICES = 'NOTICES#pending';
/** Notices waiting for their partner to be active with a webhook again, per partner. */
export const heldNotices = (partnerCode: string) => `NOTICES#held#${partnerCode}`;

export const noticeKey = (id: string) => ({ pk: `NOTICE#${id}`, sk: 'NOTICE' });

/** A new notice, once (a conditional put), in the pending index or its partner's held index. */
export function noticePut(table: string, notice: NoticeRecord) {
  return putNew(table, noticeKey(notice.id), notice, {
    pk: notice.status === 'held' ? heldNotices(notice.partnerCode) : PENDING_NOTICES,
    sk: `${notice.createdAt}#${notice.id}`,
  });
}
