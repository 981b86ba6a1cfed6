// GET /.well-known/jwks.json and GET /.well-known/did.json: every key the region ever signed with (the
// active ES256 and Ed25519 keys and the retired ones), each with its signing window and any declared
// compromise, for anyone verifying a certificate or its Data Integrity proof. Public and cacheable; private keys never leave KMS.
// GET /admin/signing-keys and POST /admin/signing-keys/{thumbprint}/compromise: the ledger for admins.
// See docs/keys.md. Also the never-changing documents every credential names: our JSON-LD context and
// our JSON schema (docs/credentials.md), from the copies in the package.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { iso, maxLength, minLength, object, optional, regex, string, trim } from 'zod/mini';
import { DynamoDbSigningKeyLedger } from '../adapters/dynamodb-signing-key-ledger.js';
import { proofSignerFromEnvironment, signerFromEnvironment } from '../adapters/signer.js';
import skillcertContext from '../contexts/skillcert-v1.json' with { type: 'json' };
import skillcertSchema from '../contexts/skillcert-v1.schema.json' with { type: 'json' };
import { SKILLCERT_CONTEXT_PATH, SKILLCERT_SCHEMA_PATH } from '../domain/index.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { loadConfig } from '../shared/config.js';
import { badRequest, conflict, httpHandler, json, jsonBody, notFound } from '../shared/http.js';
import {
  keyGenerationFromEnvironment,
  RegionSigningKeys,
  regionDidDocument,
} from '../shared/signing-keys.js';

// Verifiers may cache keys for five minutes; a rotation publishes the new key before it signs anything.
const CACHE = { 'cache-control': 'public, max-age=300' };
const PRIVATE = { 'cache-control': 'no-store' };
// Versioned paths whose bytes never change: a new version gets a new path.
const IMMUTABLE = { 'cache-control': 'public, max-age=31536000, immutable' };

const compromiseBody = object({
  compromisedAt: iso.datetime({ offset: true }),
  reason: string().check(trim(), minLength(3), maxLength(500)),
});

/** The routes on given keys (tests pass an in-memory ledger); `handler` below uses the environment's. */
export function publicKeysHandler(keys: () => RegionSigningKeys, issuerDid: () => string) {
  return httpHandler(async (event: APIGatewayProxyEventV2) => {
    switch (event.routeKey) {
      case 'GET /.well-known/jwks.json':
        return json(
          200,
          { keys: await keys().verificationKeys() },
          { ...CACHE, 'content-type': 'application/jwk-set+json' },
        );
      case 'GET /.well-known/did.json':
        return json(200, regionDidDocument(issuerDid(), await keys().verificationKeys()), {
          ...CACHE,
          'content-type': 'application/did+json',
        });
      case `GET ${SKILLCERT_CONTEXT_PATH}`:
        return json(200, skillcertContext, { ...IMMUTABLE, 'content-type': 'application/ld+json' });
      case `GET ${SKILLCERT_SCHEMA_PATH}`:
        return json(200, skillcertSchema, { ...IMMUTABLE, 'content-type': 'application/schema+json' });
      case 'GET /admin/signing-keys':
        requireGroup(event, 'admins');
        return json(200, { keys: await keys().list() }, PRIVATE);
      case 'POST /admin/signing-keys/{thumbprint}/compromise': {
        requireGroup(event, 'admins');
        const thumbprint = pathParam(event, 'thumbprint');
        if (!/^[A-Za-z0-9_-]{43}$/.test(thumbprint)) throw notFound('No signing key has this thumbprint');
        const body = compromiseBody.parse(jsonBody(event));
        const outcome = await keys().compromise(thumbprint, new Date(body.compromisedAt), body.reason);
        if (outcome.ok) return json(200, outcome.key, PRIVATE);
        switch (outcome.problem) {
          case 'unknown-key':
            throw notFound(outcome.message);
          case 'in-the-future':
            throw badRequest(outcome.message);
          case 'already-compromised':
            throw conflict(outcome.message);
        }
        throw new Error('unreachable');
      }
      default:
        throw notFound();
    }
  });
}

// Read on first use, not at import: the routes above are testable without this environment.
let config:
  | { SIGNING_KEY_ID: string; PROOF_KEY_ID?: string | undefined; ISSUER_DID: string; TABLE_NAME: string }
  | undefined;
function environment() {
  config ??= loadConfig(
    object({
      SIGNING_KEY_ID: string().check(minLength(1)),
      // The Ed25519 key of the Data Integrity proofs; the template always sets it.
      PROOF_KEY_ID: optional(string().check(minLength(1))),
      ISSUER_DID: string().check(regex(/^did:web:[a-z0-9.%-]+$/)),
      TABLE_NAME: string().check(minLength(1)),
    }),
  );
  return config;
}
let fromEnvironment: RegionSigningKeys | undefined;

export const handler = publicKeysHandler(
  () => {
    const env = environment();
    fromEnvironment ??= new RegionSigningKeys({
      signer: signerFromEnvironment(env.SIGNING_KEY_ID),
      ...(env.PROOF_KEY_ID ? { proofSigner: proofSignerFromEnvironment(env.PROOF_KEY_ID) } : {}),
      // Recorded with the keys this function records (the first key, a key declared compromised unused).
      generation: keyGenerationFromEnvironment(),
      ledger: new DynamoDbSigningKeyLedger(env.TABLE_NAME),
      issuerDid: env.ISSUER_DID,
      // The JWKS may be served before anything signed: this function records the region's first key.
      recordWhenEmpty: true,
    });
    return fromEnvironment;
  },
  () => environment().ISSUER_DID,
);
