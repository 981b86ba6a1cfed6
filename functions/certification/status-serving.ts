// GET /status/{region}/{list}/{purpose}: what the status-list function serves, read only — the list as
// signed when it last changed (status-publication.ts). Apart from the signing code, so that the functions
// that sign carry no HTTP layer and this one no signer.
import { statusListIdOf, statusListOrigin } from '../domain/index.js';
import { busy, notFound } from '../shared/http.js';
import { STATUS_LIST_TTL_SECONDS, type StatusPublicationDeps } from './status-publication.js';

/** Was this list ever handed out (a read-only check, for telling "not yet signed" from "no such list")? */
async function wasHandedOut(deps: Pick<StatusPublicationDeps, 'region' | 'lists'>, list: string) {
  const origin = statusListOrigin(deps.region.code, list);
  if (!origin) return false;
  if ('counter' in origin) return (await deps.lists.peekCounter(origin.counter)) > 1;
  const open = await deps.lists.openStatusList(origin.kind);
  return open !== undefined && origin.list <= open.list;
}

/**
 * GET /status/{region}/{list}/{purpose}: the stored signed list, read only. A list no credential named is
 * a 404; one handed out whose first signature has not landed yet is a 503 with Retry-After (the sweep
 * signs it within minutes).
 */
export async function servedStatusList(
  deps: Pick<StatusPublicationDeps, 'region' | 'lists' | 'now'>,
  parts: { region: string; list: string; purpose: string },
): Promise<{ jws: string; maxAgeSeconds: number }> {
  const id = statusListIdOf(deps.region.code, parts);
  if (!id) throw notFound({ en: 'No such status list', zh: '没有这个状态列表' });
  const signed = await deps.lists.signedStatusList(id.listId, id.purpose);
  if (!signed) {
    if (await wasHandedOut(deps, parts.list))
      throw busy(
        { en: 'This status list is being signed; ask again shortly', zh: '该状态列表正在签名，请稍后再试' },
        60,
      );
    throw notFound({ en: 'No such status list', zh: '没有这个状态列表' });
  }
  const left = Math.floor((Date.parse(signed.validUntil) - deps.now().getTime()) / 1000);
  return { jws: signed.jws, maxAgeSeconds: Math.max(0, Math.min(STATUS_LIST_TTL_SECONDS, left)) };
}
