// Wiring shared by the certification functions: configuration, the store, the clock. The signer is in
// ./signer.ts, so that functions which do not sign bundle no KMS client.
import { DynamoDbCertificationStore } from '../adapters/dynamodb-certification-store.js';
import { config } from './region-config.js';

export { clock, config } from './region-config.js';

export const store = new DynamoDbCertificationStore(config.TABLE_NAME);
