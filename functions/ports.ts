// Interfaces the domain and handlers need from the outside world. Adapters implement them for AWS
// (functions/adapters) and for the local cloud.
import type { JWK } from 'jose';

/** Signs with the region's certificate key (ES256). The private key never leaves the signer. */
export interface Signer {
  /** The public key as a JWK (kty EC, crv P-256, x, y), without kid or alg. */
  publicJwk(): Promise<JWK>;
  /** ECDSA P-256 over SHA-256 of signingInput; returns the JOSE form, r‖s, 64 bytes. */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

export interface Clock {
  now(): Date;
}
