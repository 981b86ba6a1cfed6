// Where the local cloud keeps things on disk. Everything lives under .skillcert/ (git-ignored) at the
// project root unless SKILLCERT_HOME says otherwise, so a clean clone starts clean.

import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_PORT_BASE } from '../lib/regions.js';

export const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export function skillcertHome(): string {
  return process.env.SKILLCERT_HOME ? resolve(process.env.SKILLCERT_HOME) : join(projectRoot, '.skillcert');
}

/** Downloaded tools (the DynamoDB Local jar); kept across `npm ci` and data resets. */
export function cacheDir(): string {
  return process.env.SKILLCERT_CACHE_DIR
    ? resolve(process.env.SKILLCERT_CACHE_DIR)
    : join(skillcertHome(), 'cache');
}

/** Durable state of one region's local cloud: tables, executions, keys, issued identities. */
export function regionDataDir(region: string): string {
  return join(skillcertHome(), 'data', region);
}

/** Stable ports per region (lib/regions.ts): base+0 API … base+4 EventBridge, base+5 the web app. */
export const REGION_PORT_BASE: Record<string, number> = LOCAL_PORT_BASE;
