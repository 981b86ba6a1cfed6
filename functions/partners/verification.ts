// Public verification: of this region's own certificates (by number or presented), and of a partner
// region's certificates presented here, checked against that region's published keys and status lists
// as the trust registry locates them. Unknown issuers are refused, not fetched.
import { decodeJwt } from 'jose';
import type { DynamoDbCertificationStore } from '../adapters/dynamodb-certification-store.js';
import type { DynamoDbRegistryStore } from '../adapters/dynamodb-registry-store.js';
import {
  type PartnerRegion,
  partnerByDid,
  readStatusListCredential,
  type StatusList,
  StatusList as StatusLists,
  statusListIdOf,
  type Verdict,
  type VerificationKey,
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
}

export interface VerificationDeps {
  region: RegionSettings;
  certificates: DynamoDbCertificationStore;
  registry: DynamoDbRegistryStore;
  directory: PartnerDirectory;
  /** This region's published keys, retired ones included. */
  ownKeys(): Promise<VerificationKey[]>;
  now(): Date;
}

/** A verdict, plus where the credential came from when it is a partner's. */
export interface Verification extends Verdict {
  issuerRegion?: string;
  /** For a revoked or suspended certificate of this region: since when and why. */
  statusDetail?: { since: string; reason: string };
}

interface PresentedShape {
  issuer?: { id?: string } | string;
  credentialStatus?: { statusListCredential?: string }[] | { statusListCredential?: string };
}

function peek(jws: string): PresentedShape | undefined {
  try {
    return decodeJwt(jws) as PresentedShape;
  } catch {
    return undefined;
  }
}

function statusUrls(credential: PresentedShape): string[] {
  const entries = Array.isArray(credential.credentialStatus)
    ? credential.credentialStatus
    : credential.credentialStatus
      ? [credential.credentialStatus]
      : [];
  return entries.map((e) => e.statusListCredential).filter((u): u is string => typeof u === 'string');
}

async function ownStatusLists(deps: VerificationDeps, urls: string[]) {
  const lists: Record<string, StatusList> = {};
  for (const url of urls) {
    const [region, list, purpose] = url.slice(`${deps.region.publicUrl}/status/`.length).split('/');
    const id =
      url.startsWith(`${deps.region.publicUrl}/status/`) && region && list && purpose
        ? statusListIdOf(deps.region.code, { region, list, purpose })
        : undefined;
    if (!id) continue; // verifyCredential reports the purpose it could not check
    const record = await deps.certificates.statusList(id.listId, id.purpose);
    lists[url] = StatusLists.decode(record.encodedList);
  }
  return lists;
}

async function partnerStatusLists(
  deps: VerificationDeps,
  partner: PartnerRegion,
  urls: string[],
  keys: VerificationKey[],
) {
  const lists: Record<string, StatusList> = {};
  for (const url of urls) {
    const jws = await deps.directory.statusList(partner, url);
    const read = await readStatusListCredential(jws, keys, deps.now());
    if (read.url === url) lists[url] = read.list;
  }
  return lists;
}

/** Verifies a presented credential JWS, whoever in the registry issued it. */
export async function verifyPresented(deps: VerificationDeps, jws: string): Promise<Verification> {
  const credential = peek(jws);
  if (!credential)
    return { status: 'malformed', reasons: ['The credential is not a compact JWS with a JSON payload'] };
  const issuerDid = typeof credential.issuer === 'string' ? credential.issuer : credential.issuer?.id;
  const urls = statusUrls(credential);
  const now = deps.now();

  if (issuerDid === deps.region.did) {
    const verdict = await verifyCredential({
      jws,
      keys: await deps.ownKeys(),
      status: { lists: await ownStatusLists(deps, urls) },
      now,
    });
    return { ...verdict, issuerRegion: deps.region.code, ...(await statusDetail(deps, verdict)) };
  }

  const partner = issuerDid ? partnerByDid(await deps.registry.listPartners(), issuerDid) : undefined;
  if (partner?.status !== 'active') {
    return {
      status: 'unknown-issuer',
      reasons: [
        `${issuerDid ?? 'The credential'} is not a partner region in ${deps.region.nameEn}'s trust registry`,
      ],
    };
  }
  const keys = await deps.directory.keys(partner);
  const verdict = await verifyCredential({ jws, keys, now });
  // Status lists are fetched only for a credential whose signature holds: nobody makes us fetch for free.
  if (verdict.status !== 'valid') return { ...verdict, issuerRegion: partner.code };
  const lists = await partnerStatusLists(deps, partner, urls, keys);
  return { ...(await verifyCredential({ jws, keys, status: { lists }, now })), issuerRegion: partner.code };
}

/** Since when and why this region's certificate is revoked or suspended, from its record. */
async function statusDetail(deps: VerificationDeps, verdict: Verdict) {
  if (!(verdict.status === 'revoked' || verdict.status === 'suspended') || !verdict.certificate?.number)
    return {};
  const record = await deps.certificates.getCertificate(verdict.certificate.number);
  const last = record?.statusHistory?.at(-1);
  if (!last) return {};
  return {
    statusDetail: { since: last.at, reason: last.reason },
    reasons: [
      ...verdict.reasons,
      `${verdict.status === 'revoked' ? 'Revoked' : 'Suspended'} on ${last.at}: ${last.reason}`,
    ],
  };
}

/** Verifies one of this region's certificates by its number. */
export async function verifyByNumber(deps: VerificationDeps, number: string): Promise<Verification> {
  const record = await deps.certificates.getCertificate(number);
  if (!record) {
    return {
      status: 'not-found',
      reasons: [`${deps.region.nameEn} has issued no certificate numbered ${number}`],
    };
  }
  return verifyPresented(deps, record.jws);
}
