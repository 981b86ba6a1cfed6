// Wiring shared by the certification functions: configuration, the store, the clock. The signer is in
// ./signer.ts, so that functions which do not sign bundle no KMS client.
import { minLength, object, optional, string } from 'zod/mini';
import { DynamoDbCertificationStore } from '../adapters/dynamodb-certification-store.js';
import { loadConfig } from './config.js';

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
    PROOF_KEY_ID: optional(string()),
    STATE_MACHINE_ARN: optional(string()),
    EVENT_BUS_NAME: optional(string()),
    NOTICE_STATE_MACHINE_ARN: optional(string()),
  }),
);

export const store = new DynamoDbCertificationStore(config.TABLE_NAME);

export const clock = { now: () => new Date() };
