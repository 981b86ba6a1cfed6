// The eddsa-rdfc-2022 Data Integrity proof against an outside implementation: what addProof signs (with
// the local Ed25519 key) verifies with Digital Bazaar's @digitalbazaar/vc + data-integrity +
// eddsa-rdfc-2022-cryptosuite, resolving our key from our did.json; what their suite signs verifies with
// our checkProof; and every tampering is refused by both. Their document loader serves only the VC 2.0,
// OB 3.0.3 and skillcert contexts, our did.json and the DID/Multikey contexts the did.json names.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { contexts as multikeyContexts } from '@digitalbazaar/multikey-context';
import * as vc from '@digitalbazaar/vc';
import { decode as base58Decode } from 'base58-universal';
import { contexts as didContexts } from 'did-context';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalProofSigner, LocalSigner } from '../../../functions/adapters/local-signer.js';
import {
  OB_CONTEXT,
  SKILLCERT_CONTEXT_PATH,
  skillcertContextUrl,
  VC_CONTEXT,
} from '../../../functions/domain/credential.js';
import type { VerificationKey } from '../../../functions/domain/verification.js';
import { addProof, checkProof, DataIntegrityError } from '../../../functions/shared/data-integrity.js';
import { bundledContext, documentLoader } from '../../../functions/shared/json-ld.js';
import { ed25519Multikey, MULTIKEY_CONTEXT } from '../../../functions/shared/multikey.js';
import {
  type PublishedSigningKey,
  proofVerificationMethod,
  regionDidDocument,
} from '../../../functions/shared/signing-keys.js';
import { CREATED, certificateDocument, DID, LATER, PUBLIC_URL } from '../../fixtures/credential-document.js';

const dir = await mkdtemp(join(tmpdir(), 'data-integrity-'));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const certificate = certificateDocument;

const es256 = new LocalSigner(dir, 'es256');
const ed25519 = new LocalProofSigner(dir, 'ed25519');
const other = new LocalProofSigner(dir, 'other-ed25519');
const verificationMethod = await proofVerificationMethod(ed25519, DID);

const published = async (
  signer: LocalSigner | LocalProofSigner,
  alg: 'ES256' | 'EdDSA',
): Promise<PublishedSigningKey> => ({
  ...(await signer.publicJwk()),
  kid: `${DID}#${await signer.keyId()}`,
  alg,
  use: 'sig',
});
const keys: VerificationKey[] = [await published(es256, 'ES256'), await published(ed25519, 'EdDSA')];
const didJson = regionDidDocument(DID, keys as PublishedSigningKey[]);

/** Digital Bazaar's loader for this test: the three contexts, our did.json and what it names; nothing else. */
function outsideLoader(did: typeof didJson = didJson) {
  return async (url: string) => {
    const [base] = url.split('#');
    if (base === DID) {
      if (url === DID) return { contextUrl: null, documentUrl: url, document: did };
      const method = did.verificationMethod.find((m) => m.id === url);
      if (!method) throw new Error(`${url} is not in the DID document`);
      return { contextUrl: null, documentUrl: url, document: { '@context': MULTIKEY_CONTEXT, ...method } };
    }
    const document = bundledContext(url) ?? didContexts.get(url) ?? multikeyContexts.get(url);
    if (!document) throw new Error(`The test loader does not serve ${url}`);
    return { contextUrl: null, documentUrl: url, document };
  };
}

const outsideSuite = () => new DataIntegrityProof({ cryptosuite });
async function outsideVerdict(credential: Record<string, unknown>, did = didJson) {
  const result = await vc.verifyCredential({
    credential,
    suite: outsideSuite(),
    documentLoader: outsideLoader(did),
    now: LATER,
  });
  return result;
}

const signed = await addProof(certificate(), { signer: ed25519, verificationMethod, created: CREATED });

describe('the bundled JSON-LD contexts', () => {
  it('serves the VC 2.0, OB 3.0.3 and skillcert contexts, ours at any region’s public URL', async () => {
    expect((await documentLoader(VC_CONTEXT)).document).toHaveProperty('@context');
    expect((await documentLoader(OB_CONTEXT)).document).toHaveProperty('@context');
    const ours = bundledContext('https://zigong.skillcert.example/contexts/skillcert-v1.jsonld');
    expect(ours).toBeDefined();
    expect(bundledContext(`http://127.0.0.1:4100${SKILLCERT_CONTEXT_PATH}`)).toBe(ours);
    expect(skillcertContextUrl(`${PUBLIC_URL}/`)).toBe(`${PUBLIC_URL}${SKILLCERT_CONTEXT_PATH}`);
  });

  it('refuses anything else, naming the URL, without a network', async () => {
    for (const url of [
      'https://www.w3.org/2018/credentials/v1',
      `${PUBLIC_URL}/contexts/skillcert-v2.jsonld`,
      `${PUBLIC_URL}${SKILLCERT_CONTEXT_PATH}?v=2`,
      `ftp://neijiang.skillcert.example${SKILLCERT_CONTEXT_PATH}`,
      'not a url',
    ]) {
      await expect(documentLoader(url)).rejects.toThrow(url);
    }
  });
});

describe('Multikey', () => {
  it('encodes an Ed25519 key as Digital Bazaar’s ed25519-multikey does', async () => {
    const pair = await Ed25519Multikey.generate({ controller: DID });
    const raw = base58Decode(pair.publicKeyMultibase.slice(1)).slice(2);
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') };
    expect(ed25519Multikey(jwk)).toBe(pair.publicKeyMultibase);
    expect(pair.publicKeyMultibase).toMatch(/^z6Mk/);
    expect(() => ed25519Multikey({ kty: 'EC', crv: 'P-256', x: jwk.x })).toThrow(/Not an Ed25519/);
  });

  it('lists the Ed25519 key in did.json as a Multikey under assertionMethod, the ES256 key as JsonWebKey', () => {
    expect(didJson['@context']).toContain(MULTIKEY_CONTEXT);
    expect(didJson.assertionMethod).toEqual(keys.map((k) => k.kid));
    expect(didJson.verificationMethod[0]).toMatchObject({ type: 'JsonWebKey', publicKeyJwk: { kty: 'EC' } });
    expect(didJson.verificationMethod[1]).toEqual({
      id: verificationMethod,
      controller: DID,
      type: 'Multikey',
      publicKeyMultibase: ed25519Multikey(keys[1] as VerificationKey),
    });
  });
});

describe('addProof', () => {
  it('embeds an eddsa-rdfc-2022 assertion proof by the key the verification method names', () => {
    expect(signed.proof).toEqual({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      created: CREATED.toISOString(),
      verificationMethod,
      proofPurpose: 'assertionMethod',
      proofValue: expect.stringMatching(/^z[1-9A-HJ-NP-Za-km-z]{80,90}$/),
    });
    expect(base58Decode(signed.proof.proofValue.slice(1))).toHaveLength(64);
  });

  it('makes a proof Digital Bazaar’s verifier accepts, resolving the key from our did.json', async () => {
    const result = await outsideVerdict(signed);
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
  });

  it('verifies with our own checkProof and returns the key', async () => {
    const check = await checkProof(signed, keys);
    expect(check).toEqual({ ok: true, key: keys[1] });
  });

  it('refuses a document safe mode cannot expand, and one that already has a proof', async () => {
    const unsafe = { ...certificate(), favouriteColour: 'blue' };
    await expect(addProof(unsafe, { signer: ed25519, verificationMethod, created: CREATED })).rejects.toThrow(
      DataIntegrityError,
    );
    await expect(addProof(unsafe, { signer: ed25519, verificationMethod, created: CREATED })).rejects.toThrow(
      /safe mode.*favouriteColour/,
    );
    await expect(addProof(signed, { signer: ed25519, verificationMethod, created: CREATED })).rejects.toThrow(
      /already has a proof/,
    );
    const noVc2 = { ...certificate(), '@context': [OB_CONTEXT] };
    await expect(addProof(noVc2, { signer: ed25519, verificationMethod, created: CREATED })).rejects.toThrow(
      /must include/,
    );
  });
});

describe('interoperability the other way', () => {
  it('accepts with checkProof a credential Digital Bazaar’s suite signed', async () => {
    const pair = await Ed25519Multikey.generate({ controller: DID, id: `${DID}#outside-key` });
    const raw = base58Decode(pair.publicKeyMultibase.slice(1)).slice(2);
    const outsideKey: VerificationKey = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.from(raw).toString('base64url'),
      kid: pair.id,
    };
    const theirs = await vc.issue({
      credential: certificate(),
      suite: new DataIntegrityProof({ signer: pair.signer(), cryptosuite, date: CREATED }),
      documentLoader: outsideLoader(),
      now: LATER,
    });
    expect(theirs.proof).toMatchObject({ cryptosuite: 'eddsa-rdfc-2022', verificationMethod: pair.id });
    expect(await checkProof(theirs, [...keys, outsideKey])).toEqual({ ok: true, key: outsideKey });
    // Changed after they signed it: refused.
    const altered = { ...theirs, name: '车工 五级 / Lathe operator, level 5' };
    expect(await checkProof(altered, [...keys, outsideKey])).toMatchObject({
      ok: false,
      status: 'signature-invalid',
    });
  });
});

describe('tampering, refused by both verifiers', () => {
  const outsideRefuses = async (document: Record<string, unknown>) =>
    expect((await outsideVerdict(document)).verified).toBe(false);

  it('a changed value', async () => {
    const altered = structuredClone(signed) as typeof signed & { credentialSubject: { name: string } };
    altered.credentialSubject.name = '李强';
    expect(await checkProof(altered, keys)).toMatchObject({ ok: false, status: 'signature-invalid' });
    await outsideRefuses(altered);
  });

  it('a changed proof field', async () => {
    const altered = { ...signed, proof: { ...signed.proof, created: '2026-04-01T08:00:00.000Z' } };
    expect(await checkProof(altered, keys)).toMatchObject({ ok: false, status: 'signature-invalid' });
    await outsideRefuses(altered);
  });

  it('a proof made by another key under our key’s name', async () => {
    const forged = await addProof(certificate(), { signer: other, verificationMethod, created: CREATED });
    expect(await checkProof(forged, keys)).toMatchObject({ ok: false, status: 'signature-invalid' });
    await outsideRefuses(forged);
  });

  it('a proof by a key not in the list', async () => {
    const unknown = `${DID}#${await other.keyId()}`;
    const forged = await addProof(certificate(), {
      signer: other,
      verificationMethod: unknown,
      created: CREATED,
    });
    const check = await checkProof(forged, keys);
    expect(check).toMatchObject({ ok: false, status: 'unknown-issuer' });
    expect(check.ok || check.reason.en).toContain(unknown);
    await outsideRefuses(forged);
  });
});

describe('checkProof refuses what is not exactly an eddsa-rdfc-2022 assertion proof', () => {
  const withProof = (proof: Record<string, unknown>) => ({ ...signed, proof: { ...signed.proof, ...proof } });

  it('members the cryptosuite does not define, another type, suite or purpose, a proof set', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [withProof({ expires: '2027-01-01T00:00:00Z' }), /members .*expires/],
      [withProof({ type: 'Ed25519Signature2020' }), /type/],
      [withProof({ cryptosuite: 'bbs-2023' }), /cryptosuite/],
      [withProof({ proofPurpose: 'authentication' }), /purpose/],
      [withProof({ created: '1 May 2026' }), /created/],
      [withProof({ proofValue: 'uAAAA' }), /base58btc/],
      [{ ...signed, proof: [signed.proof, signed.proof] }, /set of proofs/],
      [certificate(), /no Data Integrity proof/],
    ];
    for (const [document, reason] of cases) {
      const check = await checkProof(document, keys);
      expect(check).toMatchObject({ ok: false, status: 'malformed' });
      expect(check.ok || check.reason.en).toMatch(reason);
      // Each refusal is said in Chinese too (verdict reasonsZh), not left in English.
      expect(check.ok || check.reason.zh).toMatch(/\p{Script=Han}/u);
    }
    // A set of one proof is that proof: 1EdTech's schemas require `proof` to be an array.
    expect(await checkProof({ ...signed, proof: [signed.proof] }, keys)).toMatchObject({ ok: true });
  });

  it('a key that is not Ed25519', async () => {
    const check = await checkProof(withProof({ verificationMethod: keys[0]?.kid }), keys);
    expect(check).toMatchObject({ ok: false, status: 'signature-invalid' });
    expect(check.ok || check.reason.en).toMatch(/not an Ed25519 key/);
  });

  it('a document safe mode cannot expand, or whose context is not bundled', async () => {
    const unsafe = { ...signed, favouriteColour: 'blue' };
    const check = await checkProof(unsafe, keys);
    expect(check).toMatchObject({ ok: false, status: 'malformed' });
    expect(check.ok || check.reason.en).toMatch(/safe mode.*favouriteColour/);
    const elsewhere = {
      ...signed,
      '@context': [...(signed['@context'] as string[]), 'https://example.org/context.jsonld'],
    };
    const loaded = await checkProof(elsewhere, keys);
    expect(loaded).toMatchObject({ ok: false, status: 'malformed' });
    expect(loaded.ok || loaded.reason.en).toContain('https://example.org/context.jsonld');
  });
});
