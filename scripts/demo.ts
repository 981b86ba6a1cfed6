// `npm run demo`: the certification story on the local cloud, step by step, through the public HTTP APIs
// with real tokens — then the partner story between two regions: Zigong verifies the Neijiang
// certificate, recognises it under their agreement, Neijiang revokes it, Zigong is told and verification
// says revoked. Uses running `npm start` clouds (the regions' default ports) or starts them for the purpose.
// Writes credential.jwt, credential.json (the signed JSON form, with its embedded Data Integrity proof),
// jwks.json, did.json, endorsement.jwt, endorsement.json, zigong-jwks.json, zigong-did.json,
// status-before.jwt and status-after.jwt, and the paper certificate certificate.pdf with its offline code
// alone as certificate-qr-offline.png, into the output folder (default .skillcert/demo/).
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader } from 'jose';
import QRCode from 'qrcode';
import { embeddedFiles } from '../functions/paper/pdf-attachments.js';
import { credentialJsonOf } from '../functions/shared/signing.js';
import { REGIONS } from '../lib/regions.js';
import { type LocalCloud, startLocalCloud } from '../local/cloud.js';
import { DEV_USERS } from '../local/dev-identities.js';
import { REGION_PORT_BASE, regionDataDir, skillcertHome } from '../local/paths.js';
import { synthesizeRegion } from '../local/synth.js';
import { readStackArtifacts, translateTemplate } from '../local/template.js';
import { OCCUPATION } from './demo-exam.js';
import {
  eventually,
  type Narrator,
  persistedSecret,
  type Region,
  RegionClient,
  regionOf,
  registerPartners,
  setUpExam,
  sitAndMark,
} from './story.js';

let stepNumber = 1;
const narrator: Narrator = {
  step: (text) => console.log(`\n[${++stepNumber}] ${text}`),
  say: (text) => console.log(`    ${text}`),
};
const { step, say } = narrator;

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1500) })).ok;
  } catch {
    return false;
  }
}

/** A region's local cloud: the one `npm start` runs on its default ports, or one started here. */
async function regionCloud(code: string): Promise<{ client: RegionClient; cloud?: LocalCloud }> {
  const base = REGION_PORT_BASE[code] as number;
  const api = `http://127.0.0.1:${base}`;
  const stack = synthesizeRegion({ region: code });
  if (await reachable(`${api}/.well-known/jwks.json`)) {
    say(`${code}: using the local cloud already running at ${api}`);
    const { template, assetManifest } = readStackArtifacts(stack.assemblyDir, stack.stackArtifactId);
    const model = translateTemplate(template, {
      stackName: stack.stackArtifactId,
      region: 'ap-southeast-1',
      assemblyDir: stack.assemblyDir,
      assetManifest,
      issuerBaseUrl: `http://127.0.0.1:${base + 1}`,
    });
    const pool = model.userPools[0];
    const web = pool?.clients.find((c) => !c.generateSecret);
    const partner = pool?.clients.find((c) => c.generateSecret);
    if (!pool || !web || !partner) throw new Error('The stack has no user pool with both clients');
    const region: Region = {
      code,
      api,
      issuer: pool.issuer,
      webClientId: web.clientId,
      partnerClient: {
        id: partner.clientId,
        secret: await persistedSecret(regionDataDir(code), partner.clientId),
      },
    };
    return { client: new RegionClient(region) };
  }
  say(`${code}: no local cloud running, starting one at ${api}`);
  const cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'disk', dataDir: regionDataDir(code) },
    ports: {
      api: base,
      oidc: base + 1,
      stepFunctions: base + 2,
      dynamodb: base + 3,
      eventBridge: base + 4,
      kms: base + 5,
    },
  });
  return { client: new RegionClient(regionOf(code, cloud)), cloud };
}

async function main() {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: join(skillcertHome(), 'demo') } },
  });
  const out = resolve(values.out);
  await mkdir(out, { recursive: true });
  const write = (name: string, text: string) =>
    writeFile(join(out, name), text.endsWith('\n') ? text : `${text}\n`);
  console.log(
    'skillcert demo — Neijiang 内江: a lathe operator sits the level 4 exam; Zigong 自贡 recognises it',
  );

  console.log('\n[1] Synthesizing the CDK app for Neijiang and Zigong and bringing up both local clouds');
  const clouds: LocalCloud[] = [];
  try {
    const neijiang = await regionCloud('neijiang');
    const zigong = await regionCloud('zigong');
    for (const c of [neijiang.cloud, zigong.cloud]) if (c) clouds.push(c);
    const nj = neijiang.client;
    const zg = zigong.client;

    const sessionId = await setUpExam(nj, narrator);
    const certificate = await sitAndMark(nj, sessionId, narrator);

    step('The certificate: a signed Open Badges 3.0 credential, verified against the published keys');
    const jwks = await (await fetch(`${nj.region.api}/.well-known/jwks.json`)).json();
    const verified = await compactVerify(certificate.jws, createLocalJWKSet(jwks as never));
    say(`certificate ${certificate.number}, kid ${decodeProtectedHeader(certificate.jws).kid}`);
    say('signature verified against /.well-known/jwks.json');
    await write('credential.jwt', certificate.jws);
    const payload = JSON.parse(new TextDecoder().decode(verified.payload));
    // The JSON form is the JWS payload without its JWT claims: the credential with its embedded proof.
    const json = credentialJsonOf(certificate.jws);
    const proof = (json.proof as { cryptosuite: string; verificationMethod: string }[])[0];
    say(`holder ${String(payload.sub)}: a random id, nothing derived from the ID number`);
    say(`embedded proof: ${proof?.cryptosuite} by ${proof?.verificationMethod}`);
    await write('credential.json', JSON.stringify(json, null, 2));
    await write('jwks.json', JSON.stringify(jwks, null, 2));
    const didJson = await (await fetch(`${nj.region.api}/.well-known/did.json`)).json();
    await write('did.json', JSON.stringify(didJson, null, 2));
    say(`wrote credential.jwt, credential.json, jwks.json and did.json to ${out}`);

    say('the paper certificate: 张伟 downloads the PDF from "my certificates"');
    const pdf = await fetch(`${nj.region.api}/me/certificates/${certificate.number}/certificate.pdf`, {
      headers: { authorization: `Bearer ${await nj.signIn('zhangwei')}` },
    });
    if (pdf.status !== 200) throw new Error(`The certificate PDF: ${pdf.status} ${await pdf.text()}`);
    const pdfBytes = new Uint8Array(await pdf.arrayBuffer());
    await writeFile(join(out, 'certificate.pdf'), pdfBytes);
    const offlineCode = new TextDecoder().decode((await embeddedFiles(pdfBytes)).get('offline-code.jws'));
    // The offline code alone, as the PDF prints it: level Q, with its quiet zone.
    await QRCode.toFile(join(out, 'certificate-qr-offline.png'), offlineCode, {
      errorCorrectionLevel: 'Q',
      margin: 4,
      scale: 6,
    });
    const share = await nj.call('zhangwei', 'POST', `/me/certificates/${certificate.number}/share`);
    say(
      `certificate.pdf (${(pdfBytes.length / 1024).toFixed(0)} KB, A4, the national layout) and certificate-qr-offline.png (${offlineCode.length} characters)`,
    );
    say(
      `public page (the main QR code): ${String(share.url)} — locally ${String(share.url).replace(/^https:\/\/[^/]+/, nj.region.api)}`,
    );
    const holder = await nj.call(undefined, 'POST', '/holder-checks', {
      certificateNumber: certificate.number,
      nationalId: DEV_USERS.find((u) => u.username === 'zhangwei')?.nationalId,
    });
    say(
      `an employer shown 张伟's ID card asks Neijiang whether it is his certificate: ${holder.matches ? 'yes' : 'no'}`,
    );

    step('Both admins enter the other region in their trust registry, with their recognition agreement');
    const agreement = {
      id: 'nj-zg-2026',
      occupationCodes: [OCCUPATION.code],
      levels: [5, 4, 3],
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2029-12-31T23:59:59Z',
    };
    const entry = (code: 'neijiang' | 'zigong', client: RegionClient) => ({
      client,
      nameZh: REGIONS[code]?.nameZh as string,
      nameEn: REGIONS[code]?.nameEn as string,
      domain: REGIONS[code]?.domain as string,
    });
    await registerPartners(entry('neijiang', nj), entry('zigong', zg), agreement);
    say(`Neijiang lists Zigong (webhook ${zg.region.api}/partner-notices), Zigong lists Neijiang`);
    say(
      `agreement ${agreement.id}: occupation ${OCCUPATION.code}, levels 5–3, until ${agreement.validUntil.slice(0, 10)}`,
    );

    step('Zigong verifies the Neijiang certificate: Neijiang’s keys and status list, fetched over HTTP');
    const statusUrl = (decodeJwt(certificate.jws).credentialStatus as { statusListCredential: string })
      .statusListCredential;
    const statusPath = new URL(statusUrl).pathname;
    const before = await (await fetch(`${nj.region.api}${statusPath}`)).text();
    await write('status-before.jwt', before);
    const first = await zg.call(undefined, 'POST', '/credentials/verify', {
      verifiableCredential: certificate.jws,
    });
    say(`verdict: ${first.status} — ${(first.reasons as string[]).join('; ')}`);
    say(`wrote Neijiang's revocation list ${statusPath} as status-before.jwt`);

    step('Zigong’s machine client asks Zigong to recognise it; Zigong signs an endorsement');
    await zg.signInPartner();
    const recognition = await zg.call('partner', 'POST', '/recognitions', { credential: certificate.jws });
    say(
      `recognition ${recognition.recognitionId} under agreement ${recognition.agreementId}: ${recognition.status}`,
    );
    const again = await zg.call('partner', 'POST', '/recognitions', { credential: certificate.jws });
    say(`asked again: the same recognition ${again.recognitionId}, nothing new`);
    await write('endorsement.jwt', String(recognition.endorsement));
    await write(
      'endorsement.json',
      JSON.stringify(credentialJsonOf(String(recognition.endorsement)), null, 2),
    );
    const zigongJwks = await (await fetch(`${zg.region.api}/.well-known/jwks.json`)).json();
    await write('zigong-jwks.json', JSON.stringify(zigongJwks, null, 2));
    const zigongDid = await (await fetch(`${zg.region.api}/.well-known/did.json`)).json();
    await write('zigong-did.json', JSON.stringify(zigongDid, null, 2));
    say(
      'wrote endorsement.jwt and endorsement.json (an Open Badges EndorsementCredential), zigong-jwks.json and zigong-did.json',
    );

    step('Neijiang’s admin revokes the certificate, with a reason');
    const revoked = await nj.call('liumin', 'POST', `/admin/certificates/${certificate.number}/status`, {
      action: 'revoke',
      reason: 'Exam misconduct established by the evaluation committee',
    });
    say(
      `${certificate.number}: ${revoked.previousStatus} → ${revoked.status}, status bit set in the same transaction`,
    );
    for (const notice of revoked.notices as { partner: string; noticeId: string }[])
      say(`signed revocation notice ${notice.noticeId} on its way to ${notice.partner}`);
    const after = await (await fetch(`${nj.region.api}${statusPath}`)).text();
    await write('status-after.jwt', after);
    say('wrote the revocation list after the revocation as status-after.jwt');

    step('Zigong receives the notice and voids its recognition');
    const voided = await eventually(async () => {
      const r = await zg.call('partner', 'GET', `/recognitions/${recognition.recognitionId}`);
      return r.status === 'void' ? r : undefined;
    }, 'Zigong to void the recognition');
    say(`recognition ${voided.recognitionId}: void since ${voided.voidedAt} — ${voided.voidReason}`);

    step('Zigong verifies the certificate again');
    const last = await zg.call(undefined, 'POST', '/credentials/verify', {
      verifiableCredential: certificate.jws,
    });
    say(`verdict: ${last.status} — ${(last.reasons as string[]).join('; ')}`);
    const byNumber = await nj.call(
      undefined,
      'GET',
      `/verify/${certificate.number}?name=${encodeURIComponent('张伟')}`,
    );
    say(`Neijiang by number: ${byNumber.status} — ${(byNumber.reasons as string[]).at(-1)}`);
    say(
      `offline: npm run verify -- ${join(out, 'credential.jwt')} --jwks ${join(out, 'jwks.json')} --status ${join(out, 'status-after.jwt')}`,
    );
    say(
      `offline, from paper: npm run verify -- --qr ${join(out, 'certificate-qr-offline.png')} --jwks ${join(out, 'jwks.json')} --status ${join(out, 'status-after.jwt')}`,
    );
    if (last.status !== 'revoked') throw new Error(`Expected revoked, got ${last.status}`);
  } finally {
    await Promise.all(clouds.map((c) => c.stop()));
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
