// Wiring shared by the functions that deal with partner regions: this region's settings, the registry,
// the HTTP directory of partners and this region's own verification keys.
import { DynamoDbRegistryStore } from '../adapters/dynamodb-registry-store.js';
import { HttpPartnerDirectory } from '../adapters/http-partner-directory.js';
import type { VerificationKey } from '../domain/index.js';
import type { RecognitionDeps } from '../partners/recognition.js';
import type { RegionSettings } from '../partners/verification.js';
import { certificateSigner, clock, config, store } from './certification.js';
import { regionVerificationKeys } from './signing-keys.js';

export const region: RegionSettings = {
  code: config.REGION_CODE,
  did: config.ISSUER_DID,
  nameZh: config.REGION_NAME_ZH,
  nameEn: config.REGION_NAME_EN,
  publicUrl: config.PUBLIC_URL,
};

export const registry = new DynamoDbRegistryStore(config.TABLE_NAME);
export const directory = new HttpPartnerDirectory();

/** A container re-reads its own key set this often: a rotation or a compromise shows within it. */
const OWN_KEYS_TTL_MS = 30_000;
let ownKeysCache: { at: number; keys: Promise<VerificationKey[]> } | undefined;
export function ownKeys(): Promise<VerificationKey[]> {
  if (!ownKeysCache || Date.now() - ownKeysCache.at > OWN_KEYS_TTL_MS) {
    const keys = regionVerificationKeys();
    ownKeysCache = { at: Date.now(), keys };
    keys.catch(() => {
      ownKeysCache = undefined;
    });
  }
  return ownKeysCache.keys;
}

export function partnerDeps(): RecognitionDeps {
  return {
    region,
    certificates: store,
    registry,
    directory,
    ownKeys,
    now: clock.now,
    signer: certificateSigner(),
  };
}
