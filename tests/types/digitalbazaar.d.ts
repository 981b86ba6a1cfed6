// Types for Digital Bazaar's untyped packages the tests use as outside verifiers (only what we call).

declare module '@digitalbazaar/vc' {
  export function issue(o: {
    credential: Record<string, unknown>;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    now?: Date | string;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(o: {
    credential: Record<string, unknown>;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    now?: Date | string;
    /** Called for a credential with credentialStatus (vc-bitstring-status-list's checkStatus). */
    checkStatus?: (o: {
      credential: Record<string, unknown>;
      documentLoader: (url: string) => Promise<unknown>;
      suite: unknown;
    }) => Promise<unknown>;
  }): Promise<{ verified: boolean; error?: unknown; results?: { error?: unknown }[] }>;
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(o: { signer?: unknown; cryptosuite: unknown; date?: Date | string });
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: unknown;
}

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519KeyPair {
    id: string;
    controller: string;
    publicKeyMultibase: string;
    signer(): { id: string; algorithm: string; sign(o: { data: Uint8Array }): Promise<Uint8Array> };
    export(o: { publicKey?: boolean; includeContext?: boolean }): Promise<Record<string, unknown>>;
  }
  export function generate(o: { id?: string; controller?: string }): Promise<Ed25519KeyPair>;
  export function from(o: Record<string, unknown>): Promise<Ed25519KeyPair>;
}

declare module 'did-context' {
  export const contexts: Map<string, Record<string, unknown>>;
}

declare module '@digitalbazaar/multikey-context' {
  export const contexts: Map<string, Record<string, unknown>>;
}

declare module '@digitalbazaar/vc-bitstring-status-list' {
  /** Loads the credential's status list, verifies it (with suite) and reads the credential's bit. */
  export function checkStatus(o: {
    credential: Record<string, unknown>;
    documentLoader: (url: string) => Promise<unknown>;
    suite: unknown;
    verifyBitstringStatusListCredential?: boolean;
    verifyMatchingIssuers?: boolean;
  }): Promise<{
    verified: boolean;
    error?: unknown;
    results?: { status?: boolean; verified?: boolean }[];
    status?: boolean;
  }>;
}

declare module '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite' {
  export const cryptosuite: unknown;
}

declare module '@digitalbazaar/ecdsa-multikey' {
  export interface EcdsaKeyPair {
    id: string;
    controller: string;
    publicKeyMultibase: string;
    signer(): { id: string; algorithm: string; sign(o: { data: Uint8Array }): Promise<Uint8Array> };
    export(o: { publicKey?: boolean; includeContext?: boolean }): Promise<Record<string, unknown>>;
  }
  export function generate(o: {
    curve: 'P-256' | 'P-384';
    id?: string;
    controller?: string;
  }): Promise<EcdsaKeyPair>;
  export function toJwk(o: { keyPair: EcdsaKeyPair; secretKey?: boolean }): Promise<Record<string, unknown>>;
}
