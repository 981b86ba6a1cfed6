// GET /.well-known/jwks.json and GET /.well-known/did.json: every key the region ever signed with (the
// active ES256 and Ed25519 keys and the retired ones), each with its signing window and any declared
// compromise, for anyone verifying a certificate or its Data Integrity proof. Public and cacheable;
// private keys never leave KMS. Also the never-changing documents every credential names: our JSON-LD
// context and our JSON schema (docs/credentials.md), from the copies in the package. The admin routes on
// the key ledger are signing-keys-admin-api.ts. See docs/keys.md.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { minLength, object, optional, regex, string } from 'zod/mini';
import { DynamoDbSigningKeyLedger } from '../adapters/dynamodb-signing-key-ledger.js';
import { proofSignerFromEnvironment, signerFromEnvironment } from '../adapters/signer.js';
import skillcertContext from '../contexts/skillcert-v1.json' with { type: 'json' };
import skillcertSchema from '../contexts/skillcert-v1.schema.json' with { type: 'json' };
import { SKILLCERT_CONTEXT_PATH, SKILLCERT_SCHEMA_PATH } from '../domain/index.js';
import { loadConfig } from '../shared/config.js';
import { httpHandler, json, notFound } from '../shared/http.js';
import { RegionSigningKeys, regionDidDocument } from '../shared/signing-keys.js';

// Verifiers may cache keys for five minutes; a rotation publishes the new key before it signs anything.
const CACHE = { 'cache-control': 'public, max-age=300' };
// Versioned paths whose bytes never change: a new version gets a new path.
const IMMUTABLE = { 'cache-control': 'public, max-age=31536000, immutable' };

/**
 * The public routes on given keys (tests pass an in-memory ledger); `handler` below uses the environment's.
 * Reads only: serving a key set never writes the ledger (docs/security.md, "Public routes").
 */
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
      ledger: new DynamoDbSigningKeyLedger(env.TABLE_NAME),
      issuerDid: env.ISSUER_DID,
      // Read only: the active keys are published from KMS before their first signature, and the ledger
      // is written where keys change (a first signature, the admin routes), never here.
    });
    return fromEnvironment;
  },
  () => environment().ISSUER_DID,
);
