// A region whose KMS offers no Ed25519 keys (AWS China, until confirmed) embeds ecdsa-rdfc-2019 proofs made
// with its ES256 key (docs/deploy.md, "Proof suite"). On the local cloud, a local demo synthesized with
// that suite issues a certificate end to end: its embedded proof names the ES256 key, Digital Bazaar's vc
// library with the ecdsa-rdfc-2019 suite verifies it against the live did.json, 1EdTech's schema takes
// it, the region's own verification route accepts both forms and refuses a tampered one, the status list
// carries the same suite, and the template made no Ed25519 key.
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaCryptosuite } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialJsonOf } from '../../functions/shared/signing.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { synthesizeRegion } from '../../local/synth.js';
import { outsideLoader, schemaValidator, vc } from '../fixtures/outside-tools.js';
import { CertificationApi } from '../support/certification-api.js';
import { TEST_STACK_OPTIONS } from '../support/regions.js';

let cloud: LocalCloud;
let api: CertificationApi;

beforeAll(async () => {
  const stack = synthesizeRegion({
    region: 'neijiang',
    proofSuite: 'ecdsa-rdfc-2019',
    ...TEST_STACK_OPTIONS,
  });
  cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
  });
  api = new CertificationApi(cloud);
  await api.signIn();
  await api.setUp(['ecdsa-1']);
}, 240_000);

afterAll(async () => {
  await cloud?.stop();
});

const publicGet = async (path: string) => {
  const response = await fetch(`${cloud.endpoints.api}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const verify = async (credential: unknown) => {
  const response = await fetch(`${cloud.endpoints.api}/credentials/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ verifiableCredential: credential }),
  });
  return (await response.json()) as Record<string, unknown>;
};

describe('a region that proves with ecdsa-rdfc-2019', () => {
  it('has no Ed25519 key: the ES256 key is the only signing key published', async () => {
    expect(cloud.model.signingKeys.map((k) => k.keySpec)).not.toContain('ECC_NIST_EDWARDS25519');
    const jwks = await publicGet('/.well-known/jwks.json');
    expect((jwks.body.keys as { alg: string }[]).map((k) => k.alg)).toEqual(['ES256']);
  });

  it('issues a certificate whose proof outside verifiers accept, and whose tampering both refuse', async () => {
    const attemptId = await api.sit('ecdsa-1');
    const queued = await api.queuedAtLeast(attemptId, 2);
    for (const [i, review] of queued.entries()) {
      expect((await api.mark(review.user, attemptId, review.slot, [88, 84][i] as number)).status).toBe(200);
    }
    expect(await api.settled(attemptId)).toMatchObject({ status: 'passed' });
    const mine = (await api.call('zhangwei', 'GET', '/me/certificates')).body.certificates as {
      jws: string;
      kid: string;
      credential: Record<string, unknown>;
    }[];
    const [certificate] = mine;
    if (!certificate) throw new Error('no certificate issued');
    const json = certificate.credential;
    const [proof] = json.proof as Record<string, unknown>[];
    // One key makes the JWS and the proof.
    expect(proof).toMatchObject({ cryptosuite: 'ecdsa-rdfc-2019', verificationMethod: certificate.kid });

    const did = (await publicGet('/.well-known/did.json')).body as unknown as {
      id: string;
      verificationMethod: { id: string }[];
    };
    const statusUrl = String((json.credentialStatus as Record<string, unknown>).statusListCredential);
    const listResponse = await fetch(`${cloud.endpoints.api}${new URL(statusUrl).pathname}`);
    expect(listResponse.status).toBe(200);
    const statusList = credentialJsonOf(await listResponse.text()) as Record<string, unknown>;
    expect((statusList.proof as Record<string, unknown>[])[0]).toMatchObject({
      cryptosuite: 'ecdsa-rdfc-2019',
    });

    const outside = await vc.verifyCredential({
      credential: json,
      suite: new DataIntegrityProof({ cryptosuite: ecdsaCryptosuite }),
      documentLoader: outsideLoader([did], { [statusUrl]: statusList }),
      checkStatus: async () => ({ verified: true }),
    });
    expect(outside.error).toBeUndefined();
    expect(outside.verified).toBe(true);
    expect(schemaValidator().achievement(json)).toEqual([]);
    expect(schemaValidator().skillcert(json)).toEqual([]);

    expect(await verify(json)).toMatchObject({ verified: true, status: 'valid' });
    expect(await verify(certificate.jws)).toMatchObject({ verified: true, status: 'valid' });
    const altered = structuredClone(json) as { credentialSubject: { name: string } };
    altered.credentialSubject.name = '李四';
    expect(await verify(altered)).toMatchObject({ verified: false, status: 'signature-invalid' });
    const tampered = await vc.verifyCredential({
      credential: altered,
      suite: new DataIntegrityProof({ cryptosuite: ecdsaCryptosuite }),
      documentLoader: outsideLoader([did], { [statusUrl]: statusList }),
      checkStatus: async () => ({ verified: true }),
    });
    expect(tampered.verified).toBe(false);
  });
});
