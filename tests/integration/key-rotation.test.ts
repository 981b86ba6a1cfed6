// Rotating the region's signing key on the local cloud: a certificate is issued with key generation 1,
// the same data comes back up with generation 2, and the old certificate still verifies against the
// published key set while new ones carry the new key. Then an admin declares the old key compromised
// as of a time T: what it signed before T stays valid, what it signed after T is refused. The Ed25519
// proof keys rotate with the same generation, on their own line of windows. A rotation rolled back
// (generation 1 again) keeps signing with the old key; windows close only once a newer generation has
// been in use for the grace (tests/unit/functions/key-generations.test.ts runs that on a clock).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSigningKeyLedger } from '../../functions/adapters/dynamodb-signing-key-ledger.js';
import { LocalProofSigner, LocalSigner } from '../../functions/adapters/local-signer.js';
import { VC_CONTEXT } from '../../functions/domain/credential.js';
import { type VerificationKey, verifyCredential } from '../../functions/domain/verification.js';
import { addProof, checkProof } from '../../functions/shared/data-integrity.js';
import { credentialJsonOf, signCredentialJwt } from '../../functions/shared/signing.js';
import { LedgeredProofSigner, proofVerificationMethod } from '../../functions/shared/signing-keys.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { DEV_USERS } from '../../local/dev-identities.js';
import { localDynamoDbClient } from '../../local/dynamodb-tables.js';
import { type SynthesizedStack, synthesizeRegion } from '../../local/synth.js';
import { EXAM_BODY, EXAM_ID, OCCUPATION } from '../../scripts/demo-exam.js';
import { eventually } from '../support/eventually.js';

const DID = 'did:web:neijiang.skillcert.example';
const ASSESSORS = ['liqiang', 'wangfang', 'zhaolei'];

let root: string;
let cloud: LocalCloud | undefined;

function synth(generation: number): SynthesizedStack {
  return synthesizeRegion({ region: 'neijiang', signingKeyGeneration: generation });
}

async function up(stack: SynthesizedStack): Promise<LocalCloud> {
  return startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'disk', dataDir: join(root, 'data') },
  });
}

function running(): LocalCloud {
  if (!cloud) throw new Error('the local cloud is not running');
  return cloud;
}

async function token(username: string) {
  const [pool] = running().model.userPools;
  const response = await fetch(`${pool?.issuer}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: pool?.clients.find((x) => !x.generateSecret)?.clientId as string,
      username,
      password: DEV_USERS.find((u) => u.username === username)?.password as string,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function call(user: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(`${running().endpoints.api}${path}`, {
    method,
    headers: {
      ...(user ? { authorization: `Bearer ${await token(user)}` } : {}),
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function jwks(): Promise<VerificationKey[]> {
  const { status, body } = await call(undefined, 'GET', '/.well-known/jwks.json');
  expect(status).toBe(200);
  return body.keys as VerificationKey[];
}

/** The region's active ES256 signing key in the local model (other KMS keys encrypt alarms, sign proofs). */
function localSigningKeyId(c: LocalCloud, keySpec = 'ECC_NIST_P256'): string {
  const key = c.model.signingKeys.find((k) => k.keyUsage === 'SIGN_VERIFY' && k.keySpec === keySpec);
  if (!key) throw new Error(`no ${keySpec} signing key in the model`);
  return key.keyId;
}

const byAlg = (keys: VerificationKey[], alg: 'ES256' | 'EdDSA') => keys.filter((k) => k.alg === alg);

/**
 * A Data Integrity proof by the region's active Ed25519 key, made as a signing function makes it: the
 * local key file behind the ledger in the region's table (DynamoDB Local).
 */
async function prove(c: LocalCloud, n: number, generation: number) {
  const [table] = c.model.tables;
  const signer = new LedgeredProofSigner(
    new LocalProofSigner(c.keysDir, localSigningKeyId(c, 'ECC_NIST_EDWARDS25519')),
    new DynamoDbSigningKeyLedger(
      table?.tableName as string,
      localDynamoDbClient(c.endpoints.dynamodb, c.model.region),
    ),
    DID,
    undefined,
    { generation },
  );
  const verificationMethod = await proofVerificationMethod(signer, DID);
  const document = {
    '@context': [VC_CONTEXT],
    type: ['VerifiableCredential'],
    issuer: DID,
    validFrom: new Date().toISOString(),
    credentialSubject: { id: `urn:uuid:00000000-0000-4000-8000-00000000000${n}` },
  };
  return {
    verificationMethod,
    signed: await addProof(document, { signer, verificationMethod, created: new Date() }),
  };
}

async function setUp() {
  const me = async (user: string) => String((await call(user, 'GET', '/me')).body.sub);
  await call('liumin', 'PUT', `/admin/occupations/${OCCUPATION.code}`, {
    nameZh: OCCUPATION.nameZh,
    nameEn: OCCUPATION.nameEn,
  });
  expect((await call('liumin', 'PUT', `/admin/exams/${EXAM_ID}`, EXAM_BODY)).status).toBe(200);
  for (const sessionId of ['rotation-1', 'rotation-2', 'rotation-3']) {
    const session = await call('liumin', 'PUT', `/admin/sessions/${sessionId}`, {
      examId: EXAM_ID,
      opensAt: new Date(Date.now() - 60_000).toISOString(),
      closesAt: new Date(Date.now() + 3_600_000).toISOString(),
      seatLimit: 5,
      location: 'A204',
    });
    expect(session.status).toBe(200);
  }
  for (const username of ['zhangwei', ...ASSESSORS]) {
    const dev = DEV_USERS.find((u) => u.username === username);
    const candidate = username === 'zhangwei';
    const person = await call('liumin', 'PUT', `/admin/people/${await me(username)}`, {
      name: dev?.name,
      employer: dev?.employer,
      trainingOrg: dev?.trainingOrg,
      roles: [candidate ? 'candidate' : 'assessor'],
      senior: true,
      yearsOfWork: { [OCCUPATION.code]: 6 },
      ...(candidate ? { nationalId: '51100219900307123X' } : {}),
    });
    expect(person.status).toBe(200);
  }
}

/** 张伟 sits the session with every answer right, two assessors give full marks: a certificate's JWS. */
async function certify(sessionId: string): Promise<string> {
  const started = await call('zhangwei', 'POST', `/sessions/${sessionId}/attempts`);
  expect(started.status).toBe(201);
  const attemptId = started.body.attemptId as string;
  const answers = Object.fromEntries(
    (started.body.paper as { id: string }[]).map(({ id }) => {
      const item = EXAM_BODY.items.find((i) => i.id === id);
      if (!item) throw new Error(`unknown item ${id}`);
      return [id, 'accepted' in item && item.accepted ? item.accepted[0] : item.answer];
    }),
  );
  const submitted = await call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
    answers,
    practicalEvidence: 'Ø40h7 × 120: 39.988 / 39.991 mm; Ra 1.6',
  });
  expect(submitted.status).toBe(202);
  const reviews = await eventually(async () => {
    const found: { user: string; slot: string }[] = [];
    for (const user of ASSESSORS) {
      const { body } = await call(user, 'GET', '/assessor/reviews');
      for (const r of body.reviews as { attemptId: string; slot: string }[])
        if (r.attemptId === attemptId) found.push({ user, slot: r.slot });
    }
    return found.length >= 2 ? found : undefined;
  }, 'two open reviews');
  for (const review of reviews) {
    await eventually(async () => {
      const r = await call(review.user, 'POST', `/assessor/reviews/${attemptId}/${review.slot}/marks`, {
        criteria: EXAM_BODY.rubric.map((c) => ({ criterionId: c.id, points: c.maxPoints })),
      });
      return r.status === 200 ? r : undefined;
    }, `review ${review.slot} to accept its mark`);
  }
  const decided = await eventually(async () => {
    const { body } = await call('zhangwei', 'GET', `/attempts/${attemptId}`);
    return ['passed', 'failed', 'error'].includes(String(body.status)) ? body : undefined;
  }, 'the decision');
  expect(decided.status).toBe('passed');
  const { body } = await call('zhangwei', 'GET', '/me/certificates');
  const certificate = (body.certificates as { number: string; jws: string }[]).find(
    (c) => c.number === decided.certificateNumber,
  );
  if (!certificate) throw new Error(`certificate ${String(decided.certificateNumber)} not listed`);
  return certificate.jws;
}

const payloadOf = (jws: string) =>
  JSON.parse(Buffer.from(jws.split('.')[1] as string, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  > & { validFrom: string };

let gen1: SynthesizedStack;
let gen2: SynthesizedStack;
let oldLocalKeyId: string;
let oldKid: string;
let first: string;
let oldProof: Awaited<ReturnType<typeof prove>>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skillcert-keys-'));
  gen1 = synth(1);
  gen2 = synth(2);
  cloud = await up(gen1);
  oldLocalKeyId = localSigningKeyId(cloud);
  await setUp();
}, 240_000);

afterAll(async () => {
  await cloud?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('signing-key rotation', () => {
  it('signs with generation 1 and publishes one key of each kind', async () => {
    first = await certify('rotation-1');
    oldKid = String(decodeProtectedHeader(first).kid);
    oldProof = await prove(running(), 1, 1);
    const keys = await jwks();
    expect(keys.map((k) => [k.alg, k.kid])).toEqual([
      ['ES256', oldKid],
      ['EdDSA', oldProof.verificationMethod],
    ]);
    expect(await checkProof(oldProof.signed, keys)).toMatchObject({ ok: true });
    expect((await verifyCredential({ credential: first, keys, now: new Date() })).status).toBe('valid');
  }, 120_000);

  it('after a restart with generation 2, keeps the old key published and verifiable, and signs with the new one', async () => {
    await running().stop();
    cloud = await up(gen2);
    expect(localSigningKeyId(cloud)).not.toBe(oldLocalKeyId);

    // Published before it signs anything: verifiers that cache the set already have it.
    const all = await jwks();
    const before = byAlg(all, 'ES256');
    expect(before).toHaveLength(2);
    expect(before[1]).toMatchObject({ kid: oldKid });
    expect(before[1]).not.toHaveProperty('signsUntil');
    const newKid = before[0]?.kid as string;
    const proofKeys = byAlg(all, 'EdDSA');
    expect(proofKeys.map((k) => k.kid)).toEqual([expect.any(String), oldProof.verificationMethod]);
    const newProofKid = proofKeys[0]?.kid as string;
    expect(newProofKid).not.toBe(oldProof.verificationMethod);
    expect(newKid).not.toBe(oldKid);
    expect(newKid.startsWith(`${DID}#`)).toBe(true);

    const second = await certify('rotation-2');
    expect(decodeProtectedHeader(second).kid).toBe(newKid);

    // The new proof key's first proof closes no window yet, of either kind.
    const newProof = await prove(running(), 2, 2);
    expect(newProof.verificationMethod).toBe(newProofKid);

    const keys = await jwks();
    expect(byAlg(keys, 'ES256').map((k) => k.kid)).toEqual([newKid, oldKid]);
    const [active, retired] = byAlg(keys, 'ES256');
    const [activeProof, retiredProof] = byAlg(keys, 'EdDSA');
    expect(activeProof).toMatchObject({ kid: newProofKid, signsFrom: expect.any(String) });
    expect(activeProof).not.toHaveProperty('signsUntil');
    expect(retiredProof).toMatchObject({ kid: oldProof.verificationMethod });
    expect(retiredProof).not.toHaveProperty('signsUntil');
    for (const { signed } of [oldProof, newProof]) {
      expect(await checkProof(signed, keys)).toMatchObject({ ok: true });
    }
    expect(active?.signsFrom).toEqual(expect.any(String));
    // Both windows stay open until generation 2 has been in use for the grace: a failed deployment
    // rolled back before then leaves generation 1 signing.
    expect(retired).not.toHaveProperty('signsUntil');
    for (const jws of [first, second]) {
      expect((await verifyCredential({ credential: jws, keys, now: new Date() })).status).toBe('valid');
    }

    const did = (await call(undefined, 'GET', '/.well-known/did.json')).body as {
      assertionMethod: string[];
      verificationMethod: { id: string; signsUntil?: string }[];
    };
    expect(did.assertionMethod).toEqual(keys.map((k) => k.kid));
    expect(did.verificationMethod.find((m) => m.id === oldKid)).toMatchObject({ type: 'JsonWebKey' });
    expect(did.verificationMethod.find((m) => m.id === oldProof.verificationMethod)).toMatchObject({
      type: 'Multikey',
    });

    const listed = await call('liumin', 'GET', '/admin/signing-keys');
    expect(listed.status).toBe(200);
    const listedKeys = listed.body.keys as { kid: string; status: string; generation?: number }[];
    // The ledger records each key's generation.
    expect(listedKeys.find((k) => k.kid === oldKid)?.generation).toBe(1);
    expect(listedKeys.find((k) => k.kid === newKid)?.generation).toBe(2);
    expect(listedKeys.find((k) => k.kid === newProofKid)?.generation).toBe(2);
    const rows = listedKeys.map((k) => [k.kid, k.status]);
    expect(rows.slice(0, 2)).toEqual([
      [newKid, 'active'],
      [newProofKid, 'active'],
    ]);
    expect(rows.slice(2)).toHaveLength(2);
    expect(rows.slice(2)).toEqual(
      expect.arrayContaining([
        [oldKid, 'retired'],
        [oldProof.verificationMethod, 'retired'],
      ]),
    );
  }, 180_000);

  it('keeps signing with generation 1 when the rotation is rolled back', async () => {
    await running().stop();
    cloud = await up(gen1);
    const third = await certify('rotation-3');
    expect(decodeProtectedHeader(third).kid).toBe(oldKid);
    const keys = await jwks();
    // jose checks the signature against the published set; the old key's window is still open.
    await expect(compactVerify(third, createLocalJWKSet({ keys: keys as never }))).resolves.toBeDefined();
    expect(keys.find((k) => k.kid === oldKid)).not.toHaveProperty('signsUntil');
    // Forward again, for the rest of the test.
    await running().stop();
    cloud = await up(gen2);
  }, 180_000);

  it('voids what the old key signed after it was declared compromised, and nothing before', async () => {
    const signedFirst = Date.parse(payloadOf(first).validFrom);
    const now = Date.now();
    const compromisedAt = new Date(Math.floor((signedFirst + now) / 2));
    const thumbprint = oldKid.split('#')[1] as string;

    // Someone with the old key's material signs a certificate after T (forged here with the key file).
    const thief = new LocalSigner(running().keysDir, oldLocalKeyId);
    expect(await thief.keyId()).toBe(thumbprint);
    const forged = await signCredentialJwt(thief, DID, {
      ...credentialJsonOf(first),
      validFrom: new Date(Math.floor((compromisedAt.getTime() + now) / 2)).toISOString(),
    });
    expect((await verifyCredential({ credential: forged, keys: await jwks(), now: new Date() })).status).toBe(
      'valid',
    );

    // Only admins, only a time that has passed, only once.
    const path = `/admin/signing-keys/${thumbprint}/compromise`;
    const reason = 'key material found on a decommissioned build host';
    expect((await call('zhangwei', 'POST', path, { compromisedAt, reason })).status).toBe(403);
    expect((await call(undefined, 'POST', path, { compromisedAt, reason })).status).toBe(401);
    const future = new Date(Date.now() + 3_600_000);
    expect((await call('liumin', 'POST', path, { compromisedAt: future, reason })).status).toBe(400);
    expect((await call('liumin', 'POST', path, { compromisedAt: 'last week', reason })).status).toBe(400);
    expect(
      (
        await call('liumin', 'POST', `/admin/signing-keys/${'x'.repeat(43)}/compromise`, {
          compromisedAt,
          reason,
        })
      ).status,
    ).toBe(404);
    expect((await jwks()).find((k) => k.kid === oldKid)).not.toHaveProperty('compromisedAt');

    const declared = await call('liumin', 'POST', path, { compromisedAt, reason });
    expect(declared.status).toBe(200);
    expect(declared.body).toMatchObject({
      kid: oldKid,
      status: 'compromised',
      compromisedAt: compromisedAt.toISOString(),
      compromiseReason: reason,
    });
    expect((await call('liumin', 'POST', path, { compromisedAt, reason })).status).toBe(409);

    const keys = await jwks();
    const compromised = keys.find((k) => k.kid === oldKid);
    expect(compromised).toMatchObject({ compromisedAt: compromisedAt.toISOString() });
    expect(compromised).not.toHaveProperty('compromiseReason');
    // Only that key: the proof keys are untouched.
    expect(byAlg(keys, 'EdDSA').some((k) => 'compromisedAt' in k)).toBe(false);
    expect((await verifyCredential({ credential: first, keys, now: new Date() })).status).toBe('valid');
    const refused = await verifyCredential({ credential: forged, keys, now: new Date() });
    expect(refused.status).toBe('signature-invalid');
    expect(refused.reasons.join(' ')).toMatch(/declared compromised/);
  }, 60_000);
});
