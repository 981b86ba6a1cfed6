// Ed25519 public keys in the Multikey form Data Integrity verifiers resolve from a DID document
// (W3C Controlled Identifiers, "Multikey"): multibase base58btc ('z') of the multicodec prefix
// ed25519-pub (0xed 0x01) followed by the 32-byte key. base58-universal is Digital Bazaar's codec, the
// one their Data Integrity libraries decode with.
import { encode as base58btc } from 'base58-universal';
import type { JWK } from 'jose';

export const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';

const ED25519_PUB = [0xed, 0x01];

/** publicKeyMultibase of an OKP Ed25519 JWK. */
export function ed25519Multikey(jwk: Pick<JWK, 'kty' | 'crv' | 'x'>): string {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    throw new Error(`Not an Ed25519 public key (kty ${String(jwk.kty)}, crv ${String(jwk.crv)})`);
  const key = Buffer.from(jwk.x, 'base64url');
  if (key.length !== 32) throw new Error(`An Ed25519 public key has 32 bytes, not ${key.length}`);
  return `z${base58btc(new Uint8Array([...ED25519_PUB, ...key]))}`;
}
