// Wiring for the functions that change status lists and so sign them (status-publication.ts): the
// region, the table's lists, the credential signer (both keys) and the clock.
import { DynamoDbStatusListStore } from '../adapters/dynamodb-status-list-store.js';
import type { StatusPublicationDeps } from '../certification/status-publication.js';
import { credentialSigner } from './issuing.js';
import { clock, config } from './region-config.js';

let deps: StatusPublicationDeps | undefined;
export function statusPublication(): StatusPublicationDeps {
  deps ??= {
    region: { code: config.REGION_CODE, did: config.ISSUER_DID, publicUrl: config.PUBLIC_URL },
    lists: new DynamoDbStatusListStore(config.TABLE_NAME),
    credentials: credentialSigner(),
    now: clock.now,
  };
  return deps;
}
