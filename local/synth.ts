// Synthesizes a CDK app in-process into a cloud assembly, the same output `cdk synth` writes, so the
// local cloud always runs exactly the template that would be deployed.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { type BuildAppOptions, buildApp } from '../lib/app.js';
import { localWebOrigin } from '../lib/deployments.js';
import { filesUnder } from '../web/build.js';
import { cacheDir, projectRoot } from './paths.js';

export interface SynthesizedStack {
  assemblyDir: string;
  stackArtifactId: string;
  stackName: string;
}

/** Synthesizes the app and returns its single stack (or the one whose artifact id is given). */
export function synthesizeStack(app: App, stackArtifactId?: string): SynthesizedStack {
  const assembly = app.synth();
  const stacks = assembly.stacks;
  const stack = stackArtifactId ? stacks.find((s) => s.id === stackArtifactId) : stacks[0];
  if (!stack) {
    throw new Error(
      `The app synthesized no stack${stackArtifactId ? ` named ${stackArtifactId}` : ''} (stacks: ${stacks.map((s) => s.id).join(', ') || 'none'})`,
    );
  }
  if (!stackArtifactId && stacks.length > 1) {
    throw new Error(`The app synthesized ${stacks.length} stacks; say which one to run`);
  }
  return { assemblyDir: assembly.directory, stackArtifactId: stack.id, stackName: stack.stackName };
}

/** Everything a synthesized assembly is made from: the app, the functions and the locked dependencies. */
const SOURCES = [
  'lib',
  'functions',
  'deployments',
  'package-lock.json',
  'tsconfig.json',
  // The web app's sources: its build is an asset of the template (lib/constructs/web-app.ts).
  'web/src',
  'web/index.html',
  'web/build.ts',
];

/** A key for one synthesis: the options, the environment the app reads, and every source file's bytes. */
export function synthesisKey(options: Omit<BuildAppOptions, 'outdir'>): string {
  const hash = createHash('sha256');
  // Defaults spelled out, so that {} and { region: 'neijiang' } are one synthesis.
  const normalized = {
    region: options.region ?? 'neijiang',
    markingTimeoutSeconds: options.markingTimeoutSeconds ?? 0,
    noticeRetrySeconds: options.noticeRetrySeconds ?? 0,
    noticeMaxAttempts: options.noticeMaxAttempts ?? 0,
    partnerStatusListCacheSeconds: options.partnerStatusListCacheSeconds ?? null,
    signingKeyGeneration: options.signingKeyGeneration ?? 1,
    identity: options.identity ?? 'cognito',
    proofSuite: options.proofSuite ?? 'eddsa-rdfc-2022',
    webOrigin: options.deployment
      ? null
      : (options.webOrigin ?? localWebOrigin(options.region ?? 'neijiang')),
    // A deployment by name (its file is among the sources below: deployments/) or by value.
    deployment: options.deployment ?? null,
  };
  hash.update(JSON.stringify({ normalized, context: process.env.CDK_CONTEXT_JSON ?? null }));
  hash.update(
    JSON.stringify([process.env.CDK_DEFAULT_ACCOUNT ?? null, process.env.CDK_DEFAULT_REGION ?? null]),
  );
  for (const file of SOURCES.flatMap((s) => filesUnder(join(projectRoot, s)))) {
    hash.update(relative(projectRoot, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Synthesizes one region's stack, reusing an assembly already synthesized from the very same sources
 * and options (bundling every function takes tens of seconds; the result does not change unless an
 * input does). Assemblies live under the cache folder; concurrent syntheses of one key agree.
 */
export function synthesizeRegion(options: Omit<BuildAppOptions, 'outdir'> = {}): SynthesizedStack {
  const root = join(cacheDir(), 'synth');
  const key = synthesisKey(options);
  const done = join(root, key);
  const read = () => {
    const manifest = JSON.parse(readFileSync(join(done, 'skillcert-stack.json'), 'utf8')) as SynthesizedStack;
    return { ...manifest, assemblyDir: done };
  };
  try {
    return read();
  } catch {
    // not synthesized yet
  }
  mkdirSync(root, { recursive: true });
  const scratch = join(root, `${key}.${process.pid}.${Date.now()}`);
  const stack = synthesizeStack(buildApp({ ...options, outdir: scratch }));
  writeFileSync(join(scratch, 'skillcert-stack.json'), JSON.stringify({ ...stack, assemblyDir: '' }));
  try {
    renameSync(scratch, done);
  } catch {
    // Another process finished the same synthesis first: theirs is identical.
    rmSync(scratch, { recursive: true, force: true });
  }
  prune(root, done);
  return read();
}

/** Assemblies kept: enough for every option set the tests and the demo use, across a few edits. */
const KEEP = 12;

/** Drops the least recently made assemblies beyond KEEP (never the one just made or scratch folders). */
function prune(root: string, keep: string): void {
  const finished = readdirSync(root)
    .filter((name) => /^[0-9a-f]{32}$/.test(name))
    .map((name) => ({ path: join(root, name), at: statSync(join(root, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { path } of finished.slice(KEEP)) {
    if (path !== keep) rmSync(path, { recursive: true, force: true });
  }
}
