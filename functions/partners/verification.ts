// Public verification: of this region's own certificates (by number or presented), and of a partner
// region's certificates presented here, checked against that region's published keys and status lists
// as the trust registry locates them. Unknown issuers are refused, not fetched.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { CertificateReader } from '../adapters/dynamodb-certificate-reader.js';
import type { DynamoDbRegistryStore } from '../adapters/dynamodb-registry-store.js';
import {
  type Bilingual,
  type PartnerRegion,
  type ProofChecker,
  partnerByDid,
  readStatusListCredential,
  reasonsOf,
  type StatusList,
  type StatusListCache,
  StatusList as StatusLists,
  statusListIdOfUrl,
  type Verdict,
  type VerificationKey,
  verdictOf,
  verifyCredential,
} from '../domain/index.js';
import type { PartnerDirectory } from '../ports.js';

export interface RegionSettings {
  code: string;
  did: string;
  nameZh: string;
  nameEn: string;
  /** Base URL the region's credentials name, without a trailing slash. */
  publicUrl: string;
  /** The region's calendar (an IANA zone): days people type and read are days in it. */
  timeZone: string;
}

export interface VerificationDeps {
  region: RegionSettings;
  certificates: CertificateReader;
  registry: DynamoDbRegistryStore;
  directory: PartnerDirectory;
  /** This region's published keys, retired ones included. */
  ownKeys(): Promise<VerificationKey[]>;
  /**
   * Partner status lists this container keeps between requests (domain/status-list-cache.ts); without it
   * every verification fetches them.
   */
  statusListCache?: StatusListCache;
  /** Checks a JSON credential's embedded proof; without it only the JWS form is accepted. */
  checkProof?: ProofChecker;
  now(): Date;
}

/** A verdict, plus where the credential came from when it is a partner's. */
export interface Verification extends Verdict {
  issuerRegion?: string;
  /** For a revoked or suspended certificate of this region: since when and why. */
  statusDetail?: { since: string; reason: string };
}

/**
 * What POST /credentials/verify and GET /verify/{number} answer: only what a verifier needs, the verdict,
 * its reasons in both languages and the certificate's public facts (the OpenAPI's Verdict schema).
 */
export function verdictAnswer(verdict: Verification, checkedAt: Date) {
  return {
    verified: verdict.status === 'valid',
    status: verdict.status,
    reasons: verdict.reasons,
    reasonsZh: verdict.reasonsZh,
    ...(verdict.certificate ? { certificate: verdict.certificate } : {}),
    ...(verdict.issuerRegion ? { issuerRegion: verdict.issuerRegion } : {}),
    ...(verdict.statusDetail ? { statusDetail: verdict.statusDetail } : {}),
    checkedAt: checkedAt.toISOString(),
  };
}

function issuerNamed(credential: { issuer?: unknown }): string | undefined {
  const { issuer } = credential as { issuer?: { id?: unknown } | string };
  const id = typeof issuer === 'string' ? issuer : issuer?.id;
  return typeof id === 'string' ? id : undefined;
}

function peekIssuer(jws: string): string | undefined {
  try {
    return issuerNamed(decodeJwt(jws));
  } catch {
    return undefined;
  }
}

async function ownStatusLists(deps: VerificationDeps, urls: string[]) {
  const lists: Record<string, StatusList> = {};
  for (const url of urls) {
    const id = statusListIdOfUrl(deps.region, url);
    if (!id) continue; // verifyCredential reports the purpose it could not check
    const record = await deps.certificates.statusList(id.listId, id.purpose);
    lists[url] = StatusLists.decode(record.encodedList);
  }
  return { lists };
}

async function partnerStatusLists(
  deps: VerificationDeps,
  partner: PartnerRegion,
  urls: string[],
  keys: VerificationKey[],
  certificateId: string | undefined,
) {
  // A revocation notice from this partner about this certificate makes any list fetched before it arrived
  // stale: the notice's receipt (another function) cannot reach this container's memory, but its record
  // can be read — one key read, and the lists are fetched afresh.
  const heard = certificateId ? await deps.registry.getReceivedRevocation(certificateId) : undefined;
  const notBefore =
    heard && heard.issuerDid === partner.did ? Date.parse(heard.receivedAt) || undefined : undefined;
  const lists: Record<string, StatusList> = {};
  for (const url of urls) {
    const cached = deps.statusListCache?.get(partner.did, url, deps.now().getTime(), notBefore);
    if (cached) {
      lists[url] = cached;
      continue;
    }
    const fetchedAt = deps.now();
    const { jws, maxAgeSeconds } = await deps.directory.statusList(partner, url);
    const read = await readStatusListCredential(jws, keys, fetchedAt);
    if (read.url !== url) continue; // verifyCredential reports the list it could not read
    lists[url] = read.list;
    deps.statusListCache?.put(
      partner.did,
      url,
      { list: read.list, validUntil: read.validUntil, maxAgeSeconds },
      fetchedAt.getTime(),
    );
  }
  return { lists };
}

/** The id a presented credential claims (checked with its signature before any status list is read). */
function claimedCertificateId(credential: string | Record<string, unknown>): string | undefined {
  let id: unknown;
  try {
    id = typeof credential === 'string' ? decodeJwt(credential).id : credential.id;
  } catch {
    return undefined;
  }
  return typeof id === 'string' ? id : undefined;
}

/** The DID whose key signed it (kid or verificationMethod is `<did>#<thumbprint>`), else the issuer it names. */
function claimedIssuer(credential: string | Record<string, unknown>): string | undefined {
  if (typeof credential !== 'string') {
    const proofs = Array.isArray(credential.proof) ? credential.proof : [credential.proof];
    const method = (proofs[0] as { verificationMethod?: unknown } | undefined)?.verificationMethod;
    if (typeof method === 'string' && method.startsWith('did:')) return method.split('#')[0];
    return issuerNamed(credential);
  }
  const jws = credential;
  try {
    const { kid } = decodeProtectedHeader(jws);
    if (typeof kid === 'string' && kid.startsWith('did:')) return kid.split('#')[0];
  } catch {
    // not a JWS header: the payload may still name an issuer
  }
  return peekIssuer(jws);
}

/** Verifies a presented credential (its JWS or its signed JSON), whoever in the registry issued it. */
export async function verifyPresented(
  deps: VerificationDeps,
  credential: string | Record<string, unknown>,
): Promise<Verification> {
  const issuerDid = claimedIssuer(credential);
  const now = deps.now();
  const own = issuerDid === deps.region.did;
  const partner = !own && issuerDid ? partnerByDid(await deps.registry.listPartners(), issuerDid) : undefined;
  if (!own && partner?.status !== 'active') {
    return verdictOf({ status: issuerDid ? 'unknown-issuer' : 'malformed' }, [
      issuerDid
        ? {
            en: `${issuerDid} is not a partner region in ${deps.region.nameEn}'s trust registry`,
            zh: `${issuerDid} 不在${deps.region.nameZh}信任名录的合作地区之列`,
          }
        : {
            en: 'The credential is neither a compact JWS nor a signed JSON credential that names its issuer',
            zh: '该凭证既不是紧凑 JWS，也不是注明颁发机构的带签名 JSON 凭证',
          },
    ]);
  }
  const keys = own ? await deps.ownKeys() : await deps.directory.keys(partner as PartnerRegion);
  const issuerRegion = own ? deps.region.code : (partner as PartnerRegion).code;
  // Status lists are read only for a credential whose signature holds: nobody makes us fetch for free.
  const status = own
    ? (urls: string[]) => ownStatusLists(deps, urls)
    : (urls: string[]) =>
        partnerStatusLists(deps, partner as PartnerRegion, urls, keys, claimedCertificateId(credential));
  const verdict = await verifyCredential({
    credential,
    keys,
    status,
    now,
    ...(deps.checkProof ? { checkProof: deps.checkProof } : {}),
  });
  const detail = own ? await statusDetail(deps, verdict) : await noticeDetail(deps, verdict);
  return { ...verdict, issuerRegion, ...detail };
}

/** Since when and why this region's certificate is revoked or suspended, from its record. */
async function statusDetail(deps: VerificationDeps, verdict: Verdict) {
  if (!(verdict.status === 'revoked' || verdict.status === 'suspended') || !verdict.certificate?.number)
    return {};
  const record = await deps.certificates.getCertificate(verdict.certificate.number);
  const last = record?.statusHistory?.at(-1);
  if (!last) return {};
  // The reason an administrator gave is shown as written, in whichever language it was written.
  return verdictOf({ statusDetail: { since: last.at, reason: last.reason } }, [
    ...reasonsOf(verdict),
    {
      en: `${verdict.status === 'revoked' ? 'Revoked' : 'Suspended'} on ${last.at}: ${last.reason}`,
      zh: `${last.at} ${verdict.status === 'revoked' ? '撤销' : '暂停'}，原因：${last.reason}`,
    },
  ]);
}

/** A partner's revocation as its notice told this region. */
async function noticeDetail(deps: VerificationDeps, verdict: Verdict) {
  if (verdict.status !== 'revoked' || !verdict.certificate?.id) return {};
  const heard = await deps.registry.getReceivedRevocation(verdict.certificate.id);
  if (heard && heard.issuerDid === verdict.certificate.issuer)
    return verdictOf({ statusDetail: { since: heard.revokedAt, reason: heard.reason } }, [
      ...reasonsOf(verdict),
      notified(heard.receivedAt, heard.reason),
    ]);
  // Notices kept before revocations were recorded on their own: the recognition they voided says it.
  const voided = (await deps.registry.listRecognitionsOf(verdict.certificate.id)).find((r) => r.voidedAt);
  if (!voided?.voidedAt || !voided.voidReason) return {};
  return verdictOf({ statusDetail: { since: voided.voidedAt, reason: voided.voidReason } }, [
    ...reasonsOf(verdict),
    notified(voided.voidedAt, voided.voidReason),
  ]);
}

/** A partner's revocation notice as a reason; its own words are shown as the partner wrote them. */
function notified(at: string, reason: string): Bilingual {
  return { en: `Notified on ${at}: ${reason}`, zh: `${at} 收到颁发地区的撤销通知，原因：${reason}` };
}

/** Verifies one of this region's certificates by its number. */
export async function verifyByNumber(deps: VerificationDeps, number: string): Promise<Verification> {
  const record = await deps.certificates.getCertificate(number);
  if (!record) {
    return verdictOf({ status: 'not-found' }, [
      {
        en: `${deps.region.nameEn} has issued no certificate numbered ${number}`,
        zh: `${deps.region.nameZh}未颁发编号为 ${number} 的证书`,
      },
    ]);
  }
  return verifyPresented(deps, record.jws);
}
