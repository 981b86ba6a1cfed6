// GET /.well-known/jwks.json and GET /.well-known/did.json: the region's public signing keys, for anyone
// verifying a certificate. Public and cacheable; the private key never leaves KMS.
import { minLength, object, regex, string } from 'zod/mini';
import { signerFromEnvironment } from '../adapters/signer.js';
import { loadConfig } from '../shared/config.js';
import { httpHandler, json, notFound } from '../shared/http.js';
import { didDocument, publishedKey } from '../shared/signing.js';

const config = loadConfig(
  object({
    SIGNING_KEY_ID: string().check(minLength(1)),
    ISSUER_DID: string().check(regex(/^did:web:[a-z0-9.%-]+$/)),
  }),
);
const signer = signerFromEnvironment(config.SIGNING_KEY_ID);

// Verifiers may cache keys for five minutes; a rotation publishes the new key before it signs anything.
const CACHE = { 'cache-control': 'public, max-age=300' };

export const handler = httpHandler(async (event) => {
  const key = await publishedKey(signer, config.ISSUER_DID);
  switch (event.rawPath) {
    case '/.well-known/jwks.json':
      return json(200, { keys: [key] }, { ...CACHE, 'content-type': 'application/jwk-set+json' });
    case '/.well-known/did.json':
      return json(200, didDocument(config.ISSUER_DID, [key]), {
        ...CACHE,
        'content-type': 'application/did+json',
      });
    default:
      throw notFound();
  }
});
