// The PDF function's sizes and a cold PDF's time (docs/costs.md, "The paper certificate"). Sizes are read
// from the function's synthesized asset (what deploys); the time from a fresh Node process that loads
// the asset's own bundle of the renderer beside the same font and WebAssembly, then makes two PDFs: the
// first pays module init, the font read and harfbuzz's start (a cold start), the second is warm.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../local/paths.js';

export const PAPER_BUDGET = {
  /** The PDF function's JavaScript (pdf-lib, fontkit, qrcode, harfbuzz glue, the SDK clients). */
  bundleKb: 2300,
  /** The CJK font shipped beside it (one weight of Noto Sans SC). */
  fontMb: 9,
  /** Everything in the asset, unzipped (Lambda allows 250 MB). */
  assetMb: 12,
  /** A PDF on a cold container, and on a warm one, at the function's 1,024 MB (about 0.6 of a vCPU). */
  coldMs: 2500,
  warmMs: 800,
};

async function sizes(dir: string, prefix = ''): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, await sizes(path, `${prefix}${entry.name}/`));
    else out[`${prefix}${entry.name}`] = (await stat(path)).size;
  }
  return out;
}

export async function benchPaper(assetDir: string) {
  const files = await sizes(assetDir);
  const bundle = files['index.mjs'] ?? 0;
  const font = Object.entries(files).find(([name]) => name.endsWith('.otf'))?.[1] ?? 0;
  const asset = Object.entries(files)
    .filter(([name]) => !name.endsWith('.map'))
    .reduce((sum, [, size]) => sum + size, 0);

  // The renderer alone, bundled as the function bundles it, next to the asset's font and wasm.
  const dir = await mkdtemp(join(tmpdir(), 'skillcert-paper-bench-'));
  try {
    await build({
      entryPoints: [join(projectRoot, 'functions/paper/certificate-pdf.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      minify: true,
      outfile: join(dir, 'renderer.mjs'),
      mainFields: ['module', 'main'],
      alias: { fontverter: join(projectRoot, 'functions/shared/sfnt-only-fontverter.ts') },
      banner: { js: "import{createRequire as __c}from'module';const require=__c(import.meta.url);" },
      logLevel: 'error',
    });
    execFileSync('cp', ['-r', `${assetDir}/.`, dir]);
    await writeFile(
      join(dir, 'run.mjs'),
      `const t0 = performance.now();
const { renderCertificatePdf } = await import('./renderer.mjs');
const input = { certificate: { number: 'NJ-2026-4-000001-X', holderName: '张伟', idType: { zh: '居民身份证', en: 'Resident identity card' }, maskedId: '5****************X', occupation: { code: '6-18-01-01', nameZh: '车工', nameEn: 'Lathe operator' }, level: 4, organisation: { zh: '内江人力资源和社会保障局', en: 'Neijiang Human Resources and Social Security Bureau' }, region: { code: 'neijiang', nameZh: '内江', nameEn: 'Neijiang', did: 'did:web:neijiang.skillcert.example' }, issuedAt: '2026-11-30T02:00:00.000Z', timeZone: 'Asia/Shanghai' }, pageUrl: 'https://neijiang.skillcert.example/c/q3V9kzR2bX8mW4tY7nP1sA', offlineStatement: 'x'.repeat(340), credentialJws: 'a.b.c', credentialJson: '{}' };
const a = await renderCertificatePdf(input);
const t1 = performance.now();
const b = await renderCertificatePdf({ ...input, certificate: { ...input.certificate, holderName: '李娜' } });
const t2 = performance.now();
console.log(JSON.stringify({ cold: t1 - t0, warm: t2 - t1, pdfBytes: a.length }));`,
    );
    const measured = JSON.parse(
      execFileSync(process.execPath, [join(dir, 'run.mjs')], { encoding: 'utf8' }),
    ) as {
      cold: number;
      warm: number;
      pdfBytes: number;
    };
    return { bundle, font, asset, ...measured };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
