// Builds the browser app (web/src) into web/dist with esbuild: hashed file names so CloudFront and
// browsers may cache assets for a year, code split per role so a candidate's phone loads only the exam
// runner, and a report of every bundle's gzip size against the exam runner's 120 KB first-load budget.
// Synchronous (esbuild's buildSync) so the CDK app can build a fresh clone's assets during synth.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildSync, type Metafile } from 'esbuild';

export const WEB_DIR = dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = join(WEB_DIR, 'dist');
/** The exam runner's first load: every script a candidate's browser fetches before the first item shows. */
export const EXAM_RUNNER_BUDGET_BYTES = 120 * 1024;
/** The lazily loaded page modules ("entries"), each its own bundle; main is the shell every page loads. */
export const ENTRIES = ['main', 'candidate', 'assessor', 'admin'] as const;

export interface BundleSize {
  entry: string;
  /** Every script the entry needs, its own file and the shared chunks it imports statically. */
  files: string[];
  gzipBytes: number;
}

export interface WebBuildReport {
  /** Per entry: the gzip size of its own closure of scripts (without the shell for page entries). */
  bundles: BundleSize[];
  /** The shell plus the candidate pages: what the exam runner's first load fetches. */
  examRunnerFirstLoadGzipBytes: number;
  budgetBytes: number;
  sourceHash: string;
}

/** Every file under a path (or the path itself), in a stable order: what a content hash is taken over. */
export function filesUnder(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/** A hash of everything the build reads: sources, the page template and the locked dependencies. */
export function webSourceHash(): string {
  const hash = createHash('sha256');
  const root = join(WEB_DIR, '..');
  for (const file of [
    ...filesUnder(join(WEB_DIR, 'src')),
    join(WEB_DIR, 'index.html'),
    join(WEB_DIR, 'build.ts'),
    join(root, 'package-lock.json'),
  ]) {
    hash.update(relative(root, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Builds web/dist from scratch and returns (and writes) the size report. */
export function buildWeb(outdir = WEB_DIST): WebBuildReport {
  const sourceHash = webSourceHash();
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = buildSync({
    entryPoints: { main: join(WEB_DIR, 'src/main.tsx') },
    outdir: join(outdir, 'assets'),
    publicPath: '/assets',
    bundle: true,
    splitting: true,
    format: 'esm',
    // Browsers on a few-year-old Android phone; nothing older runs ES modules anyway.
    target: 'es2020',
    minify: true,
    sourcemap: false,
    metafile: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: '[name]-[hash]',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  const metafile = result.metafile as Metafile;
  const outputs = metafile.outputs;
  const byEntryModule = (suffix: string) =>
    Object.keys(outputs).find((o) => outputs[o]?.entryPoint?.endsWith(suffix) && o.endsWith('.js'));
  const closure = (start: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(start)) return seen;
    seen.add(start);
    for (const i of outputs[start]?.imports ?? []) {
      if (i.kind === 'import-statement' && outputs[i.path]) closure(i.path, seen);
    }
    return seen;
  };
  const gzip = (files: Iterable<string>) =>
    [...files].reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  const mainJs = byEntryModule('src/main.tsx');
  if (!mainJs) throw new Error('web build: no main bundle');
  const shell = closure(mainJs);
  // The stylesheet the main entry imports is emitted beside it as its CSS bundle.
  const cssFile = outputs[mainJs]?.cssBundle;
  const bundles: BundleSize[] = [{ entry: 'main', files: [...shell], gzipBytes: gzip(shell) }];
  for (const page of ENTRIES.slice(1)) {
    const js = byEntryModule(`src/pages/${page}.tsx`);
    if (!js) throw new Error(`web build: no bundle for the ${page} pages`);
    const own = [...closure(js)].filter((f) => !shell.has(f));
    bundles.push({ entry: page, files: own, gzipBytes: gzip(own) });
  }
  const candidate = bundles.find((b) => b.entry === 'candidate') as BundleSize;

  const examRunnerFirstLoadGzipBytes = (bundles[0]?.gzipBytes ?? 0) + candidate.gzipBytes;

  const asUrl = (file: string) => `/${relative(outdir, file).split('\\').join('/')}`;
  const template = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
  const html = template
    .replace('<!--styles-->', cssFile ? `<link rel="stylesheet" href="${asUrl(cssFile)}">` : '')
    .replace('<!--scripts-->', `<script type="module" src="${asUrl(mainJs)}"></script>`);
  writeFileSync(join(outdir, 'index.html'), html);
  const report: WebBuildReport = {
    bundles: bundles.map((b) => ({ ...b, files: b.files.map(asUrl) })),
    examRunnerFirstLoadGzipBytes,
    budgetBytes: EXAM_RUNNER_BUDGET_BYTES,
    sourceHash,
  };
  // Not served: the hosting construct leaves it out of the bucket (see lib/constructs/web-app.ts).
  writeFileSync(join(outdir, 'build-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (examRunnerFirstLoadGzipBytes > EXAM_RUNNER_BUDGET_BYTES) {
    throw new Error(
      `web build: the exam runner's first load is ${examRunnerFirstLoadGzipBytes} bytes gzip, over the ${EXAM_RUNNER_BUDGET_BYTES}-byte budget`,
    );
  }
  return report;
}

/** The report of web/dist when it was built from the current sources; undefined when stale or missing. */
export function currentBuild(outdir = WEB_DIST): WebBuildReport | undefined {
  const file = join(outdir, 'build-report.json');
  if (!existsSync(file) || !existsSync(join(outdir, 'index.html'))) return undefined;
  const report = JSON.parse(readFileSync(file, 'utf8')) as WebBuildReport;
  return report.sourceHash === webSourceHash() ? report : undefined;
}

/** web/dist as the sources say it should be: built now when missing or stale (a fresh clone's synth). */
export function ensureWebBuilt(outdir = WEB_DIST): WebBuildReport {
  return currentBuild(outdir) ?? buildWeb(outdir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = buildWeb();
  for (const b of report.bundles)
    console.log(`web/dist ${b.entry.padEnd(10)} ${(b.gzipBytes / 1024).toFixed(1)} KB gzip`);
  console.log(
    `exam runner first load ${(report.examRunnerFirstLoadGzipBytes / 1024).toFixed(1)} KB gzip (budget ${report.budgetBytes / 1024} KB)`,
  );
}
