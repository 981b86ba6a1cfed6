// Key windows ordered by generation: a newer generation closes the windows of older keys only once it
// has been in use for the grace period (a deployment that fails and rolls back before that leaves the
// older key signing), never the reverse, and each algorithm on its own line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalProofSigner, LocalSigner } from '../../../functions/adapters/local-signer.js';
import { SUPERSEDED_GRACE_MS } from '../../../functions/domain/signing-keys.js';
import { verifyIssuerSigned } from '../../../functions/domain/verification.js';
import { signCompactJws } from '../../../functions/shared/signing.js';
import {
  LedgeredProofSigner,
  LedgeredSigner,
  RegionSigningKeys,
  SigningKeyRefused,
} from '../../../functions/shared/signing-keys.js';
import { MemoryLedger } from '../../support/memory-ledger.js';
import { clock } from '../../support/test-keys.js';

const DID = 'did:web:neijiang.skillcert.example';
const MINUTE = 60_000;

const dir = await mkdtemp(join(tmpdir(), 'key-generations-'));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A status list as the region signs them: its validFrom is when it was signed. */
const statusList = (at: Date) => ({
  id: 'https://neijiang.skillcert.example/status/neijiang/2026/revocation',
  type: ['VerifiableCredential', 'BitstringStatusListCredential'],
  issuer: DID,
  validFrom: at.toISOString(),
  credentialSubject: { statusPurpose: 'revocation', encodedList: 'u' },
});

describe('a rotation rolled back by a failed deployment', () => {
  it('leaves the older key signing, and verifiable, however long the rollback lasts', async () => {
    const ledger = new MemoryLedger();
    const time = clock('2026-05-01T08:00:00.000Z');
    const k1 = new LocalSigner(dir, 'rollback-g1');
    const k2 = new LocalSigner(dir, 'rollback-g2');
    const gen1 = () => new LedgeredSigner(k1, ledger, DID, time.now, { generation: 1 });
    await gen1().sign(new Uint8Array([1]));

    // Generation 2 is deployed; one of its functions signs before the deployment fails and rolls back.
    time.advance(86_400_000);
    await new LedgeredSigner(k2, ledger, DID, time.now, { generation: 2 }).sign(new Uint8Array([2]));
    time.advance(5 * MINUTE);

    // Generation 1 again, for the rest of the day: it keeps signing, and what it signs verifies.
    const rolledBack = gen1();
    for (const minutes of [1, 15, 60, 600]) {
      time.advance(minutes * MINUTE);
      await expect(rolledBack.sign(new Uint8Array([3]))).resolves.toHaveLength(64);
      const list = await signCompactJws(rolledBack, DID, statusList(time.now()), 'vc+jwt');
      const keys = await new RegionSigningKeys({
        signer: k1,
        ledger,
        issuerDid: DID,
        now: time.now,
      }).verificationKeys();
      await expect(verifyIssuerSigned(list, keys, (p) => p.issuer)).resolves.toMatchObject({ issuer: DID });
    }
    expect((await ledger.get(await k1.keyId()))?.signsUntil).toBeUndefined();

    // Generation 2 deployed again, for good: its key has been in use past the grace, so its next
    // signature closes generation 1's window after a fresh grace for generation 1's last containers.
    time.advance(86_400_000);
    const gen2 = new LedgeredSigner(k2, ledger, DID, time.now, { generation: 2 });
    await gen2.sign(new Uint8Array([4]));
    const closedAt = new Date(time.now().getTime() + SUPERSEDED_GRACE_MS).toISOString();
    expect((await ledger.get(await k1.keyId()))?.signsUntil).toBe(closedAt);
    time.advance(SUPERSEDED_GRACE_MS);
    await expect(gen1().sign(new Uint8Array([5]))).rejects.toThrow(SigningKeyRefused);
    await expect(gen2.sign(new Uint8Array([6]))).resolves.toHaveLength(64);
  });

  it('closes the older window after a successful rotation, once the new generation has signed for the grace', async () => {
    const ledger = new MemoryLedger();
    const time = clock('2026-05-01T08:00:00.000Z');
    const k1 = new LocalSigner(dir, 'forward-g1');
    const k2 = new LocalSigner(dir, 'forward-g2');
    const old = new LedgeredSigner(k1, ledger, DID, time.now, { generation: 1 });
    await old.sign(new Uint8Array([1]));
    time.advance(86_400_000);
    const gen2 = new LedgeredSigner(k2, ledger, DID, time.now, { generation: 2 });
    await gen2.sign(new Uint8Array([2]));
    // Both windows open while the new generation settles.
    expect((await ledger.get(await k1.keyId()))?.signsUntil).toBeUndefined();
    time.advance(SUPERSEDED_GRACE_MS);
    await gen2.sign(new Uint8Array([3]));
    expect((await ledger.get(await k1.keyId()))?.signsUntil).toBe(
      new Date(time.now().getTime() + SUPERSEDED_GRACE_MS).toISOString(),
    );
    // A container left from generation 1 finishes within the grace, then refuses.
    await expect(old.sign(new Uint8Array([4]))).resolves.toHaveLength(64);
    time.advance(SUPERSEDED_GRACE_MS);
    await expect(old.sign(new Uint8Array([5]))).rejects.toThrow(/was retired/);
  });
});

describe('windows ordered by generation', () => {
  it('never lets an older generation close a newer key’s window', async () => {
    const ledger = new MemoryLedger();
    const time = clock('2026-05-01T08:00:00.000Z');
    const k3 = new LocalSigner(dir, 'order-g3');
    const k2 = new LocalSigner(dir, 'order-g2');
    await new LedgeredSigner(k3, ledger, DID, time.now, { generation: 3 }).sign(new Uint8Array([1]));
    time.advance(86_400_000);
    // Generation 2, never used before, deployed by mistake and used for a day.
    const older = new LedgeredSigner(k2, ledger, DID, time.now, { generation: 2 });
    await older.sign(new Uint8Array([2]));
    time.advance(86_400_000);
    await older.sign(new Uint8Array([3]));
    expect((await ledger.get(await k3.keyId()))?.signsUntil).toBeUndefined();
    await expect(
      new LedgeredSigner(k3, ledger, DID, time.now, { generation: 3 }).sign(new Uint8Array([4])),
    ).resolves.toHaveLength(64);
  });

  it('closes only keys of the same algorithm, and counts keys recorded before generations as the oldest', async () => {
    const ledger = new MemoryLedger();
    const time = clock('2026-05-01T08:00:00.000Z');
    const legacy = new LocalSigner(dir, 'legacy-es');
    // Recorded by code that knew no generations.
    await new LedgeredSigner(legacy, ledger, DID, time.now).sign(new Uint8Array([1]));
    expect((await ledger.get(await legacy.keyId()))?.generation).toBeUndefined();
    time.advance(86_400_000);
    const ed1 = new LedgeredProofSigner(new LocalProofSigner(dir, 'legacy-ed1'), ledger, DID, time.now, {
      generation: 1,
    });
    await ed1.sign(new Uint8Array(64));
    time.advance(SUPERSEDED_GRACE_MS);
    await ed1.sign(new Uint8Array(64));
    // The Ed25519 key of generation 1, settled, closes no ES256 window.
    expect((await ledger.get(await legacy.keyId()))?.signsUntil).toBeUndefined();
    const es2 = new LedgeredSigner(new LocalSigner(dir, 'legacy-es2'), ledger, DID, time.now, {
      generation: 2,
    });
    await es2.sign(new Uint8Array([2]));
    time.advance(SUPERSEDED_GRACE_MS);
    await es2.sign(new Uint8Array([3]));
    expect((await ledger.get(await legacy.keyId()))?.signsUntil).toBeDefined();
  });
});
