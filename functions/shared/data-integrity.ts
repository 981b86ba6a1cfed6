// Data Integrity proofs with one of two RDFC cryptosuites: eddsa-rdfc-2022 (W3C "Data Integrity EdDSA
// Cryptosuites v1.0"), the embedded proof 1EdTech's Open Badges 3.0 conformance suite checks, made with an
// Ed25519 key; or ecdsa-rdfc-2019 (W3C "Data Integrity ECDSA Cryptosuites v1.0") with a P-256 key, for a
// deployment whose KMS offers no Ed25519 keys (docs/deploy.md, "Proof suite"). Both documents — the proof
// options (with the document's @context) and the document without its proof — are canonicalized with
// RDFC-1.0 by the `jsonld` package in safe mode over the bundled contexts only (./json-ld.ts); the
// signature covers SHA-256(canonical proof options) ‖ SHA-256(canonical document) — the same 64 bytes for
// both suites with P-256 — and is written as multibase base58btc: 64 bytes of pure Ed25519, or the 64-byte
// IEEE P1363 r‖s of ECDSA P-256 with SHA-256. Pure apart from the signer port: no AWS, no network.
import { createHash, createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import { decode as base58Decode, encode as base58Encode } from 'base58-universal';
import jsonld from 'jsonld';
import { PROOF_SUITES, type ProofSuite, VC_CONTEXT } from '../domain/credential.js';
import type { Bilingual } from '../domain/errors.js';
import type { ProofCheck, VerificationKey } from '../domain/verification.js';
import type { ProofSigner } from '../ports.js';
import { documentLoader } from './json-ld.js';

export const DATA_INTEGRITY_PROOF = 'DataIntegrityProof';
export const EDDSA_RDFC_2022 = 'eddsa-rdfc-2022';
export const ECDSA_RDFC_2019 = 'ecdsa-rdfc-2019';
export { PROOF_SUITES, type ProofSuite };

/** The key each suite signs with, as a JWK's kty and crv. */
const SUITE_KEYS: Record<ProofSuite, { kty: string; crv: string; name: string; aKey: string }> = {
  [EDDSA_RDFC_2022]: { kty: 'OKP', crv: 'Ed25519', name: 'Ed25519', aKey: 'an Ed25519 key' },
  [ECDSA_RDFC_2019]: { kty: 'EC', crv: 'P-256', name: 'P-256', aKey: 'a P-256 key' },
};

export function isProofSuite(value: unknown): value is ProofSuite {
  return (PROOF_SUITES as readonly unknown[]).includes(value);
}

export interface DataIntegrityProof {
  type: typeof DATA_INTEGRITY_PROOF;
  cryptosuite: ProofSuite;
  /** XML Schema dateTimeStamp. */
  created: string;
  /** The key's DID URL, `${issuerDid}#${thumbprint}`: a Multikey under assertionMethod in did.json. */
  verificationMethod: string;
  proofPurpose: 'assertionMethod';
  /** 'z' + base58btc of the 64-byte signature (Ed25519, or ECDSA P-256 r‖s). */
  proofValue: string;
}

/** Thrown by addProof when the document cannot carry a proof (our own code made it wrong). */
export class DataIntegrityError extends Error {
  override name = 'DataIntegrityError';
}

/** The members a proof of ours has; `created` may be absent in others' proofs. */
const PROOF_MEMBERS = ['type', 'cryptosuite', 'created', 'verificationMethod', 'proofPurpose', 'proofValue'];
/** XML Schema dateTimeStamp: a date-time with its time zone. */
const DATE_TIME_STAMP =
  /^-?(?:[1-9]\d{3,}|0\d{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?|24:00:00(?:\.0+)?)(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))$/;

/**
 * RDFC-1.0 canonical N-Quads, with the options Digital Bazaar's eddsa-rdfc-2022 suite uses (safe mode,
 * no base, i18n-datatype for text direction), so both sides hash the same bytes.
 */
async function canonicalize(document: Record<string, unknown>): Promise<string> {
  const options = {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    base: null,
    safe: true,
    rdfDirection: 'i18n-datatype',
    documentLoader,
  };
  return (await jsonld.canonize(document, options as never)) as unknown as string;
}

/** What jsonld said, in words: safe mode names the term or value it would have dropped. */
function jsonLdProblem(error: unknown): string {
  const e = error as { message?: string; details?: { event?: { code?: string; details?: unknown } } };
  const event = e.details?.event;
  if (event?.code) return `${event.code}${event.details ? ` ${JSON.stringify(event.details)}` : ''}`;
  // jsonld wraps a loader failure; the loader's message names the URL.
  const cause = (e.details as { cause?: { message?: string } } | undefined)?.cause?.message;
  return cause ?? e.message ?? String(error);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** SHA-256(canonical proof options) ‖ SHA-256(canonical document): what the key signs. */
async function hashData(
  unsecured: Record<string, unknown>,
  proofOptions: Record<string, unknown>,
): Promise<Buffer> {
  const [canonicalProof, canonicalDocument] = await Promise.all([
    canonicalize({ '@context': unsecured['@context'], ...proofOptions }),
    canonicalize(unsecured),
  ]);
  return Buffer.concat([sha256(canonicalProof), sha256(canonicalDocument)]);
}

function includesVc2(document: Record<string, unknown>): boolean {
  const context = document['@context'];
  return context === VC_CONTEXT || (Array.isArray(context) && context.includes(VC_CONTEXT));
}

/**
 * Signs a document with an embedded Data Integrity proof of the given suite (eddsa-rdfc-2022 unless said
 * otherwise) made by the signer's key, which must be the suite's kind of key. The document must use the
 * VC 2.0 context (which defines the proof's terms), carry no proof yet and expand under JSON-LD safe mode
 * with the bundled contexts: a term no context defines is an error, never dropped.
 */
export async function addProof<T extends Record<string, unknown>>(
  document: T,
  o: { signer: ProofSigner; verificationMethod: string; created: Date; cryptosuite?: ProofSuite },
): Promise<T & { proof: DataIntegrityProof }> {
  const cryptosuite = o.cryptosuite ?? EDDSA_RDFC_2022;
  if ('proof' in document) throw new DataIntegrityError('The document already has a proof');
  const wanted = SUITE_KEYS[cryptosuite];
  const jwk = await o.signer.publicJwk();
  if (jwk.kty !== wanted.kty || jwk.crv !== wanted.crv)
    throw new DataIntegrityError(
      `${cryptosuite} proofs are made with ${wanted.name} keys, not ${String(jwk.kty)} ${String(jwk.crv)}`,
    );
  if (!includesVc2(document))
    throw new DataIntegrityError(`The document's @context must include ${VC_CONTEXT}`);
  if (Number.isNaN(o.created.getTime())) throw new DataIntegrityError('created is not a date');
  const options = {
    type: DATA_INTEGRITY_PROOF,
    cryptosuite,
    created: o.created.toISOString(),
    verificationMethod: o.verificationMethod,
    proofPurpose: 'assertionMethod',
  } as const;
  let data: Buffer;
  try {
    data = await hashData(document, options);
  } catch (error) {
    throw new DataIntegrityError(
      `The document does not canonicalize under JSON-LD safe mode: ${jsonLdProblem(error)}`,
    );
  }
  const signature = await o.signer.sign(new Uint8Array(data));
  return { ...document, proof: { ...options, proofValue: `z${base58Encode(signature)}` } };
}

/** Public keys imported once per key object: importing costs more than the check itself. */
const imported = new WeakMap<VerificationKey, KeyObject>();
function publicKeyOf(key: VerificationKey): KeyObject {
  let keyObject = imported.get(key);
  if (!keyObject) {
    keyObject = createPublicKey({
      key: { kty: key.kty, crv: key.crv, x: key.x, ...(key.y ? { y: key.y } : {}) } as JsonWebKey,
      format: 'jwk',
    });
    imported.set(key, keyObject);
  }
  return keyObject;
}

const malformed = (reason: Bilingual): ProofCheck => ({ ok: false, status: 'malformed', reason });

/** The proof's members, checked to be exactly an assertion proof of a suite we check; or why not. */
function proofOf(document: Record<string, unknown>): DataIntegrityProof | Bilingual {
  // A set of one proof is the same proof: 1EdTech's schemas require `proof` to be an array.
  const proof =
    Array.isArray(document.proof) && document.proof.length === 1 ? document.proof[0] : document.proof;
  if (Array.isArray(proof))
    return {
      en: 'The document has a set of proofs; one proof is expected',
      zh: '文档带有多个证明；应只有一个',
    };
  if (typeof proof !== 'object' || proof === null)
    return {
      en: 'The document has no Data Integrity proof',
      zh: '文档没有数据完整性证明（Data Integrity proof）',
    };
  const p = proof as Record<string, unknown>;
  const extra = Object.keys(p).filter((k) => !PROOF_MEMBERS.includes(k));
  if (extra.length > 0)
    return {
      en: `The proof has members Data Integrity proofs do not: ${extra.join(', ')}`,
      zh: `证明含有数据完整性证明不应有的成员：${extra.join(', ')}`,
    };
  if (p.type !== DATA_INTEGRITY_PROOF)
    return {
      en: `The proof's type is ${String(p.type)}, not DataIntegrityProof`,
      zh: `证明的类型为 ${String(p.type)}，而非 DataIntegrityProof`,
    };
  if (!isProofSuite(p.cryptosuite))
    return {
      en: `The proof's cryptosuite is ${String(p.cryptosuite)}, not ${PROOF_SUITES.join(' or ')}`,
      zh: `证明的密码套件为 ${String(p.cryptosuite)}，而非 ${PROOF_SUITES.join(' 或 ')}`,
    };
  if (p.proofPurpose !== 'assertionMethod')
    return {
      en: `The proof's purpose is ${String(p.proofPurpose)}, not assertionMethod`,
      zh: `证明的用途为 ${String(p.proofPurpose)}，而非 assertionMethod`,
    };
  if (typeof p.verificationMethod !== 'string' || p.verificationMethod === '')
    return { en: 'The proof names no verificationMethod', zh: '证明未注明验证方法（verificationMethod）' };
  if (p.created !== undefined && (typeof p.created !== 'string' || !DATE_TIME_STAMP.test(p.created)))
    return {
      en: `The proof's created (${String(p.created)}) is not a date-time with a time zone`,
      zh: `证明的创建时间（${String(p.created)}）不是带时区的日期时间`,
    };
  if (typeof p.proofValue !== 'string' || !p.proofValue.startsWith('z'))
    return { en: 'The proof has no base58btc proofValue', zh: '证明没有 base58btc 编码的 proofValue' };
  return p as unknown as DataIntegrityProof;
}

/**
 * Checks a document's embedded Data Integrity proof against published keys: the key whose kid is the
 * proof's verificationMethod, which must be the proof's suite's kind of key (Ed25519 for eddsa-rdfc-2022,
 * P-256 for ecdsa-rdfc-2019). The document must expand under JSON-LD
 * safe mode with the bundled contexts. Returns the key; the caller checks that its owner is the
 * document's issuer and that the key's window and any compromise allow the document's date.
 */
export async function checkProof(
  document: Record<string, unknown>,
  keys: VerificationKey[],
): Promise<ProofCheck> {
  const proof = proofOf(document);
  if (!('proofValue' in proof)) return malformed(proof);
  if (!includesVc2(document))
    return malformed({
      en: `The document's @context does not include ${VC_CONTEXT}`,
      zh: `文档的 @context 未包含 ${VC_CONTEXT}`,
    });
  let signature: Uint8Array;
  try {
    signature = base58Decode(proof.proofValue.slice(1));
  } catch {
    return malformed({ en: 'The proofValue is not base58btc', zh: 'proofValue 不是 base58btc 编码' });
  }
  const key = keys.find((k) => k.kid === proof.verificationMethod);
  if (!key)
    return {
      ok: false,
      status: 'unknown-issuer',
      reason: {
        en: `No published key has the id ${proof.verificationMethod}`,
        zh: `已发布的密钥中没有标识为 ${proof.verificationMethod} 的密钥`,
      },
    };
  const wanted = SUITE_KEYS[proof.cryptosuite];
  if (key.kty !== wanted.kty || key.crv !== wanted.crv || typeof key.x !== 'string') {
    return {
      ok: false,
      status: 'signature-invalid',
      reason: {
        en: `Key ${key.kid} is not ${wanted.aKey}; ${proof.cryptosuite} proofs are made with ${wanted.name}`,
        zh: `密钥 ${key.kid} 不是 ${wanted.name} 密钥；${proof.cryptosuite} 证明须以 ${wanted.name} 制作`,
      },
    };
  }
  const altered = {
    ok: false,
    status: 'signature-invalid',
    reason: {
      en: 'The proof does not match the document: it was altered or not signed with this key',
      zh: '证明与文档不符：文档已被篡改，或并非由此密钥签名',
    },
  } as const;
  if (signature.length !== 64) return altered;

  const { proof: _proof, ...unsecured } = document;
  const { proofValue: _value, ...options } = proof;
  let data: Buffer;
  try {
    data = await hashData(unsecured, options);
  } catch (error) {
    return malformed({
      en: `The document does not expand under JSON-LD safe mode: ${jsonLdProblem(error)}`,
      zh: `文档无法在 JSON-LD 安全模式下展开：${jsonLdProblem(error)}`,
    });
  }
  try {
    const verified =
      proof.cryptosuite === EDDSA_RDFC_2022
        ? verify(null, data, publicKeyOf(key), signature)
        : verify('sha256', data, { key: publicKeyOf(key), dsaEncoding: 'ieee-p1363' }, signature);
    if (!verified) return altered;
  } catch {
    return altered;
  }
  return { ok: true, key };
}
