// What outside verifiers see, checked with their tools and not ours: the certificate, the endorsement and
// the status list a region issues, in both forms (the JSON credential with its embedded proof, and the
// JWS), against 1EdTech's JSON schemas, JSON-LD safe-mode expansion with only the three contexts,
// Digital Bazaar's vc library with the eddsa-rdfc-2022 cryptosuite and its Bitstring Status List checker,
// and jose's JWT verification with OB 3.0's claim rules.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import jsonld from 'jsonld';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildCredential,
  buildEndorsement,
  certificateValidUntil,
  StatusList,
  statusListCredential,
  type VerificationKey,
} from '../../../functions/domain/index.js';
import { credentialJsonOf } from '../../../functions/shared/signing.js';
import {
  contextsOnlyLoader,
  eddsaSuite,
  outsideLoader,
  schemaValidator,
  vc,
} from '../../fixtures/outside-tools.js';
import { testRegion } from '../../fixtures/test-region.js';
import { certificateFacts } from '../domain/fixtures.js';

const NJ = { did: 'did:web:neijiang.skillcert.example', url: 'https://neijiang.skillcert.example' };
const ZG = { did: 'did:web:zigong.skillcert.example', url: 'https://zigong.skillcert.example' };
const HOLDER = 'urn:uuid:8d2f4b6a-1c3e-4a5b-9c7d-0e1f2a3b4c5d';
const ISSUED = new Date(Date.now() - 86_400_000);
const INDEX = 90_317;
const LIST = `${NJ.url}/status/neijiang/certificates-1`;

const dir = await mkdtemp(join(tmpdir(), 'interop-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const neijiang = await testRegion(dir, NJ.did, 'neijiang');
const zigong = await testRegion(dir, ZG.did, 'zigong');

const certificate = await neijiang.credentials.sign(
  buildCredential(
    certificateFacts({
      holder: { id: HOLDER, name: '张伟' },
      issuedAt: ISSUED,
      validUntil: certificateValidUntil(ISSUED, 3),
      status: { listBaseUrl: LIST, index: INDEX },
    }),
  ),
);
const endorsement = await zigong.credentials.sign(
  buildEndorsement({
    recognitionId: 'r-8f3k2m',
    endorser: { did: ZG.did, nameZh: '自贡', nameEn: 'Zigong', url: ZG.url },
    certificate: {
      id: String(certificate.json.id),
      number: 'NJ-2026-4-000001-Q',
      issuerDid: NJ.did,
      issuerName: '内江市职业技能鉴定中心',
      achievement: '车工（四级/中级工）',
      occupationCode: '6-18-01-01',
      level: 4,
    },
    agreement: {
      id: 'nj-zg-2026',
      parties: ['zigong', 'neijiang'],
      occupationCodes: ['6-18-01-01'],
      levels: [4],
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2030-12-31T23:59:59Z',
      status: 'active',
    },
    issuedAt: ISSUED,
    status: { listBaseUrl: `${ZG.url}/status/zigong/recognitions-1`, index: 1234 },
  }),
);
async function statusListOf(purpose: 'revocation' | 'suspension', list: StatusList) {
  return neijiang.credentials.sign(
    statusListCredential({
      url: `${LIST}/${purpose}`,
      issuerDid: NJ.did,
      purpose,
      list,
      validFrom: new Date(),
      ttlSeconds: 300,
    }),
  );
}
const cleared = await statusListOf('revocation', StatusList.empty());
const revoked = await statusListOf('revocation', StatusList.empty().set(INDEX, true));
const suspensionList = await statusListOf('suspension', StatusList.empty().set(INDEX, true));
const endorsementList = await zigong.credentials.sign(
  statusListCredential({
    url: `${ZG.url}/status/zigong/recognitions-1/revocation`,
    issuerDid: ZG.did,
    purpose: 'revocation',
    list: StatusList.empty(),
    validFrom: new Date(),
    ttlSeconds: 300,
  }),
);

const schemas = schemaValidator();
const tampered = (document: Record<string, unknown>) => {
  const copy = structuredClone(document) as { credentialSubject: { name: string } };
  copy.credentialSubject.name = '李四';
  return copy as unknown as Record<string, unknown>;
};

describe("1EdTech's Open Badges 3.0 JSON schemas", () => {
  it('accept the certificate, in its JSON form and as the JWS payload', () => {
    expect(schemas.achievement(certificate.json)).toEqual([]);
    expect(
      schemas.achievement(
        JSON.parse(Buffer.from(certificate.jws.split('.')[1] as string, 'base64url').toString()),
      ),
    ).toEqual([]);
  });

  it('accept the endorsement', () => {
    expect(schemas.endorsement(endorsement.json)).toEqual([]);
  });

  it('refuse what we issued before: two status entries (0..1 allowed) and a single proof object', () => {
    const twoEntries = {
      ...certificate.json,
      credentialStatus: [certificate.json.credentialStatus, certificate.json.credentialStatus],
    };
    expect(schemas.achievement(twoEntries).join(' ')).toMatch(/credentialStatus/);
    const { proof, ...rest } = certificate.json as { proof: unknown[] };
    expect(schemas.achievement({ ...rest, proof: proof[0] }).join(' ')).toMatch(/proof/);
  });

  it('and our own schema, named beside theirs in credentialSchema, accepts both documents', () => {
    expect(schemas.skillcert(certificate.json)).toEqual([]);
    expect(schemas.skillcert(endorsement.json)).toEqual([]);
    expect((certificate.json.credentialSchema as { type: string }[]).map((s) => s.type)).toEqual([
      '1EdTechJsonSchemaValidator2019',
      '1EdTechJsonSchemaValidator2019',
    ]);
  });

  it('our schema refuses a holder named by an ID hash, a number outside the national form, or no pass policy', () => {
    const subject = certificate.json.credentialSubject as Record<string, unknown>;
    const withIdentifier = {
      ...certificate.json,
      credentialSubject: { ...subject, identifier: [{ type: 'IdentityObject' }] },
    };
    expect(schemas.skillcert(withIdentifier)).not.toEqual([]);
    expect(
      schemas.skillcert({ ...certificate.json, credentialSubject: { ...subject, id: 'sha256$abc' } }),
    ).not.toEqual([]);
    expect(schemas.skillcert({ ...certificate.json, certificateNumber: '12345' })).not.toEqual([]);
    const { passPolicy: _p, ...noPolicy } = certificate.json;
    expect(schemas.skillcert(noPolicy)).not.toEqual([]);
  });
});

describe('JSON-LD in safe mode, with only the VC 2.0, OB 3.0.3 and skillcert contexts', () => {
  const expand = (document: unknown) =>
    jsonld.expand(document as never, { safe: true, documentLoader: contextsOnlyLoader } as never);

  it.each([
    ['the certificate', () => certificate.json],
    ['the endorsement', () => endorsement.json],
    ['the status list', () => cleared.json],
  ])('expands %s, every term defined', async (_name, document) => {
    const expanded = JSON.stringify(await expand(document()));
    expect(expanded).toContain('https://www.w3.org/2018/credentials#credentialSubject');
    expect(expanded).not.toMatch(/"@id":"skillcert:|issuer-dependent/);
  });

  it('maps our terms to our vocabulary', async () => {
    const expanded = JSON.stringify(await expand(certificate.json));
    for (const term of [
      'certificateNumber',
      'passPolicy',
      'passPolicyVersion',
      'passPolicyHash',
      'skillLevel',
    ])
      expect(expanded).toContain(`urn:skillcert:v1:${term}`);
    const endorsed = JSON.stringify(await expand(endorsement.json));
    for (const term of ['recognition', 'agreement', 'certificateIssuer', 'occupationCode'])
      expect(endorsed).toContain(`urn:skillcert:v1:${term}`);
  });

  it('refuses a term no context defines, as it refused what we issued before', async () => {
    await expect(
      expand({ ...certificate.json, 'skillcert:passPolicy': { version: '1', hash: 'x' } }),
    ).rejects.toThrow();
    await expect(expand({ ...certificate.json, holderBinding: true })).rejects.toThrow();
  });
});

describe("Digital Bazaar's vc library, eddsa-rdfc-2022", () => {
  const loader = outsideLoader([neijiang.didJson, zigong.didJson], {
    [`${LIST}/revocation`]: cleared.json,
    [`${LIST}/suspension`]: suspensionList.json,
    [`${ZG.url}/status/zigong/recognitions-1/revocation`]: endorsementList.json,
  });
  const verify = (credential: Record<string, unknown>, documentLoader = loader) =>
    vc.verifyCredential({ credential, suite: eddsaSuite(), documentLoader, checkStatus });

  it.each([
    ['the certificate', () => certificate.json],
    ['the endorsement', () => endorsement.json],
    ['the status list', () => cleared.json],
  ])('verifies the embedded proof of %s against our did.json', async (_name, document) => {
    const result = await verify(document());
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it.each([
    ['a changed holder name', () => tampered(certificate.json)],
    ['a proof moved from another credential', () => ({ ...certificate.json, proof: endorsement.json.proof })],
    [
      'a proof by a key not in did.json',
      () => ({
        ...certificate.json,
        proof: [{ ...(certificate.json.proof as object[])[0], verificationMethod: `${NJ.did}#unknown` }],
      }),
    ],
  ])('refuses %s', async (_name, document) => {
    expect((await verify(document())).verified).toBe(false);
  });

  it('reads the status bit with its Bitstring Status List checker, the list itself proven', async () => {
    const clear = await checkStatus({
      credential: certificate.json,
      documentLoader: loader,
      suite: eddsaSuite(),
    });
    expect(clear.verified).toBe(true);
    expect(clear.results?.[0]?.status ?? clear.status).toBe(false);
    const revokedLoader = outsideLoader([neijiang.didJson], { [`${LIST}/revocation`]: revoked.json });
    const result = await checkStatus({
      credential: certificate.json,
      documentLoader: revokedLoader,
      suite: eddsaSuite(),
    });
    expect(result.verified).toBe(true);
    expect(result.results?.[0]?.status ?? result.status).toBe(true);
  });

  it('finds the suspension bit at the same index in the list published beside the revocation list', async () => {
    const entry = certificate.json.credentialStatus as {
      statusListCredential: string;
      statusListIndex: string;
    };
    const suspension = {
      ...certificate.json,
      credentialStatus: {
        ...entry,
        statusPurpose: 'suspension',
        statusListCredential: entry.statusListCredential.replace(/revocation$/, 'suspension'),
      },
    };
    // A generic verifier only reads the entry the certificate names; given the suspension entry, their
    // checker finds the bit: the list is a proper BitstringStatusListCredential.
    const result = await checkStatus({
      credential: suspension,
      documentLoader: loader,
      suite: eddsaSuite(),
      verifyBitstringStatusListCredential: true,
    });
    expect(result.verified).toBe(true);
    expect(result.results?.[0]?.status ?? result.status).toBe(true);
  });
});

describe("jose, with OB 3.0's JSON Web Token Proof Format rules", () => {
  const es256 = async (keys: VerificationKey[]) => importJWK(keys[0] as never, 'ES256');

  it('verifies the certificate JWS: typ JWT, only alg, kid and typ, and iss, sub, jti, nbf, exp that match', async () => {
    expect(decodeProtectedHeader(certificate.jws)).toEqual({
      alg: 'ES256',
      kid: neijiang.keys[0]?.kid,
      typ: 'JWT',
    });
    const { payload } = await jwtVerify(certificate.jws, await es256(neijiang.keys), {
      typ: 'JWT',
      issuer: NJ.did,
      subject: HOLDER,
      algorithms: ['ES256'],
    });
    expect(payload.jti).toBe(certificate.json.id);
    expect(payload.nbf).toBe(Math.floor(Date.parse(String(certificate.json.validFrom)) / 1000));
    expect(payload.exp).toBe(Math.floor(Date.parse(String(certificate.json.validUntil)) / 1000));
    // The JWS signs the credential with its embedded proof, made first.
    expect(credentialJsonOf(certificate.jws)).toEqual(certificate.json);
  });

  it('verifies the endorsement JWS, whose subject is the certificate it endorses', async () => {
    const { payload } = await jwtVerify(endorsement.jws, await es256(zigong.keys), {
      typ: 'JWT',
      issuer: ZG.did,
    });
    expect(payload.sub).toBe(certificate.json.id);
    expect(payload.jti).toBe(endorsement.json.id);
  });

  it('refuses the certificate under another key or issuer', async () => {
    await expect(jwtVerify(certificate.jws, await es256(zigong.keys))).rejects.toThrow();
    await expect(jwtVerify(certificate.jws, await es256(neijiang.keys), { issuer: ZG.did })).rejects.toThrow(
      /iss/,
    );
  });
});
