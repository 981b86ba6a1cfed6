// The JSON-LD contexts our documents use, bundled: JSON-LD processing (canonicalization for Data
// Integrity proofs, safe-mode expansion) never loads anything over the network. A context that is not
// one of ours is an error, never a fetch: a verifier that fetched contexts could be fed a different
// meaning for the same document, and offline verification must work without a network at all.
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import ob3Context from '../contexts/ob3-context-3.0.3.json' with { type: 'json' };
import skillcertContext from '../contexts/skillcert-v1.json' with { type: 'json' };
import { OB_CONTEXT, SKILLCERT_CONTEXT_PATH, VC_CONTEXT } from '../domain/credential.js';

/** What jsonld's documentLoader returns. */
export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: Record<string, unknown>;
}

export class ContextNotBundled extends Error {
  override name = 'ContextNotBundled';
}

const vc2 = credentialsContexts.get(VC_CONTEXT);
if (!vc2) throw new Error(`@digitalbazaar/credentials-context has no ${VC_CONTEXT}`);

// Frozen: jsonld caches resolved contexts across calls, and nobody may change what a URL means.
const bundled = new Map<string, Record<string, unknown>>([
  [VC_CONTEXT, deepFreeze(vc2)],
  [OB_CONTEXT, deepFreeze(ob3Context as Record<string, unknown>)],
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
