// Status lists are signed when they change, stored, and served from storage: the public route never
// signs. An in-memory StatusListStore and a counting signer stand in for the table and KMS here; the
// integration tests run the same code on DynamoDB Local and the local cloud.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  publishIfUnsigned,
  renewStatusLists,
  STATUS_LIST_RENEW_AFTER_SECONDS,
  type StatusPublicationDeps,
  signedForChange,
  signStatusList,
} from '../../../functions/certification/status-publication.js';
import { servedStatusList } from '../../../functions/certification/status-serving.js';
import { StatusList } from '../../../functions/domain/index.js';
import type { SignedStatusList, StatusListBits, StatusListStore } from '../../../functions/ports.js';
import { HttpError } from '../../../functions/shared/http.js';

class MemoryLists implements StatusListStore {
  bits = new Map<string, StatusListBits>();
  signed = new Map<string, SignedStatusList>();
  open: Record<string, number> = {};
  counters: Record<string, number> = {};
  async statusList(listId: string, purpose: 'revocation' | 'suspension') {
    return (
      this.bits.get(`${listId}#${purpose}`) ?? {
        listId,
        purpose,
        encodedList: StatusList.empty().encode(),
        version: 0,
      }
    );
  }
  async openStatusList(kind: 'certificates' | 'recognitions') {
    return this.open[kind] ? { list: this.open[kind] } : undefined;
  }
  async peekCounter(name: string) {
    return (this.counters[name] ?? 0) + 1;
  }
  async signedStatusList(listId: string, purpose: 'revocation' | 'suspension') {
    return this.signed.get(`${listId}#${purpose}`);
  }
  async signedStatusLists() {
    return [...this.signed.values()];
  }
  async storeSignedStatusList(s: SignedStatusList) {
    const stored = this.signed.get(`${s.listId}#${s.purpose}`);
    if (
      stored &&
      !(
        stored.listVersion < s.listVersion ||
        (stored.listVersion === s.listVersion && stored.signedAt < s.signedAt)
      )
    )
      return false;
    this.signed.set(`${s.listId}#${s.purpose}`, s);
    return true;
  }
  setBit(listId: string, purpose: 'revocation' | 'suspension', index: number) {
    const key = `${listId}#${purpose}`;
    const before = this.bits.get(key) ?? {
      listId,
      purpose,
      encodedList: StatusList.empty().encode(),
      version: 0,
    };
    const next = {
      ...before,
      encodedList: StatusList.decode(before.encodedList).set(index, true).encode(),
      version: before.version + 1,
    };
    this.bits.set(key, next);
    return next;
  }
}

function setUp() {
  let now = new Date('2027-03-01T00:00:00Z');
  const lists = new MemoryLists();
  const signatures: Record<string, unknown>[] = [];
  const deps: StatusPublicationDeps = {
    region: { code: 'neijiang', did: 'did:web:nj.example', publicUrl: 'https://nj.example' },
    lists,
    credentials: {
      async sign(credential) {
        signatures.push(credential);
        const payload = Buffer.from(JSON.stringify(credential)).toString('base64url');
        return { json: credential, jws: `eyJhbGciOiJFUzI1NiJ9.${payload}.sig` };
      },
    },
    now: () => now,
  };
  return {
    deps,
    lists,
    signatures,
    advance: (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}

const PARTS = { region: 'neijiang', list: 'certificates-1', purpose: 'revocation' };

describe('status lists signed when they change', () => {
  it('serves only what is stored: never signs on a request, 404 for a list never handed out, 503 while a handed-out one awaits its first signature', async () => {
    const { deps, lists, signatures } = setUp();
    const miss = await servedStatusList(deps, PARTS).catch((e: HttpError) => e);
    expect(miss).toMatchObject({ statusCode: 404 });
    for (const list of ['2024', '9999', 'certificates-2', 'recognitions-1', 'endorsements-0001'])
      await expect(servedStatusList(deps, { ...PARTS, list })).rejects.toMatchObject({ statusCode: 404 });
    lists.open.certificates = 1;
    await expect(servedStatusList(deps, PARTS)).rejects.toMatchObject({
      statusCode: 503,
      retryAfterSeconds: 60,
    });
    expect(signatures).toHaveLength(0);

    await publishIfUnsigned(deps, 'neijiang/certificates-1');
    expect(signatures).toHaveLength(2); // both purposes
    const served = await servedStatusList(deps, PARTS);
    expect(decodeJwt(served.jws)).toMatchObject({
      id: 'https://nj.example/status/neijiang/certificates-1/revocation',
    });
    expect(served.maxAgeSeconds).toBe(300);
    for (let i = 0; i < 20; i++) await servedStatusList(deps, PARTS);
    await publishIfUnsigned(deps, 'neijiang/certificates-1');
    expect(signatures).toHaveLength(2);
    expect(miss).toBeInstanceOf(HttpError);
  });

  it('signs a change from the very bits it writes, and a slower signer of older bits never overwrites it', async () => {
    const { deps, lists, advance } = setUp();
    lists.open.certificates = 1;
    const v1 = lists.setBit('neijiang/certificates-1', 'revocation', 7);
    const [signed] = (await signedForChange(deps, [v1])) ?? [];
    expect(signed).toMatchObject({ listVersion: 1 });
    expect(await lists.storeSignedStatusList(signed as SignedStatusList)).toBe(true);
    const list = (
      decodeJwt((await servedStatusList(deps, PARTS)).jws) as { credentialSubject: { encodedList: string } }
    ).credentialSubject.encodedList;
    expect(StatusList.decode(list).get(7)).toBe(true);

    // A signer that read version 0 before the change stores late: refused.
    advance(1);
    const stale = {
      ...(signed as SignedStatusList),
      listVersion: 0,
      signedAt: new Date().toISOString(),
      jws: 'stale',
    };
    expect(await lists.storeSignedStatusList(stale)).toBe(false);
    expect((await servedStatusList(deps, PARTS)).jws).toBe(signed?.jws);
    expect(await signStatusList(deps, 'neijiang/certificates-1', 'revocation')).toBe('current');
  });

  it('says so instead of throwing when signing fails, and the sweep signs what is missing, stale or due', async () => {
    const { deps, lists, signatures, advance } = setUp();
    lists.open.certificates = 2;
    lists.open.recognitions = 1;
    lists.counters['CERT#neijiang#2025'] = 3; // a yearly list of before
    const failing = {
      ...deps,
      credentials: { sign: async () => Promise.reject(new Error('KMS unavailable')) },
    };
    expect(
      await signedForChange(failing, [lists.setBit('neijiang/certificates-1', 'revocation', 1)]),
    ).toBeUndefined();

    const first = await renewStatusLists(deps);
    // certificates-1, certificates-2, recognitions-1 and the yearly 2025: two purposes each.
    expect(first).toMatchObject({ lists: 4, signed: 8, current: 0, failed: 0 });
    expect(await renewStatusLists(deps)).toMatchObject({ signed: 0, current: 8 });
    lists.setBit('neijiang/certificates-2', 'suspension', 3);
    expect(await renewStatusLists(deps)).toMatchObject({ signed: 1, current: 7 });
    // Unchanged lists are signed again half-way through their validity, so none ever expires.
    advance(STATUS_LIST_RENEW_AFTER_SECONDS + 1);
    const before = signatures.length;
    expect(await renewStatusLists(deps)).toMatchObject({ signed: 8 });
    expect(signatures.length - before).toBe(8);
    const served = await servedStatusList(deps, { ...PARTS, list: '2025' });
    expect(decodeJwt(served.jws)).toMatchObject({ validUntil: expect.any(String) });
    lists.setBit('neijiang/recognitions-1', 'revocation', 9);
    await expect(renewStatusLists(failing)).rejects.toThrow(/1 status lists could not be signed/);
  });

  it('answers with a cache lifetime no longer than the signature stands', async () => {
    const { deps, lists, advance } = setUp();
    lists.open.certificates = 1;
    await publishIfUnsigned(deps, 'neijiang/certificates-1');
    advance(24 * 3600 - 100);
    expect((await servedStatusList(deps, PARTS)).maxAgeSeconds).toBe(100);
    advance(200);
    expect((await servedStatusList(deps, PARTS)).maxAgeSeconds).toBe(0);
  });
});
