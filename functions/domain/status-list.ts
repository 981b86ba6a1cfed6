// W3C Bitstring Status List v1.0: one bit per certificate, GZIP-compressed and base64url-encoded with
// the multibase prefix "u". Index 0 is the left-most bit of the first byte. Lists are at least 16 KB
// (131,072 entries) so that a verifier fetching one learns nothing about which certificate it checks.
import { gunzipSync, gzipSync } from 'node:zlib';

export const MIN_STATUS_LIST_BITS = 131_072;

export class StatusList {
  private constructor(private readonly bits: Uint8Array) {}

  static empty(length = MIN_STATUS_LIST_BITS): StatusList {
    if (length < MIN_STATUS_LIST_BITS || length % 8 !== 0) {
      throw new RangeError(`A status list holds a multiple of 8 entries, at least ${MIN_STATUS_LIST_BITS}`);
    }
    return new StatusList(new Uint8Array(length / 8));
  }

  static decode(encodedList: string): StatusList {
    if (!encodedList.startsWith('u'))
      throw new RangeError('encodedList must be multibase base64url (prefix "u")');
    let bits: Uint8Array;
    try {
      bits = new Uint8Array(gunzipSync(Buffer.from(encodedList.slice(1), 'base64url')));
    } catch {
      throw new RangeError('encodedList is not a GZIP-compressed bitstring');
    }
    if (bits.length * 8 < MIN_STATUS_LIST_BITS)
      throw new RangeError('The status list is shorter than 131,072 entries');
    return new StatusList(bits);
  }

  get length(): number {
    return this.bits.length * 8;
  }

  private position(index: number): [byte: number, mask: number] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`Status index ${index} is outside the list (0–${this.length - 1})`);
    }
    return [index >> 3, 0x80 >> (index & 7)];
  }

  get(index: number): boolean {
    const [byte, mask] = this.position(index);
    return ((this.bits[byte] as number) & mask) !== 0;
  }

  set(index: number, value: boolean): StatusList {
    const copy = new Uint8Array(this.bits);
    const [byte, mask] = this.position(index);
    copy[byte] = value ? (copy[byte] as number) | mask : (copy[byte] as number) & ~mask;
    return new StatusList(copy);
  }

  encode(): string {
    return `u${gzipSync(this.bits, { level: 9 }).toString('base64url')}`;
  }
}

/** The unsigned BitstringStatusListCredential for one list and purpose. */
export function statusListCredential(options: {
  url: string;
  issuerDid: string;
  purpose: 'revocation' | 'suspension';
  list: StatusList;
  validFrom: Date;
  /** How long verifiers may cache it (the list's `ttl`); also its validUntil unless validitySeconds says otherwise. */
  ttlSeconds: number;
  /** How long the signature stands (validUntil − validFrom): lists signed when they change live longer than their ttl. */
  validitySeconds?: number;
}) {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: options.url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: options.issuerDid,
    validFrom: options.validFrom.toISOString(),
    validUntil: new Date(
      options.validFrom.getTime() + (options.validitySeconds ?? options.ttlSeconds) * 1000,
    ).toISOString(),
    credentialSubject: {
      id: `${options.url}#list`,
      type: 'BitstringStatusList',
      statusPurpose: options.purpose,
      ttl: options.ttlSeconds * 1000,
      encodedList: options.list.encode(),
    },
  };
}

/**
 * A stored list with one bit changed, one version on: the next version a conditional write stores only
 * if the list is still at the version it was read at.
 */
export function withBit<T extends { encodedList: string; version: number }>(
  record: T,
  index: number,
  value: boolean,
  at: Date,
): T & { updatedAt: string } {
  return {
    ...record,
    encodedList: StatusList.decode(record.encodedList).set(index, value).encode(),
    version: record.version + 1,
    updatedAt: at.toISOString(),
  };
}
