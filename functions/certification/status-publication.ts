// Status lists are signed when they change, never when someone asks for them. A change (a suspension,
// reinstatement or revocation, a voided recognition) signs the lists it changed right after its
// transaction commits; the first credential placed on a new list signs that list; and a sweep every few
// minutes signs any handed-out list whose stored signature is missing, older than its bits, or half-way
// to its validUntil — so a signer that failed after a commit is made good within minutes, and a stored
// list never expires. The public route only reads what is stored (status-serving.ts; docs/security.md,
// "Public routes").
import {
  STATUS_PURPOSES,
  StatusList,
  type StatusListKind,
  type StatusPurpose,
  statusListCredential,
  statusListOf,
  statusListOrigin,
} from '../domain/index.js';
import type { CredentialSigner, SignedStatusList, StatusListBits, StatusListStore } from '../ports.js';
import { logger } from '../shared/logger.js';

/** How long verifiers may keep a status list (its `ttl` and our cache-control). */
export const STATUS_LIST_TTL_SECONDS = 300;
/** How long a signed list stands (validUntil − validFrom). */
export const STATUS_LIST_VALIDITY_SECONDS = 24 * 3600;
/** An unchanged list is signed again once its signature is this old: half its validity is the margin. */
export const STATUS_LIST_RENEW_AFTER_SECONDS = 12 * 3600;
/** The first year whose yearly lists (before indexes were drawn at random) the sweep looks for. */
const FIRST_YEARLY_LIST = 2024;

export interface StatusPublicationDeps {
  region: { code: string; did: string; publicUrl: string };
  lists: StatusListStore;
  credentials: CredentialSigner;
  now(): Date;
}

export type Publication = 'signed' | 'current' | 'superseded';

/**
 * Signs one list from its current bits and stores it, unless the stored one was made from these bits and
 * is not yet due for renewal. Idempotent and safe to run concurrently: a store never overwrites a list
 * made from later bits (StatusListStore.storeSignedStatusList).
 */
export async function signStatusList(
  deps: StatusPublicationDeps,
  listId: string,
  purpose: StatusPurpose,
): Promise<Publication> {
  const [bits, stored] = await Promise.all([
    deps.lists.statusList(listId, purpose),
    deps.lists.signedStatusList(listId, purpose),
  ]);
  const now = deps.now();
  if (
    stored &&
    stored.listVersion >= bits.version &&
    now.getTime() - Date.parse(stored.signedAt) < STATUS_LIST_RENEW_AFTER_SECONDS * 1000
  )
    return 'current';
  const stores = await deps.lists.storeSignedStatusList(await signedFrom(deps, bits, now));
  return stores ? 'signed' : 'superseded';
}

/**
 * The lists a change is about to write, signed from those very bits, to be stored in the change's own
 * transaction: the status change and the list verifiers read appear together, never one before the
 * other. Undefined when signing fails (logged): the change then commits alone and the sweep signs the
 * lists within minutes, so a signing outage does not block a revocation.
 */
export async function signedForChange(
  deps: StatusPublicationDeps,
  lists: StatusListBits[],
): Promise<SignedStatusList[] | undefined> {
  try {
    return await Promise.all(lists.map((bits) => signedFrom(deps, bits, deps.now())));
  } catch (error) {
    logger.warn('Status lists not signed with the change; the sweep will', { error: error as Error });
    return undefined;
  }
}

async function signedFrom(
  deps: StatusPublicationDeps,
  bits: StatusListBits,
  now: Date,
): Promise<SignedStatusList> {
  const credential = statusListCredential({
    url: `${deps.region.publicUrl}/status/${bits.listId}/${bits.purpose}`,
    issuerDid: deps.region.did,
    purpose: bits.purpose,
    list: StatusList.decode(bits.encodedList),
    validFrom: now,
    ttlSeconds: STATUS_LIST_TTL_SECONDS,
    validitySeconds: STATUS_LIST_VALIDITY_SECONDS,
  });
  const { jws } = await deps.credentials.sign(credential);
  return {
    listId: bits.listId,
    purpose: bits.purpose,
    listVersion: bits.version,
    signedAt: now.toISOString(),
    validUntil: credential.validUntil,
    jws,
  };
}

/**
 * Signs both purposes of each list after a change. Never throws: the change it follows has committed, and
 * the sweep signs whatever this could not (logged), within its five minutes (lib/constructs/partners.ts).
 */
export async function publishStatusLists(
  deps: StatusPublicationDeps,
  lists: { listId: string; purpose: StatusPurpose }[],
): Promise<boolean> {
  const outcomes = await Promise.allSettled(lists.map((l) => signStatusList(deps, l.listId, l.purpose)));
  const failed = outcomes.filter((o) => o.status === 'rejected');
  for (const failure of failed)
    logger.warn('Status list not signed yet; the sweep will', { error: failure.reason as Error });
  return failed.length === 0;
}

/** Both purposes of a list, for a caller that placed a credential on it and knows only its id. */
export const bothPurposes = (listId: string) => STATUS_PURPOSES.map((purpose) => ({ listId, purpose }));

/**
 * After a credential was placed on a list: signs the list if it was never signed (the first credential
 * on a new list). One read per purpose for every other credential; never throws (the sweep follows up).
 */
export async function publishIfUnsigned(deps: StatusPublicationDeps, listId: string): Promise<void> {
  try {
    const stored = await Promise.all(
      STATUS_PURPOSES.map((purpose) => deps.lists.signedStatusList(listId, purpose)),
    );
    const missing = STATUS_PURPOSES.filter((_, i) => stored[i] === undefined);
    if (missing.length > 0)
      await publishStatusLists(
        deps,
        missing.map((purpose) => ({ listId, purpose })),
      );
  } catch (error) {
    logger.warn('Could not check whether the status list is signed; the sweep will', {
      listId,
      error: error as Error,
    });
  }
}

/** Every list the region ever handed out (statusListOrigin), by list id. */
async function handedOutLists(deps: Pick<StatusPublicationDeps, 'region' | 'lists' | 'now'>) {
  const ids = new Set<string>();
  for (const kind of ['certificates', 'recognitions'] as StatusListKind[]) {
    const open = await deps.lists.openStatusList(kind);
    for (let list = 1; list <= (open?.list ?? 0); list++)
      ids.add(statusListOf(deps.region.code, kind, list).listId);
  }
  for (const signed of await deps.lists.signedStatusLists()) ids.add(signed.listId);
  // The yearly lists of before: handed out when their year's counter moved.
  const thisYear = deps.now().getUTCFullYear() + 1;
  for (let year = FIRST_YEARLY_LIST; year <= thisYear; year++) {
    for (const name of [String(year), `endorsements-${year}`]) {
      const origin = statusListOrigin(deps.region.code, name);
      if (origin && 'counter' in origin && (await deps.lists.peekCounter(origin.counter)) > 1)
        ids.add(`${deps.region.code}/${name}`);
    }
  }
  return [...ids];
}

/** The sweep: signs every handed-out list that needs it. */
export async function renewStatusLists(deps: StatusPublicationDeps) {
  const ids = await handedOutLists(deps);
  const outcomes = { signed: 0, current: 0, superseded: 0, failed: 0 };
  for (const listId of ids) {
    for (const purpose of STATUS_PURPOSES) {
      try {
        outcomes[await signStatusList(deps, listId, purpose)]++;
      } catch (error) {
        outcomes.failed++;
        logger.error('Status list could not be signed', { listId, purpose, error: error as Error });
      }
    }
  }
  // A list left unsigned is an error for the alarm; the next run tries again.
  if (outcomes.failed > 0) throw new Error(`${outcomes.failed} status lists could not be signed`);
  return { lists: ids.length, ...outcomes };
}
