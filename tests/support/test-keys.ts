// Small stand-ins the unit tests share: an in-memory ES256 signer (a fresh P-256 key each call) and a clock
// a test moves by hand.
import { generateKeyPairSync, sign } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Signer } from '../../functions/ports.js';

export function testSigner(): Signer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = privateKey.export({ format: 'jwk' });
  const jwk = { kty, crv, x, y } as JWK;
  return {
    keyId: () => calculateJwkThumbprint(jwk, 'sha256'),
    publicJwk: async () => jwk,
    sign: async (input) =>
      new Uint8Array(sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' })),
  };
}

export function clock(start: string) {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}
