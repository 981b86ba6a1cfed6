// Stands in for `fontverter` inside Lambda bundles (the paper function aliases it here at bundle time).
// subset-font converts through fontverter, which carries a WOFF2 codec (wawoff2, 1.2 MB of the bundle);
// our font is an OpenType (sfnt) file and we ask for sfnt back, so no conversion ever happens. Any other
// format is a mistake in how the font was packaged, and says so.
function formatOf(buffer: Buffer): 'sfnt' {
  const signature = buffer.toString('ascii', 0, 4);
  if (signature === 'OTTO' || signature === 'true' || signature === '\x00\x01\x00\x00') return 'sfnt';
  throw new Error(`Only OpenType/TrueType fonts are bundled for the paper, not ${JSON.stringify(signature)}`);
}

export function detectFormat(buffer: Buffer): 'sfnt' {
  return formatOf(buffer);
}

export async function convert(buffer: Buffer, toFormat: string, fromFormat?: string): Promise<Buffer> {
  const from = fromFormat === 'truetype' || fromFormat === undefined ? formatOf(buffer) : fromFormat;
  const to = toFormat === 'truetype' ? 'sfnt' : toFormat;
  if (from !== 'sfnt' || to !== 'sfnt') throw new Error(`Font conversion ${from} → ${to} is not bundled`);
  return buffer;
}
