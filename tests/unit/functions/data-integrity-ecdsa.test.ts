// The ecdsa-rdfc-2019 Data Integrity proof — what a deployment whose KMS has no Ed25519 keys embeds, made
// with the region's ES256 key (docs/deploy.md, "Proof suite") — against an outside implementation: what
// addProof signs verifies with Digital Bazaar's @digitalbazaar/vc + data-integrity +
// ecdsa-rdfc-2019-cryptosuite, resolving our P-256 key from our did.json (a JsonWebKey method); what their
// suite signs with a P-256 Multikey verifies with our checkProof; tampering and a key of the wrong kind are
// refused by both; and 1EdTech's schema accepts the credential.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import { cryptosuite as ecdsaCryptosuite } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { contexts as multikeyContexts } from '@digitalbazaar/multikey-context';
import * as vc from '@digitalbazaar/vc';
import { contexts as didContexts } from 'did-context';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalProofSigner, LocalSigner } from '../../../functions/adapters/local-signer.js';
import type { VerificationKey } from '../../../functions/domain/verification.js';
import { RegionCredentialSigner } from '../../../functions/shared/credential-signer.js';
import { addProof, checkProof, DataIntegrityError } from '../../../functions/shared/data-integrity.js';
import { bundledContext } from '../../../functions/shared/json-ld.js';
import {
  type PublishedSigningKey,
  proofVerificationMethod,
  regionDidDocument,
} from '../../../functions/shared/signing-keys.js';
import { CREATED, certificateDocument, DID, LATER } from '../../fixtures/credential-document.js';
import { schemaValidator } from '../../fixtures/outside-tools.js';

const dir = await mkdtemp(join(tmpdir(), 'data-integrity-ecdsa-'));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const certificate = certificateDocument;

// The ES256 key is the proof key in this suite: one key, one line of windows in the ledger.
const es256 = new LocalSigner(dir, 'es256');
const otherEs256 = new LocalSigner(dir, 'other-es256');
const ed25519 = new LocalProofSigner(dir, 'ed25519');
const verificationMethod = await proofVerificationMethod(es256, DID);

const published = async (signer: LocalSigner | LocalProofSigner, alg: 'ES256' | 'EdDSA') =>
  ({
    ...(await signer.publicJwk()),
    kid: `${DID}#${await signer.keyId()}`,
    alg,
    use: 'sig',
  }) as PublishedSigningKey;
const keys: VerificationKey[] = [await published(es256, 'ES256'), await published(ed25519, 'EdDSA')];
const didJson = regionDidDocument(DID, keys as PublishedSigningKey[]);

/** Digital Bazaar's loader: the contexts, our did.json and the methods it lists; nothing else. */
function outsideLoader(extraMethods: Record<string, unknown>[] = []) {
  const did = {
    ...didJson,
    verificationMethod: [...didJson.verificationMethod, ...extraMethods],
    assertionMethod: [...didJson.assertionMethod, ...extraMethods.map((m) => m.id as string)],
  };
  return async (url: string) => {
    const [base] = url.split('#');
    if (base === DID) {
      if (url === DID) return { contextUrl: null, documentUrl: url, document: did };
      const method = did.verificationMethod.find((m) => m.id === url);
      if (!method) throw new Error(`${url} is not in the DID document`);
      return { contextUrl: null, documentUrl: url, document: { '@context': did['@context'], ...method } };
    }
    const document = bundledContext(url) ?? didContexts.get(url) ?? multikeyContexts.get(url);
    if (!document) throw new Error(`The test loader does not serve ${url}`);
    return { contextUrl: null, documentUrl: url, document };
  };
}

const outsideVerify = (credential: Record<string, unknown>, extraMethods: Record<string, unknown>[] = []) =>
  vc.verifyCredential({
    credential,
    suite: new DataIntegrityProof({ cryptosuite: ecdsaCryptosuite }),
    documentLoader: outsideLoader(extraMethods),
    now: LATER,
  });

const signed = await addProof(certificate(), {
  signer: es256,
  verificationMethod,
  created: CREATED,
  cryptosuite: 'ecdsa-rdfc-2019',
});

describe('ecdsa-rdfc-2019 proofs made with the region’s ES256 key', () => {
  it('names the suite and the ES256 key, and the proof is 64 bytes of P-256 r‖s', () => {
    expect(signed.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'ecdsa-rdfc-2019',
      verificationMethod,
      proofPurpose: 'assertionMethod',
      created: CREATED.toISOString(),
    });
    expect(signed.proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]+$/);
  });

  it('verifies with Digital Bazaar’s ecdsa-rdfc-2019 suite, resolving the key from did.json', async () => {
    const result = await outsideVerify(signed);
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('verifies with our checkProof and returns the ES256 key', async () => {
    const check = await checkProof(signed, keys);
    expect(check).toMatchObject({ ok: true, key: { kid: verificationMethod, kty: 'EC', crv: 'P-256' } });
  });

  it('is refused by both when the document or the proof is altered', async () => {
    const altered = structuredClone(signed) as typeof signed;
    (altered.credentialSubject as Record<string, unknown>).name = '李伟';
    expect((await outsideVerify(altered)).verified).toBe(false);
    expect(await checkProof(altered, keys)).toMatchObject({ ok: false, status: 'signature-invalid' });

    const redated = { ...signed, proof: { ...signed.proof, created: LATER.toISOString() } };
    expect((await outsideVerify(redated)).verified).toBe(false);
    expect(await checkProof(redated, keys)).toMatchObject({ ok: false, status: 'signature-invalid' });
  });

  it('is refused when it was made by another P-256 key than the one it names', async () => {
    const forged = await addProof(certificate(), {
      signer: otherEs256,
      verificationMethod,
      created: CREATED,
      cryptosuite: 'ecdsa-rdfc-2019',
    });
    expect((await outsideVerify(forged)).verified).toBe(false);
    expect(await checkProof(forged, keys)).toMatchObject({ ok: false, status: 'signature-invalid' });
  });

  it('refuses to sign or check a suite with the other suite’s kind of key', async () => {
    await expect(
      addProof(certificate(), {
        signer: ed25519,
        verificationMethod,
        created: CREATED,
        cryptosuite: 'ecdsa-rdfc-2019',
      }),
    ).rejects.toThrow(DataIntegrityError);
    await expect(
      addProof(certificate(), { signer: es256, verificationMethod, created: CREATED }),
    ).rejects.toThrow(/eddsa-rdfc-2022 proofs are made with Ed25519/);
    // An ecdsa proof that names the Ed25519 key is refused before any signature check.
    const ed25519Kid = `${DID}#${await ed25519.keyId()}`;
    const misnamed = { ...signed, proof: { ...signed.proof, verificationMethod: ed25519Kid } };
    expect(await checkProof(misnamed, keys)).toMatchObject({
      ok: false,
      status: 'signature-invalid',
      reason: {
        en: expect.stringContaining('not a P-256 key'),
        zh: expect.stringContaining('不是 P-256 密钥'),
      },
    });
  });

  it('accepts what Digital Bazaar’s suite signs with a P-256 Multikey', async () => {
    const pair = await EcdsaMultikey.generate({ curve: 'P-256', id: `${DID}#db-p256`, controller: DID });
    const method = await pair.export({ publicKey: true, includeContext: false });
    const theirs = await vc.issue({
      credential: certificate(),
      suite: new DataIntegrityProof({ signer: pair.signer(), cryptosuite: ecdsaCryptosuite, date: CREATED }),
      documentLoader: outsideLoader([method]),
    });
    expect((await outsideVerify(theirs, [method])).verified).toBe(true);
    const jwk = await EcdsaMultikey.toJwk({ keyPair: pair });
    const theirKey = { ...jwk, kid: `${DID}#db-p256` } as VerificationKey;
    expect(await checkProof(theirs, [...keys, theirKey])).toMatchObject({ ok: true });
  });

  it('is what RegionCredentialSigner embeds, before the JWS, when the deployment’s suite is ecdsa-rdfc-2019', async () => {
    const regionSigner = new RegionCredentialSigner({
      signer: es256,
      proofSigner: es256,
      issuerDid: DID,
      proofSuite: 'ecdsa-rdfc-2019',
    });
    const { json, jws } = await regionSigner.sign(certificate());
    const proof = (json.proof as Record<string, unknown>[])[0];
    expect(proof).toMatchObject({ cryptosuite: 'ecdsa-rdfc-2019', verificationMethod });
    expect(jws.split('.')).toHaveLength(3);
    const asOne = { ...json, proof };
    expect((await outsideVerify(asOne)).verified).toBe(true);
    // 1EdTech's AchievementCredential schema takes the credential with its set of one ecdsa proof.
    expect(schemaValidator().achievement(json)).toEqual([]);
  });
});
