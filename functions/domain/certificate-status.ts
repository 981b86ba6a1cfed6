// What admins may do to an issued certificate, and which status bits each change sets. A certificate is
// active, suspended (lifted by reinstating it) or revoked (final). Each change carries a reason, which
// verifiers see for a revocation.

import type { StatusPurpose } from './credential.js';
import { DomainError } from './errors.js';
import type { StatusListKind } from './status-index.js';

export type CertificateStatus = 'active' | 'suspended' | 'revoked';
export type StatusAction = 'suspend' | 'reinstate' | 'revoke';

export class StatusChangeRefused extends DomainError {
  override name = 'StatusChangeRefused';
}

export interface StatusChange {
  from: CertificateStatus;
  to: CertificateStatus;
  /** The value each status list bit takes. */
  bits: Record<StatusPurpose, boolean>;
}

const TARGET: Record<StatusAction, CertificateStatus> = {
  suspend: 'suspended',
  reinstate: 'active',
  revoke: 'revoked',
};

export function statusChange(from: CertificateStatus, action: StatusAction): StatusChange {
  if (from === 'revoked')
    throw new StatusChangeRefused({
      en: 'The certificate is revoked; a revocation is final',
      zh: '该证书已撤销；撤销不可恢复',
    });
  if (action === 'suspend' && from === 'suspended')
    throw new StatusChangeRefused({ en: 'The certificate is already suspended', zh: '该证书已处于暂停状态' });
  if (action === 'reinstate' && from === 'active')
    throw new StatusChangeRefused({
      en: 'The certificate is active; only a suspended certificate is reinstated',
      zh: '该证书有效；只有暂停的证书才能恢复',
    });
  const to = TARGET[action];
  // A revoked certificate reads as revoked, not suspended: its suspension bit is cleared.
  return { from, to, bits: { revocation: to === 'revoked', suspension: to === 'suspended' } };
}

/**
 * A region's n-th status list of a kind (status-index.ts), relative to its public URL. Certificates and the
 * endorsements a region signs for recognitions have lists of their own, so their indexes never collide.
 */
export function statusListOf(regionCode: string, kind: StatusListKind, list: number) {
  return { listId: `${regionCode}/${kind}-${list}`, path: `/status/${regionCode}/${kind}-${list}` };
}

/** The counter of a region's certificate serials in a year (its yearly status list is named after it). */
export function certificateSerialCounter(regionCode: string, year: number): string {
  return `CERT#${regionCode}#${year}`;
}

/**
 * What shows that a list was ever handed out, so that only those are published (any other list name is
 * a 404, never a freshly signed empty list): a numbered list exists up to the open list of its kind; a
 * yearly list of before exists when its year's serial counter does (endorsement lists had their own).
 */
export function statusListOrigin(
  regionCode: string,
  list: string,
): { kind: StatusListKind; list: number } | { counter: string } | undefined {
  const numbered = /^(certificates|recognitions)-(\d+)$/.exec(list);
  if (numbered) return { kind: numbered[1] as StatusListKind, list: Number(numbered[2]) };
  const yearly = /^(endorsements-)?(\d{4})$/.exec(list);
  if (!yearly) return undefined;
  return yearly[1]
    ? { counter: `ENDORSEMENT#${regionCode}/${list}` }
    : { counter: certificateSerialCounter(regionCode, Number(yearly[2])) };
}

/**
 * List names: `certificates-N` and `recognitions-N` now; `YYYY` and `endorsements-YYYY` for the yearly
 * lists of credentials issued before indexes were drawn at random, which stay published and changeable.
 */
const LIST_NAME = /^(?:(?:endorsements-)?\d{4}|(?:certificates|recognitions)-[1-9]\d{0,5})$/;

/** Parses `/status/{region}/{list}/{purpose}` path parts back into a list id; undefined when not ours. */
export function statusListIdOf(
  regionCode: string,
  parts: { region: string; list: string; purpose: string },
): { listId: string; purpose: StatusPurpose } | undefined {
  if (parts.region !== regionCode) return undefined;
  if (!LIST_NAME.test(parts.list)) return undefined;
  if (parts.purpose !== 'revocation' && parts.purpose !== 'suspension') return undefined;
  return { listId: `${regionCode}/${parts.list}`, purpose: parts.purpose };
}

/** The list id and purpose of a status list URL this region publishes; undefined for any other URL. */
export function statusListIdOfUrl(
  region: { code: string; publicUrl: string },
  url: string,
): { listId: string; purpose: StatusPurpose } | undefined {
  const prefix = `${region.publicUrl}/status/`;
  if (!url.startsWith(prefix)) return undefined;
  const [code, list, purpose, ...rest] = url.slice(prefix.length).split('/');
  if (!code || !list || !purpose || rest.length > 0) return undefined;
  return statusListIdOf(region.code, { region: code, list, purpose });
}
