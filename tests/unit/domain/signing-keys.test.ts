import { describe, expect, it } from 'vitest';
import {
  algorithmOf,
  checkCompromise,
  firstUse,
  publicationOrder,
  SIGNS_FROM_CLOCK_SKEW_MS,
  type SigningKeyRecord,
  SUPERSEDED_GRACE_MS,
  signingKeyStatus,
  signingRefusal,
  supersession,
  verificationKeyOf,
} from '../../../functions/domain/signing-keys.js';

const DID = 'did:web:neijiang.skillcert.example';
const NOW = new Date('2026-05-01T08:00:00.000Z');
const jwk = (x: string) => ({ kty: 'EC', crv: 'P-256', x, y: `${x}-y` });
const identity = (t: string) => ({ thumbprint: t, kid: `${DID}#${t}`, publicJwk: jwk(t) });
const record = (t: string, extra: Partial<SigningKeyRecord> = {}): SigningKeyRecord => ({
  ...identity(t),
  recordedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
/** An Ed25519 proof key (OKP), beside the ES256 keys above. */
const okp = (x: string) => ({ kty: 'OKP', crv: 'Ed25519', x });
const edIdentity = (t: string) => ({ thumbprint: t, kid: `${DID}#${t}`, publicJwk: okp(t) });
const edRecord = (t: string, extra: Partial<SigningKeyRecord> = {}): SigningKeyRecord => ({
  ...edIdentity(t),
  recordedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('a key’s first signature', () => {
  it('opens the region’s very first key with no lower bound and closes nothing', () => {
    expect(firstUse(identity('k1'), [], NOW)).toEqual({
      record: { ...identity('k1'), recordedAt: NOW.toISOString() },
    });
  });

  it('opens a later key a clock-skew allowance before now, with its generation, and closes nothing yet', () => {
    const plan = firstUse(
      identity('k3'),
      [
        record('k1', { signsUntil: '2026-02-01T00:00:00.000Z' }),
        record('k2', { signsFrom: '2026-02-01T00:00:00.000Z' }),
      ],
      NOW,
      3,
    );
    expect(plan).toEqual({
      record: {
        ...identity('k3'),
        recordedAt: NOW.toISOString(),
        signsFrom: new Date(NOW.getTime() - SIGNS_FROM_CLOCK_SKEW_MS).toISOString(),
        generation: 3,
      },
    });
    expect(SIGNS_FROM_CLOCK_SKEW_MS).toBe(60_000);
    expect(SUPERSEDED_GRACE_MS).toBe(15 * 60_000);
  });

  it('keeps only the public members of the key', () => {
    const plan = firstUse(
      { ...identity('k1'), publicJwk: { ...jwk('k1'), d: 'secret', kid: 'x' } as never },
      [],
      NOW,
    );
    expect(plan.record.publicJwk).toEqual(jwk('k1'));
  });
});

describe('two algorithms, two lines of windows', () => {
  it('names the algorithm of a key and refuses any other kind', () => {
    expect(algorithmOf(jwk('k'))).toBe('ES256');
    expect(algorithmOf(okp('k'))).toBe('EdDSA');
    expect(() => algorithmOf({ kty: 'RSA' })).toThrow(/EC P-256 or OKP Ed25519/);
    expect(() => algorithmOf({ kty: 'OKP', crv: 'X25519' })).toThrow(/OKP X25519/);
  });

  it('closes only the open windows of its own algorithm', () => {
    const settled = new Date(NOW.getTime() - SUPERSEDED_GRACE_MS).toISOString();
    const ledger = [
      record('es1', { generation: 1 }),
      edRecord('ed1', { generation: 1 }),
      record('es2', { generation: 2, recordedAt: settled }),
      edRecord('ed2', { generation: 2, recordedAt: settled }),
    ];
    expect(supersession(edIdentity('ed2'), 2, ledger, NOW).map((s) => s.thumbprint)).toEqual(['ed1']);
    expect(supersession(identity('es2'), 2, ledger, NOW).map((s) => s.thumbprint)).toEqual(['es1']);
    expect(firstUse(edIdentity('ed2'), ledger, NOW).record.signsFrom).toBe(
      new Date(NOW.getTime() - SIGNS_FROM_CLOCK_SKEW_MS).toISOString(),
    );
  });

  it('gives the first key of each algorithm no lower bound, whatever the other algorithm has', () => {
    // An old deployment's first proof may come before its ES256 key is recorded: neither waits for the other.
    expect(firstUse(edIdentity('ed1'), [record('es1')], NOW)).toEqual({
      record: { ...edIdentity('ed1'), recordedAt: NOW.toISOString() },
    });
    expect(firstUse(identity('es1'), [edRecord('ed1')], NOW)).toEqual({
      record: { ...identity('es1'), recordedAt: NOW.toISOString() },
    });
  });

  it('publishes an Ed25519 key as an OKP JWK with alg EdDSA and nothing private', () => {
    const secret = { ...okp('ed1'), d: 'secret', y: 'none' };
    expect(firstUse({ ...edIdentity('ed1'), publicJwk: secret as never }, [], NOW).record.publicJwk).toEqual(
      okp('ed1'),
    );
    expect(verificationKeyOf(edRecord('ed1', { signsUntil: 'b' }))).toEqual({
      ...okp('ed1'),
      kid: `${DID}#ed1`,
      alg: 'EdDSA',
      use: 'sig',
      signsUntil: 'b',
    });
  });

  it('lists both active keys first, in the order given, then the newest windows', () => {
    const keys = [
      record('es1'),
      edRecord('ed1', { signsFrom: '2026-02-01T00:00:00.000Z' }),
      record('es2', { signsFrom: '2026-03-01T00:00:00.000Z' }),
      edRecord('ed2', { signsFrom: '2026-04-01T00:00:00.000Z' }),
    ];
    expect(publicationOrder(keys, ['es2', 'ed2']).map((k) => k.thumbprint)).toEqual([
      'es2',
      'ed2',
      'ed1',
      'es1',
    ]);
    expect(signingKeyStatus(keys[3] as SigningKeyRecord, ['es2', 'ed2'])).toBe('active');
    expect(signingKeyStatus(keys[1] as SigningKeyRecord, ['es2', 'ed2'])).toBe('retired');
  });
});

describe('windows ordered by generation', () => {
  const at = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString();
  const closing = (t: string) => ({
    thumbprint: t,
    signsUntil: new Date(NOW.getTime() + SUPERSEDED_GRACE_MS).toISOString(),
  });

  it('closes older generations only once the newer key has been in use for the grace', () => {
    const ledger = (recordedAgo: number) => [
      record('k1', { generation: 1 }),
      record('k2', { generation: 2, recordedAt: at(recordedAgo) }),
    ];
    expect(supersession(identity('k2'), 2, ledger(SUPERSEDED_GRACE_MS - 1), NOW)).toEqual([]);
    expect(supersession(identity('k2'), 2, ledger(SUPERSEDED_GRACE_MS), NOW)).toEqual([closing('k1')]);
    // Not recorded yet: nothing.
    expect(supersession(identity('k2'), 2, [record('k1', { generation: 1 })], NOW)).toEqual([]);
  });

  it('never closes a newer or equal generation, nor a closed window; a key without generation is the oldest', () => {
    const old = at(86_400_000);
    const ledger = [
      record('legacy', { recordedAt: old }),
      record('k1', { generation: 1, recordedAt: old, signsUntil: old }),
      record('k2', { generation: 2, recordedAt: old }),
      record('k2b', { generation: 2, recordedAt: old }),
      record('k3', { generation: 3, recordedAt: old }),
    ];
    expect(supersession(identity('k2'), 2, ledger, NOW)).toEqual([closing('legacy')]);
    expect(supersession(identity('k3'), 3, ledger, NOW)).toEqual([
      closing('legacy'),
      closing('k2'),
      closing('k2b'),
    ]);
    expect(supersession(identity('legacy'), 1, ledger, NOW)).toEqual([]);
  });
});

describe('whether a key may sign', () => {
  it('signs while open, and within the grace after a newer key took over', () => {
    expect(signingRefusal(record('k1'), NOW)).toBeUndefined();
    expect(signingRefusal(record('k1', { signsUntil: '2026-05-01T08:10:00.000Z' }), NOW)).toBeUndefined();
  });

  it('refuses once its window closed', () => {
    expect(signingRefusal(record('k1', { signsUntil: NOW.toISOString() }), NOW)).toMatch(/was retired/);
  });

  it('refuses when compromised, even as of a later time, naming the reason', () => {
    expect(
      signingRefusal(
        record('k1', { compromisedAt: '2026-04-01T00:00:00.000Z', compromiseReason: 'HSM audit' }),
        NOW,
      ),
    ).toMatch(/declared compromised as of 2026-04-01T00:00:00.000Z \(HSM audit\)/);
  });
});

describe('publication', () => {
  it('names each key’s status', () => {
    expect(signingKeyStatus(record('k2'), 'k2')).toBe('active');
    expect(signingKeyStatus(record('k1'), 'k2')).toBe('retired');
    expect(signingKeyStatus(record('k2', { compromisedAt: NOW.toISOString() }), 'k2')).toBe('compromised');
  });

  it('publishes the window in the member names verification reads, and nothing private', () => {
    expect(
      verificationKeyOf(
        record('k1', {
          signsFrom: 'a',
          signsUntil: 'b',
          compromisedAt: 'c',
          compromiseReason: 'not published',
        }),
      ),
    ).toEqual({
      ...jwk('k1'),
      kid: `${DID}#k1`,
      alg: 'ES256',
      use: 'sig',
      signsFrom: 'a',
      signsUntil: 'b',
      compromisedAt: 'c',
    });
    expect(verificationKeyOf(record('k1'))).not.toHaveProperty('signsFrom');
  });

  it('lists the active key first, then the newest windows', () => {
    const keys = [
      record('k1'),
      record('k2', { signsFrom: '2026-02-01T00:00:00.000Z' }),
      record('k3', { signsFrom: '2026-03-01T00:00:00.000Z' }),
    ];
    expect(publicationOrder(keys, 'k2').map((k) => k.thumbprint)).toEqual(['k2', 'k3', 'k1']);
  });
});

describe('declaring a compromise', () => {
  const past = new Date(NOW.getTime() - 1000);
  it('accepts a time up to now for a known key not yet compromised', () => {
    expect(checkCompromise(record('k1'), past, NOW)).toEqual({ ok: true });
    expect(checkCompromise(record('k1'), NOW, NOW)).toEqual({ ok: true });
  });

  it('refuses an unknown key, a time in the future, and a second declaration', () => {
    expect(checkCompromise(undefined, past, NOW)).toMatchObject({ ok: false, problem: 'unknown-key' });
    expect(checkCompromise(record('k1'), new Date(NOW.getTime() + 1), NOW)).toMatchObject({
      ok: false,
      problem: 'in-the-future',
    });
    expect(checkCompromise(record('k1', { compromisedAt: past.toISOString() }), past, NOW)).toMatchObject({
      ok: false,
      problem: 'already-compromised',
    });
  });
});
