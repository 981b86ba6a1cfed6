import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { synthesizeRegion } from '../../local/synth.js';
import { eventually } from './eventually.js';

// The synthesis options the integration tests share, so one synthesized assembly per region serves them
// all: a four-second marking timeout, notices retried after one second, a delivery round that gives
// up after three retries (so a test sees the sweep start the next round), and partner status lists kept
// five seconds rather than five minutes (so a test sees a partner's change arrive within the bound).
export const TEST_STACK_OPTIONS = {
  markingTimeoutSeconds: 4,
  noticeRetrySeconds: 1,
  noticeMaxAttempts: 3,
  partnerStatusListCacheSeconds: 5,
} as const;

/** A region's local cloud with the shared test options: in memory, schedules run only when a test asks. */
export async function startTestRegion(code: string): Promise<LocalCloud> {
  const stack = synthesizeRegion({ region: code, ...TEST_STACK_OPTIONS });
  return startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    schedules: 'off',
  });
}

/** Waits until a region has taken a partner's revocation notice for a credential (its REVOKED# record). */
export async function revocationNoticeTaken(cloud: LocalCloud, credentialJws: string, timeoutMs: number) {
  const db = DynamoDBDocumentClient.from(cloud.dynamoClient);
  const table = cloud.model.tables[0]?.tableName as string;
  const id = decodeJwt(credentialJws).id as string;
  return eventually(
    async () =>
      (await db.send(new GetCommand({ TableName: table, Key: { pk: `REVOKED#${id}`, sk: 'NOTICE' } }))).Item,
    'the revocation notice to be taken',
    timeoutMs,
    25,
  );
}
