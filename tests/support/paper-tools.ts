// Other people's tools over a certificate PDF: poppler's pdftotext and pdftoppm, and jsQR (a QR decoder we
// did not write) over the PNG pdftoppm renders, decoded with pngjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

export const SCREENSHOTS = join(process.cwd(), '.skillcert', 'screenshots');

export function pdfText(pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'paper-'));
  writeFileSync(join(dir, 'c.pdf'), pdf);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'c.pdf'), '-'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** pdftoppm's PNG of page 1 at `dpi`, also saved as .skillcert/screenshots/<name>.png. */
export function renderPng(pdf: Uint8Array, name: string, dpi = 150): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'paper-'));
  writeFileSync(join(dir, 'c.pdf'), pdf);
  execFileSync(
    'pdftoppm',
    ['-r', String(dpi), '-png', '-singlefile', join(dir, 'c.pdf'), join(dir, 'page')],
    {
      stdio: 'ignore',
    },
  );
  const png = readFileSync(join(dir, 'page.png'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  writeFileSync(join(SCREENSHOTS, `${name}.png`), png);
  return png;
}

/**
 * The QR codes jsQR finds in the PNG: it finds one per image, so the image is scanned in tiles, from the
 * bottom (where the certificate prints them) up, until `expected` different codes have turned up.
 */
export function decodeQrCodes(png: Buffer, expected = 2): string[] {
  const image = PNG.sync.read(png);
  const found = new Set<string>();
  const whole = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (whole) found.add(whole.data);
  // Tiles of half the width and a third of the height, overlapping by half: each holds one code whole.
  const [tw, th] = [Math.floor(image.width / 2), Math.floor(image.height / 3)];
  for (let y = image.height - th; y >= 0 && found.size < expected; y -= Math.floor(th / 2)) {
    for (let x = 0; x + tw <= image.width && found.size < expected; x += Math.floor(tw / 4)) {
      const tile = new Uint8ClampedArray(tw * th * 4);
      for (let row = 0; row < th; row++) {
        const from = ((y + row) * image.width + x) * 4;
        tile.set(image.data.subarray(from, from + tw * 4), row * tw * 4);
      }
      const code = jsQR(tile, tw, th);
      if (code) found.add(code.data);
    }
  }
  return [...found];
}
