// Stands in for @digitalbazaar/http-client inside Lambda bundles (SkillcertFunction aliases it here at
// bundle time). jsonld's Node document loader imports it at load time, but we never load a JSON-LD
// context over the network: every context is bundled (./json-ld.ts) and every call passes that loader.
// The real client drags in undici, about 420 KB per function. Reaching it would be a bug, so it says so.
function unavailable(): never {
  throw new Error(
    'skillcert loads no JSON-LD document over the network (see functions/shared/json-ld.ts and functions/shared/no-http-client.ts)',
  );
}

export const httpClient = new Proxy({}, { get: () => unavailable });
export const DEFAULT_HEADERS = {};
