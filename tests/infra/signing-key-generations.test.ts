// Key generations on the synthesized template: generation 1 keeps the original logical ids (existing
// stacks keep their keys), a later generation is a new retained ES256 key and a new retained Ed25519 proof
// key that every signer, the public-keys function and the aliases use, and only the active generation is
// in the template. See docs/keys.md.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BuildAppOptions, buildApp } from '../../lib/app.js';
import { proofKeyLogicalId, signingKeyLogicalId } from '../../lib/constructs/signing.js';

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }
>;

const savedContext = process.env.CDK_CONTEXT_JSON;
afterEach(() => {
  if (savedContext === undefined) delete process.env.CDK_CONTEXT_JSON;
  else process.env.CDK_CONTEXT_JSON = savedContext;
});

/** Synthesizes without bundling the functions (the template is what matters here); cdk-nag still runs. */
function synth(options: BuildAppOptions = {}, context: Record<string, unknown> = {}): Resources {
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context });
  const app = buildApp({
    outdir: mkdtempSync(join(tmpdir(), 'skillcert-keys-infra-')),
    region: 'neijiang',
    ...options,
  });
  const template = app.synth().getStackByName('Skillcert-neijiang').template as { Resources: Resources };
  return template.Resources;
}

function signingKeys(resources: Resources, keySpec = 'ECC_NIST_P256') {
  return Object.entries(resources).filter(
    ([, r]) =>
      r.Type === 'AWS::KMS::Key' &&
      r.Properties.KeyUsage === 'SIGN_VERIFY' &&
      r.Properties.KeySpec === keySpec,
  );
}

function onlySigningKey(resources: Resources): string {
  const keys = signingKeys(resources);
  expect(keys).toHaveLength(1);
  return keys[0]?.[0] as string;
}

function onlyProofKey(resources: Resources): string {
  const keys = signingKeys(resources, 'ECC_NIST_EDWARDS25519');
  expect(keys).toHaveLength(1);
  return keys[0]?.[0] as string;
}

function functionsUsingKey(resources: Resources, variable = 'SIGNING_KEY_ID') {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => ({
      id,
      keyRef: (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[
        variable
      ],
    }))
    .filter((f) => f.keyRef !== undefined);
}

function kmsStatements(resources: Resources) {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
    .filter((s) => JSON.stringify(s.Action).includes('kms:'));
}

function statementsOf(resources: Resources, fnId: string) {
  const fn = resources[fnId];
  if (!fn) throw new Error(`no resource ${fnId}`);
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${role}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
}

describe('signing key generations', () => {
  it('names generation 1 as the original key, so existing deployments keep theirs', () => {
    expect(signingKeyLogicalId(1)).toBe('CertificateSigningKey');
    expect(signingKeyLogicalId(2)).toBe('CertificateSigningKeyG2');
    expect(proofKeyLogicalId(1)).toBe('ProofSigningKey');
    expect(proofKeyLogicalId(2)).toBe('ProofSigningKeyG2');
    const byDefault = synth();
    const explicit = synth({ signingKeyGeneration: 1 });
    const id = onlySigningKey(byDefault);
    expect(id).toMatch(/^SigningCertificateSigningKey[0-9A-F]{8}$/);
    expect(onlySigningKey(explicit)).toBe(id);
    expect(byDefault[id]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const proofId = onlyProofKey(byDefault);
    expect(proofId).toMatch(/^SigningProofSigningKey[0-9A-F]{8}$/);
    expect(onlyProofKey(explicit)).toBe(proofId);
    expect(byDefault[proofId]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('puts only the active generation in the template, retained, with the alias, every signer and the key documents on it', () => {
    const resources = synth({ signingKeyGeneration: 2 });
    const id = onlySigningKey(resources);
    expect(id).toMatch(/^SigningCertificateSigningKeyG2[0-9A-F]{8}$/);
    expect(resources[id]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        EnableKeyRotation: false,
        Description: expect.stringContaining('generation 2'),
      },
    });
    const proofId = onlyProofKey(resources);
    expect(proofId).toMatch(/^SigningProofSigningKeyG2[0-9A-F]{8}$/);
    expect(resources[proofId]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySpec: 'ECC_NIST_EDWARDS25519',
        KeyUsage: 'SIGN_VERIFY',
        EnableKeyRotation: false,
        Description: expect.stringContaining('generation 2'),
      },
    });
    const aliases = Object.values(resources)
      .filter((r) => r.Type === 'AWS::KMS::Alias')
      .map((r) => r.Properties);
    expect(aliases).toEqual(
      expect.arrayContaining([
        { AliasName: 'alias/skillcert-neijiang-signing', TargetKeyId: { 'Fn::GetAtt': [id, 'Arn'] } },
        {
          AliasName: 'alias/skillcert-neijiang-proof-signing',
          TargetKeyId: { 'Fn::GetAtt': [proofId, 'Arn'] },
        },
      ]),
    );
    const users = functionsUsingKey(resources);
    expect(users.length).toBeGreaterThanOrEqual(2);
    for (const f of users) expect(f.keyRef, f.id).toEqual({ Ref: id });
    // Every signer knows its generation: the ledger records it and orders windows by it.
    const generations = functionsUsingKey(resources, 'SIGNING_KEY_GENERATION');
    expect(generations.map((f) => f.id).sort()).toEqual(users.map((f) => f.id).sort());
    for (const f of generations) expect(f.keyRef, f.id).toBe('2');
    const proofUsers = functionsUsingKey(resources, 'PROOF_KEY_ID');
    expect(proofUsers.length).toBeGreaterThanOrEqual(4);
    for (const f of proofUsers) expect(f.keyRef, f.id).toEqual({ Ref: proofId });
    // Every signing-key grant in the template names an active key.
    const grants = kmsStatements(resources).filter(
      (s) => JSON.stringify(s.Action).includes('kms:Sign') || s.Action === 'kms:GetPublicKey',
    );
    expect(grants.length).toBeGreaterThan(0);
    for (const s of grants) {
      expect([{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::GetAtt': [proofId, 'Arn'] }]).toContainEqual(s.Resource);
    }
  });

  it('lets exactly the functions that add Data Integrity proofs sign with the proof key, and the key documents read it', () => {
    const resources = synth();
    const proofKey = { 'Fn::GetAtt': [onlyProofKey(resources), 'Arn'] };
    const byFunction = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([fnId]) => ({
        fnId: fnId.replace(/[0-9A-F]{8}$/, ''),
        actions: statementsOf(resources, fnId)
          .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(proofKey))
          .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
      }))
      .filter((f) => f.actions.length > 0);
    const signers = byFunction.filter((f) => f.actions.includes('kms:Sign')).map((f) => f.fnId);
    // Certificates, endorsements and status lists carry the proof; notices are JWS only.
    expect(signers.sort()).toEqual([
      'CertificationDecideResultFunction',
      'PartnersPartnerNoticesApiFunction',
      'PartnersPartnersAdminApiFunction',
      'PartnersRecognitionApiFunction',
      'PartnersRenewStatusListsFunction',
    ]);
    const readers = byFunction.filter((f) => !f.actions.includes('kms:Sign'));
    expect(readers).toEqual([
      { fnId: expect.stringMatching(/^PublicKeys/), actions: ['kms:GetPublicKey'] },
      { fnId: expect.stringMatching(/^SigningKeysAdminApi/), actions: ['kms:GetPublicKey'] },
    ]);
  });

  it('reads the generation from the context signingKeyGeneration, as `cdk deploy -c signingKeyGeneration=3` passes it', () => {
    const resources = synth({}, { signingKeyGeneration: '3' });
    expect(onlySigningKey(resources)).toMatch(/^SigningCertificateSigningKeyG3[0-9A-F]{8}$/);
    expect(onlyProofKey(resources)).toMatch(/^SigningProofSigningKeyG3[0-9A-F]{8}$/);
  });

  it('refuses a generation that is not a whole number from 1', () => {
    for (const generation of [0, -1, 1.5, Number.NaN]) {
      expect(() => synth({ signingKeyGeneration: generation })).toThrow(
        /signingKeyGeneration must be a whole number/,
      );
    }
  });
});

describe('the public-keys function and the key ledger', () => {
  it('gives the admin key routes (behind the JWT authorizer) a function that reads and writes the ledger', () => {
    const resources = synth();
    const [fnId] =
      Object.entries(resources).find(
        ([, r]) =>
          r.Type === 'AWS::Lambda::Function' && /signing-key ledger/i.test(String(r.Properties.Description)),
      ) ?? [];
    const table =
      Object.entries(resources).find(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable')?.[0] ??
      Object.entries(resources).find(([, r]) => r.Type === 'AWS::DynamoDB::Table')?.[0];
    expect(fnId).toBeDefined();
    expect(table).toBeDefined();
    expect(resources[fnId as string]?.Properties.Environment).toMatchObject({
      Variables: {
        TABLE_NAME: { Ref: table },
        SIGNING_KEY_ID: { Ref: onlySigningKey(resources) },
        PROOF_KEY_ID: { Ref: onlyProofKey(resources) },
      },
    });
    const statements = statementsOf(resources, fnId as string);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']),
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      }),
    );
    expect(JSON.stringify(statements)).not.toContain('kms:Sign"');
    const routes = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => `${r.Properties.RouteKey} ${r.Properties.AuthorizationType}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /.well-known/jwks.json NONE',
        'GET /.well-known/did.json NONE',
        'GET /admin/signing-keys JWT',
        'POST /admin/signing-keys/{thumbprint}/compromise JWT',
      ]),
    );
  });
});
