// Wiring shared by the functions that deal with partner regions: this region's settings, the registry,
// the HTTP directory of partners and this region's own verification keys. Nothing here signs: the
// functions that do add the signer (./signer.ts), so the others bundle no KMS client.
import { DynamoDbCertificateReader } from '../adapters/dynamodb-certificate-reader.js';
import { DynamoDbRegistryStore } from '../adapters/dynamodb-registry-store.js';
import { DynamoDbSigningKeyLedger } from '../adapters/dynamodb-signing-key-ledger.js';
import { HttpPartnerDirectory } from '../adapters/http-partner-directory.js';
import { PARTNER_STATUS_LIST_CACHE_SECONDS, StatusListCache, type VerificationKey } from '../domain/index.js';
import type { PartnerUrlPolicy } from '../domain/partner-urls.js';
import { verificationKeyOf } from '../domain/signing-keys.js';
import type { RegionSettings, VerificationDeps } from '../partners/verification.js';
import { PartnerUnreachable } from '../ports.js';
import { HttpError, httpHandler } from './http.js';
import { clock, config } from './region-config.js';

export const region: RegionSettings = {
  code: config.REGION_CODE,
  did: config.ISSUER_DID,
  nameZh: config.REGION_NAME_ZH,
  nameEn: config.REGION_NAME_EN,
  publicUrl: config.PUBLIC_URL,
  timeZone: config.REGION_TIME_ZONE,
};

export const registry = new DynamoDbRegistryStore(config.TABLE_NAME);
/** This region's certificates as verification reads them (not the whole certification store). */
const certificates = new DynamoDbCertificateReader(config.TABLE_NAME);
/** Which partner URLs this region may fetch: no loopback host at all, except on the local cloud. */
export const partnerUrls: PartnerUrlPolicy = {
  loopbackHosts: (config.SKILLCERT_LOOPBACK_PARTNER_HOSTS ?? '').split(',').filter(Boolean),
};
export const directory = new HttpPartnerDirectory({ policy: partnerUrls });
const ledger = new DynamoDbSigningKeyLedger(config.TABLE_NAME);

/** A container re-reads its own key set this often: a rotation or a compromise shows within it. */
const OWN_KEYS_TTL_MS = 30_000;
let ownKeysCache: { at: number; keys: Promise<VerificationKey[]> } | undefined;

/**
 * This region's keys that ever signed, from the signing-key ledger: every signature goes through it
 * (LedgeredSigner), so a certificate of this region was signed by a key the ledger holds, with its
 * window and any compromise.
 */
export function ownKeys(): Promise<VerificationKey[]> {
  if (!ownKeysCache || Date.now() - ownKeysCache.at > OWN_KEYS_TTL_MS) {
    const keys = ledger.list().then((records) => records.map(verificationKeyOf));
    ownKeysCache = { at: Date.now(), keys };
    keys.catch(() => {
      ownKeysCache = undefined;
    });
  }
  return ownKeysCache.keys;
}

/** Partner status lists kept by this container between requests, within the bound (docs/partners.md). */
const statusListCache = new StatusListCache(
  config.PARTNER_STATUS_LIST_CACHE_SECONDS !== undefined
    ? Number(config.PARTNER_STATUS_LIST_CACHE_SECONDS)
    : PARTNER_STATUS_LIST_CACHE_SECONDS,
);

export function verificationDeps(): VerificationDeps {
  return { region, certificates, registry, directory, ownKeys, statusListCache, now: clock.now };
}

/** httpHandler for routes that reach partner regions: an unreachable partner is a 502 that names it. */
export function partnerHttpHandler(fn: Parameters<typeof httpHandler>[0]) {
  return httpHandler(async (event, context) => {
    try {
      return await fn(event, context);
    } catch (error) {
      if (error instanceof PartnerUnreachable)
        throw new HttpError(502, 'PartnerUnreachable', error.bilingual, undefined, true);
      throw error;
    }
  });
}
