// Offline verification: `npm run verify -- credential.jwt --jwks jwks.json [--status status.jwt ...]`.
// The credential is its compact JWS or its signed JSON (credential.json, with the embedded Data Integrity
// proof). No network at all: the key set and status-list snapshots come from files, and the JSON-LD
// contexts the proof needs ship inside the package. Prints the verdict and its reasons in English and
// Chinese (--json: reasons and reasonsZh); exits 0 only for a valid certificate whose status was
// checked: 1 for any other verdict, 2 for a usage or input error,
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
  verifyOfflineStatement,
} from '../functions/domain/index.js';
import { checkProof } from '../functions/shared/data-integrity.js';

const USAGE = `Usage: npm run verify -- CREDENTIAL_FILE --jwks JWKS_FILE [--status STATUS_LIST_FILE ...] [--accept-unchecked-status]
       npm run verify -- --qr IMAGE.png --jwks JWKS_FILE [--status STATUS_LIST_FILE ...] [--accept-unchecked-status]`;
/** Printed days are days in the issuing regions' calendar (all of them China). */
const TIME_ZONE = process.env.SKILLCERT_TIME_ZONE ?? 'Asia/Shanghai';
/** Exit code for a certificate whose signature and dates hold but whose status nobody checked. */
const STATUS_UNKNOWN = 3;
const STATUS_UNKNOWN_TEXT = [
  '  the signature and dates hold, but revocation was not checked: give --status with a fresh list',
  '  签名与日期均有效，但未核查撤销状态：请用 --status 提供最新的状态列表',
];

/** Each reason in English, then in Chinese beneath it: whoever reads the terminal reads one of them. */
function printReasons(verdict: { reasons: string[]; reasonsZh: string[] }): void {
  verdict.reasons.forEach((reason, i) => {
    console.log(`  - ${reason}`);
    const zh = verdict.reasonsZh[i];
    if (zh) console.log(`    ${zh}`);
  });
}

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

/** The offline code of a certificate in a PNG (a photo, or a page rendered from the PDF): jsQR finds it. */
async function offlineStatementIn(file: string): Promise<string> {
  // Loaded only for --qr: verifying a credential file should not pay for a QR decoder's start-up.
  const [{ default: jsQR }, { PNG }] = await Promise.all([import('jsqr'), import('pngjs')]);
  const image = PNG.sync.read(await readFile(file));
  const codes = new Set<string>();
  const scan = (x: number, y: number, w: number, h: number) => {
    const tile = new Uint8ClampedArray(w * h * 4);
    for (let row = 0; row < h; row++) {
      const from = ((y + row) * image.width + x) * 4;
      tile.set(image.data.subarray(from, from + w * 4), row * w * 4);
    }
    const code = jsQR(tile, w, h);
    if (code) codes.add(code.data);
  };
  const found = () => [...codes].find((c) => c.split('.').length === 3 && !c.includes('/'));
  scan(0, 0, image.width, image.height);
  // A page holds two codes and jsQR reads one per image: scan overlapping tiles, from the bottom (where
  // the certificate prints it) up, until the offline code turns up.
  const [w, h] = [Math.floor(image.width / 2), Math.floor(image.height / 3)];
  for (let y = image.height - h; y >= 0 && !found(); y -= Math.floor(h / 2))
    for (let x = 0; x + w <= image.width && !found(); x += Math.floor(w / 4)) scan(x, y, w, h);
  const statement = found();
  if (!statement)
    throw new Error(`${file} holds no offline verification code (found ${codes.size} other code(s))`);
  return statement;
}

async function verifyQr(file: string, jwksFile: string, statusFiles: string[], acceptUnchecked: boolean) {
  const statement = await offlineStatementIn(file);
  const jwks = JSON.parse(await readFile(jwksFile, 'utf8')) as JSONWebKeySet;
  const keys = jwks.keys as VerificationKey[];
  const lists: { revocation?: StatusList; suspension?: StatusList } = {};
  const unsigned = verifyOfflineStatement({ statement, keys, now: new Date(), timeZone: TIME_ZONE });
  for (const f of statusFiles) {
    const text = (await readFile(f, 'utf8')).trim();
    if (text.split('.').length !== 3) throw new Error(`${f} is not a signed status list (a compact JWS)`);
    const read = await readStatusListCredential(text, keys, new Date());
    // Only the list the statement names counts (…/status/<region>/<list>/<purpose>).
    if (unsigned.claims && read.url.endsWith(`/${unsigned.claims.sl}/${read.purpose}`))
      lists[read.purpose as 'revocation' | 'suspension'] = read.list;
  }
  const verdict = verifyOfflineStatement({
    statement,
    keys,
    now: new Date(),
    timeZone: TIME_ZONE,
    status: lists,
  });
  const statusUnknown =
    verdict.status === 'valid' && (verdict.statusUnchecked ?? []).includes('revocation') && !acceptUnchecked;
  console.log(
    `${statusUnknown ? 'STATUS-UNKNOWN' : verdict.status.toUpperCase()}${verdict.claims ? `  ${verdict.claims.n}` : ''}`,
  );
  if (verdict.claims) {
    console.log(`  holder:     ${verdict.claims.h}`);
    console.log(`  occupation: ${verdict.claims.o}, level ${verdict.claims.l}`);
  }
  if (statusUnknown) console.log(STATUS_UNKNOWN_TEXT.join('\n'));
  printReasons(verdict);
  if (statusUnknown) return STATUS_UNKNOWN;
  return verdict.status === 'valid' ? 0 : 1;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      jwks: { type: 'string' },
      status: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      qr: { type: 'string' },
      'accept-unchecked-status': { type: 'boolean', default: false },
    },
  });
  if (values.qr && values.jwks)
    return verifyQr(values.qr, values.jwks, values.status ?? [], values['accept-unchecked-status']);
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
    if (statusUnknown) console.log(STATUS_UNKNOWN_TEXT.join('\n'));
    if (verdict.certificate?.holderName) console.log(`  holder:      ${verdict.certificate.holderName}`);
    if (verdict.certificate?.achievement) console.log(`  achievement: ${verdict.certificate.achievement}`);
    printReasons(verdict);
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
