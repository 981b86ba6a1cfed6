// The JSON-LD contexts our documents use, bundled: JSON-LD processing (canonicalization for Data
// Integrity proofs, safe-mode expansion) never loads anything over the network. A context that is not
// one of ours is an error, never a fetch: a verifier that fetched contexts could be fed a different
// meaning for the same document, and offline verification must work without a network at all.
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import ob3Context from '../contexts/ob3-context-3.0.3.json' with { type: 'json' };
import skillcertContext from '../contexts/skillcert-v1.json' with { type: 'json' };

/** The W3C Verifiable Credentials 2.0 context (also defines DataIntegrityProof and the status list terms). */
export const VC_2_0_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** 1EdTech Open Badges 3.0 context, version 3.0.3 (the one that goes with VC 2.0). */
export const OB_3_0_3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/**
 * Our own context's path: each region serves the same never-changing file at
 * `${publicUrl}${SKILLCERT_CONTEXT_PATH}`, so any http(s) URL with exactly this path is that file.
 */
export const SKILLCERT_CONTEXT_PATH = '/contexts/skillcert-v1.jsonld';

/** Our context's URL at a region's public URL. */
export function skillcertContextUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${SKILLCERT_CONTEXT_PATH}`;
}

/** What jsonld's documentLoader returns. */
export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: Record<string, unknown>;
}

export class ContextNotBundled extends Error {
  override name = 'ContextNotBundled';
}

const vc2 = credentialsContexts.get(VC_2_0_CONTEXT);
if (!vc2) throw new Error(`@digitalbazaar/credentials-context has no ${VC_2_0_CONTEXT}`);

// Frozen: jsonld caches resolved contexts across calls, and nobody may change what a URL means.
const bundled = new Map<string, Record<string, unknown>>([
  [VC_2_0_CONTEXT, deepFreeze(vc2)],
  [OB_3_0_3_CONTEXT, deepFreeze(ob3Context as Record<string, unknown>)],
]);
const skillcert = deepFreeze(skillcertContext as Record<string, unknown>);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** The bundled document for a URL, or undefined when it is none of ours. */
export function bundledContext(url: string): Record<string, unknown> | undefined {
  const known = bundled.get(url);
  if (known) return known;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const ours =
    (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
    parsed.pathname === SKILLCERT_CONTEXT_PATH &&
    parsed.search === '' &&
    parsed.hash === '' &&
    parsed.username === '' &&
    parsed.password === '';
  return ours ? skillcert : undefined;
}

/**
 * jsonld's document loader over the bundled contexts only: the VC 2.0 context, the OB 3.0.3 context and
 * ours (at any region's public URL). Anything else throws ContextNotBundled naming the URL.
 */
export async function documentLoader(url: string): Promise<RemoteDocument> {
  const document = bundledContext(url);
  if (!document) {
    throw new ContextNotBundled(
      `JSON-LD context ${url} is not one skillcert knows (only the VC 2.0, Open Badges 3.0.3 and skillcert contexts are used; nothing is loaded over the network)`,
    );
  }
  return { contextUrl: null, documentUrl: url, document };
}
