// Wiring shared by the certification functions: configuration, the store, the signer, the clock.
import { minLength, object, optional, string } from 'zod/mini';
import { DynamoDbCertificationStore } from '../adapters/dynamodb-certification-store.js';
import { loadConfig } from './config.js';
import { type LedgeredSigner, ledgeredSignerFromEnvironment } from './signing-keys.js';

export const config = loadConfig(
  object({
    TABLE_NAME: string().check(minLength(1)),
    REGION_CODE: string().check(minLength(1)),
    REGION_PREFIX: string().check(minLength(2)),
    REGION_NAME_ZH: string(),
    REGION_NAME_EN: string(),
    ISSUER_DID: string().check(minLength(1)),
    PUBLIC_URL: string().check(minLength(1)),
    SIGNING_KEY_ID: optional(string()),
    STATE_MACHINE_ARN: optional(string()),
    EVENT_BUS_NAME: optional(string()),
    NOTICE_STATE_MACHINE_ARN: optional(string()),
  }),
);

export const store = new DynamoDbCertificationStore(config.TABLE_NAME);

let signer: LedgeredSigner | undefined;
/** The region key behind the signing-key ledger: recorded before its first signature, refused once compromised. */
export function certificateSigner(): LedgeredSigner {
  if (!config.SIGNING_KEY_ID) throw new Error('SIGNING_KEY_ID is not set for this function');
  signer ??= ledgeredSignerFromEnvironment(config.SIGNING_KEY_ID, config.TABLE_NAME, config.ISSUER_DID);
  return signer;
}

export const clock = { now: () => new Date() };
