// Offline verification: `npm run verify -- credential.jwt --jwks jwks.json [--status status.jwt ...]`.
// The credential is its compact JWS or its signed JSON (credential.json, with the embedded Data Integrity
// proof). No network at all: the key set and status-list snapshots come from files, and the JSON-LD
// contexts the proof needs ship inside the package. Prints the verdict and its reasons; exits 0 only for
// a valid certificate whose status was checked: 1 for any other verdict, 2 for a usage or input error,
// and 3 when the signature and dates hold but no revocation list was given (STATUS-UNKNOWN), unless
// --accept-unchecked-status says that is enough.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import {
  readStatusListCredential,
  type StatusList,
  type VerificationKey,
  verifyCredential,
} from '../functions/domain/index.js';
import { checkProof } from '../functions/shared/data-integrity.js';

const USAGE =
  'Usage: npm run verify -- CREDENTIAL_FILE --jwks JWKS_FILE [--status STATUS_LIST_FILE ...] [--accept-unchecked-status]';
/** Exit code for a certificate whose signature and dates hold but whose status nobody checked. */
const STATUS_UNKNOWN = 3;

async function statusSnapshot(files: string[], keys: VerificationKey[]) {
  const lists: Record<string, StatusList> = {};
  for (const file of files) {
    const text = (await readFile(file, 'utf8')).trim();
    // Only a list the issuer signed counts: an unsigned one could hide a revocation.
    if (text.split('.').length !== 3) throw new Error(`${file} is not a signed status list (a compact JWS)`);
    const { url, list } = await readStatusListCredential(text, keys, new Date());
    lists[url] = list;
  }
  return { lists };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      jwks: { type: 'string' },
      status: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      'accept-unchecked-status': { type: 'boolean', default: false },
    },
  });
  const [file] = positionals;
  if (!file || !values.jwks) {
    console.error(USAGE);
    return 2;
  }
  const text = (await readFile(file, 'utf8')).trim();
  const credential = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text;
  const jwks = JSON.parse(await readFile(values.jwks, 'utf8')) as JSONWebKeySet;
  const status = values.status?.length
    ? await statusSnapshot(values.status, jwks.keys as VerificationKey[])
    : undefined;
  const verdict = await verifyCredential({
    credential,
    checkProof,
    keys: jwks.keys as VerificationKey[],
    ...(status ? { status } : {}),
    now: new Date(),
  });
  // Revocation is what every verifier must check; a suspension list not given is reported in the reasons.
  const statusUnknown =
    verdict.status === 'valid' &&
    (verdict.statusUnchecked ?? []).includes('revocation') &&
    !values['accept-unchecked-status'];
  const shown = statusUnknown ? 'STATUS-UNKNOWN' : verdict.status.toUpperCase();
  if (values.json)
    console.log(
      JSON.stringify({ ...verdict, ...(statusUnknown ? { status: 'status-unknown' } : {}) }, null, 2),
    );
  else {
    console.log(`${shown}${verdict.certificate?.number ? `  ${verdict.certificate.number}` : ''}`);
    if (statusUnknown)
      console.log(
        '  the signature and dates hold, but revocation was not checked: give --status with a fresh list',
      );
    if (verdict.certificate?.holderName) console.log(`  holder:      ${verdict.certificate.holderName}`);
    if (verdict.certificate?.achievement) console.log(`  achievement: ${verdict.certificate.achievement}`);
    for (const reason of verdict.reasons) console.log(`  - ${reason}`);
  }
  if (statusUnknown) return STATUS_UNKNOWN;
  return verdict.status === 'valid' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`verify: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
