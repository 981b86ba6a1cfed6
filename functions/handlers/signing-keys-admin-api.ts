// GET /admin/signing-keys and POST /admin/signing-keys/{thumbprint}/compromise: the key ledger for admins
// (docs/keys.md). Its own function, apart from the public key set: this one writes the ledger, the public
// one only reads it. Listing the keys records the active ES256 key when the ledger is still empty, so a
// deployment that signed before the ledger existed keeps those certificates verifiable after a rotation.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { minLength, object, optional, regex, string } from 'zod/mini';
import { DynamoDbSigningKeyLedger } from '../adapters/dynamodb-signing-key-ledger.js';
import { proofSignerFromEnvironment, signerFromEnvironment } from '../adapters/signer.js';
import { keyCompromiseBody } from '../api/public.js';
import { pathParam, requireGroup } from '../shared/caller.js';
import { loadConfig } from '../shared/config.js';
import { badRequest, conflict, httpHandler, json, notFound, parseBody } from '../shared/http.js';
import { keyGenerationFromEnvironment, RegionSigningKeys } from '../shared/signing-keys.js';

const PRIVATE = { 'cache-control': 'no-store' };

/** The admin routes on given keys (tests pass an in-memory ledger); `handler` below uses the environment's. */
export function signingKeysAdminHandler(keys: () => RegionSigningKeys) {
  return httpHandler(async (event: APIGatewayProxyEventV2) => {
    switch (event.routeKey) {
      case 'GET /admin/signing-keys':
        requireGroup(event, 'admins');
        return json(200, { keys: await keys().list() }, PRIVATE);
      case 'POST /admin/signing-keys/{thumbprint}/compromise': {
        requireGroup(event, 'admins');
        const thumbprint = pathParam(event, 'thumbprint');
        if (!/^[A-Za-z0-9_-]{43}$/.test(thumbprint))
          throw notFound({ en: 'No signing key has this thumbprint', zh: '没有此指纹的签名密钥' });
        const body = parseBody(keyCompromiseBody, event);
        const outcome = await keys().compromise(thumbprint, new Date(body.compromisedAt), body.reason);
        if (outcome.ok) return json(200, outcome.key, PRIVATE);
        const message = { en: outcome.message, zh: outcome.messageZh };
        switch (outcome.problem) {
          case 'unknown-key':
            throw notFound(message);
          case 'in-the-future':
            // Named as a field problem, so the admin page shows it next to the time it concerns.
            throw badRequest(message, [
              { field: 'compromisedAt', message: outcome.message, messageZh: outcome.messageZh },
            ]);
          case 'already-compromised':
            throw conflict(message);
        }
        throw new Error('unreachable');
      }
      default:
        throw notFound();
    }
  });
}

let fromEnvironment: RegionSigningKeys | undefined;

export const handler = signingKeysAdminHandler(() => {
  const env = loadConfig(
    object({
      SIGNING_KEY_ID: string().check(minLength(1)),
      PROOF_KEY_ID: optional(string().check(minLength(1))),
      ISSUER_DID: string().check(regex(/^did:web:[a-z0-9.%-]+$/)),
      TABLE_NAME: string().check(minLength(1)),
    }),
  );
  fromEnvironment ??= new RegionSigningKeys({
    signer: signerFromEnvironment(env.SIGNING_KEY_ID),
    ...(env.PROOF_KEY_ID ? { proofSigner: proofSignerFromEnvironment(env.PROOF_KEY_ID) } : {}),
    // Recorded with the keys this function records (the first key, a key declared compromised unused).
    generation: keyGenerationFromEnvironment(),
    ledger: new DynamoDbSigningKeyLedger(env.TABLE_NAME),
    issuerDid: env.ISSUER_DID,
    recordWhenEmpty: true,
  });
  return fromEnvironment;
});
