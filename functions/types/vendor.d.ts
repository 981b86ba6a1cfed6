// Types for the untyped packages the functions import (only what we call).

declare module 'base58-universal' {
  /** Base58 with the Bitcoin alphabet (base58btc). */
  export function encode(input: Uint8Array, maxline?: number): string;
  export function decode(input: string): Uint8Array;
}

declare module '@digitalbazaar/credentials-context' {
  /** Context URL → the context document (the W3C VC 1.1 and 2.0 contexts). */
  export const contexts: Map<string, Record<string, unknown>>;
}

declare module 'subset-font' {
  /** harfbuzz's hb-subset (WebAssembly): the font cut down to the glyphs `text` needs. */
  export default function subsetFont(
    font: Uint8Array,
    text: string,
    options?: { targetFormat?: 'sfnt' | 'woff' | 'woff2' | 'truetype' },
  ): Promise<Buffer>;
}
