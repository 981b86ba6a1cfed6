// Compact JWS (ES256) and the published key documents, built on the Signer port. jose does the
// encoding and thumbprints; the signature itself comes from KMS or the local key.
import { base64url, type JWK } from 'jose';
import { type CredentialClaimSource, jwtClaimsOf } from '../domain/index.js';
import type { Signer } from '../ports.js';

export interface PublishedKey extends JWK {
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/** The key id is the issuer's DID URL with the key's RFC 7638 thumbprint as fragment. */
export async function publishedKey(signer: Signer, issuerDid: string): Promise<PublishedKey> {
  const [jwk, thumbprint] = await Promise.all([signer.publicJwk(), signer.keyId()]);
  return { ...jwk, kid: `${issuerDid}#${thumbprint}`, alg: 'ES256', use: 'sig' };
}

export async function signCompactJws(
  signer: Signer,
  issuerDid: string,
  payload: unknown,
  typ: string,
): Promise<string> {
  const { kid } = await publishedKey(signer, issuerDid);
  const header = base64url.encode(JSON.stringify({ alg: 'ES256', kid, typ }));
  const body = base64url.encode(JSON.stringify(payload));
  const signingInput = `${header}.${body}`;
  const signature = await signer.sign(new TextEncoder().encode(signingInput));
  return `${signingInput}.${base64url.encode(signature)}`;
}

/**
 * A credential as a compact JWS in OB 3.0's JSON Web Token Proof Format: header alg, kid and typ "JWT"
 * only; payload the credential (with its embedded proof, when it has one) plus iss, jti, nbf, sub, exp.
 */
export function signCredentialJwt(
  signer: Signer,
  issuerDid: string,
  credential: CredentialClaimSource & Record<string, unknown>,
): Promise<string> {
  return signCompactJws(signer, issuerDid, { ...credential, ...jwtClaimsOf(credential) }, 'JWT');
}

/** The JSON form of a credential JWS made by signCredentialJwt: its payload without the JWT claims. */
export function credentialJsonOf(jws: string): Record<string, unknown> {
  const payload = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8'));
  const {
    iss: _iss,
    jti: _jti,
    nbf: _nbf,
    sub: _sub,
    exp: _exp,
    ...credential
  } = payload as Record<string, unknown>;
  return credential;
}

/** A did:web DID document for the region: its signing keys as JsonWebKey verification methods. */
export function didDocument(issuerDid: string, keys: PublishedKey[]) {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/jwk/v1'],
    id: issuerDid,
    verificationMethod: keys.map(({ kid, alg: _alg, use: _use, ...publicKeyJwk }) => ({
      id: kid,
      type: 'JsonWebKey',
      controller: issuerDid,
      publicKeyJwk,
    })),
    assertionMethod: keys.map((k) => k.kid),
  };
}
