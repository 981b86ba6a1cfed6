// Offline verification: `npm run verify -- credential.jwt --jwks jwks.json [--status status.jwt ...]`.
// No network at all: the key set and status-list snapshots come from files. Prints the verdict and its
// reasons; exits 0 only for a valid certificate.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { StatusList, type VerificationKey, verifyCredential } from '../functions/domain/index.js';

const USAGE = 'Usage: npm run verify -- CREDENTIAL_FILE --jwks JWKS_FILE [--status STATUS_LIST_FILE ...]';

async function statusSnapshot(files: string[], jwks: JSONWebKeySet) {
  const lists: Record<string, StatusList> = {};
  for (const file of files) {
    const text = (await readFile(file, 'utf8')).trim();
    let credential: { id?: string; credentialSubject?: { statusPurpose?: string; encodedList?: string } };
    if (text.startsWith('{')) {
      credential = JSON.parse(text);
    } else {
      // A signed status list must verify against the same issuer keys.
      const { payload } = await compactVerify(text, createLocalJWKSet(jwks));
      credential = JSON.parse(new TextDecoder().decode(payload));
    }
    const url = credential.id?.replace(/#.*$/, '');
    const subject = credential.credentialSubject;
    if (!url || !subject?.encodedList) throw new Error(`${file} is not a BitstringStatusListCredential`);
    lists[`${url}#${subject.statusPurpose ?? 'revocation'}`] = StatusList.decode(subject.encodedList);
    if ((subject.statusPurpose ?? 'revocation') === 'revocation')
      lists[url] = StatusList.decode(subject.encodedList);
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
    },
  });
  const [file] = positionals;
  if (!file || !values.jwks) {
    console.error(USAGE);
    return 2;
  }
  const jws = (await readFile(file, 'utf8')).trim();
  const jwks = JSON.parse(await readFile(values.jwks, 'utf8')) as JSONWebKeySet;
  const status = values.status?.length ? await statusSnapshot(values.status, jwks) : undefined;
  const verdict = await verifyCredential({
    jws,
    keys: jwks.keys as VerificationKey[],
    ...(status ? { status } : {}),
    now: new Date(),
  });
  if (values.json) console.log(JSON.stringify(verdict, null, 2));
  else {
    console.log(
      `${verdict.status.toUpperCase()}${verdict.certificate?.number ? `  ${verdict.certificate.number}` : ''}`,
    );
    if (verdict.certificate?.holderName) console.log(`  holder:      ${verdict.certificate.holderName}`);
    if (verdict.certificate?.achievement) console.log(`  achievement: ${verdict.certificate.achievement}`);
    for (const reason of verdict.reasons) console.log(`  - ${reason}`);
  }
  return verdict.status === 'valid' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`verify: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
