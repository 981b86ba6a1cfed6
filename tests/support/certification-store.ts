// The region's single table in DynamoDB Local, created from the Data construct's own template (keys and
// index as deployed), with the real certification store on it: for tests of the use cases without the
// rest of the local cloud.
import { App, Stack } from 'aws-cdk-lib';
import { DynamoDbCertificationStore } from '../../functions/adapters/dynamodb-certification-store.js';
import { newStatusListSeed } from '../../functions/adapters/dynamodb-status-lists.js';
import { LocalProofSigner, LocalSigner } from '../../functions/adapters/local-signer.js';
import type { IssuerSettings } from '../../functions/certification/workflow.js';
import type { Exam } from '../../functions/domain/index.js';
import type { PersonRecord } from '../../functions/ports.js';
import { RegionCredentialSigner } from '../../functions/shared/credential-signer.js';
import { Data } from '../../lib/constructs/data.js';
import { type ConsistencyStats, startConsistencyProxy } from '../../local/dynamodb-consistency.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { ensureTables, localDynamoDbClient } from '../../local/dynamodb-tables.js';
import { translateTemplate } from '../../local/template.js';

export interface CertificationTable {
  store: DynamoDbCertificationStore;
  client: ReturnType<typeof localDynamoDbClient>;
  tableName: string;
  dynamodb: DynamoDbLocal;
  /** With `consistency: 'aws'`: what the proxy made stale or refused. */
  consistency?: { stats(): ConsistencyStats };
  stop(): Promise<void>;
}

/**
 * The single table on DynamoDB Local; with `consistency: 'aws'` reached through the consistency proxy
 * (index reads lag, transactions on one item conflict: local/dynamodb-consistency.ts).
 */
export async function startCertificationTable(
  options: { consistency?: 'local' | 'aws' } = {},
): Promise<CertificationTable> {
  const app = new App();
  const stack = new Stack(app, 'StoreTest');
  new Data(stack, 'Data');
  const template = app.synth().getStackByName('StoreTest').template;
  const model = translateTemplate(template, {
    stackName: 'StoreTest',
    region: 'ap-southeast-1',
    assemblyDir: '',
    assetManifest: { files: {} } as never,
    issuerBaseUrl: 'http://127.0.0.1:9',
  });
  const [table] = model.tables;
  if (!table) throw new Error('The Data construct declares no table');
  const dynamodb = await startDynamoDbLocal({ inMemory: true });
  await ensureTables(localDynamoDbClient(dynamodb.endpoint, 'ap-southeast-1'), [table]);
  const proxy =
    options.consistency === 'aws' ? await startConsistencyProxy(dynamodb.endpoint, [table]) : undefined;
  const client = localDynamoDbClient(proxy?.endpoint ?? dynamodb.endpoint, 'ap-southeast-1');
  return {
    store: new DynamoDbCertificationStore(table.tableName, client),
    client,
    tableName: table.tableName,
    dynamodb,
    ...(proxy ? { consistency: proxy } : {}),
    async stop() {
      client.destroy();
      await proxy?.stop();
      await dynamodb.stop();
    },
  };
}

export const ISSUER: IssuerSettings = {
  regionCode: 'neijiang',
  regionPrefix: 'NJ',
  nameZh: '内江市职业技能鉴定指导中心',
  nameEn: 'Neijiang Vocational Skill Testing Centre',
  did: 'did:web:certs.neijiang.example',
  publicUrl: 'https://certs.neijiang.example',
  timeZone: 'Asia/Shanghai',
};

/** What issuing needs beside the store: the region's two keys (local files) and fresh list seeds. */
export function issuing(dir: string) {
  return {
    credentials: new RegionCredentialSigner({
      signer: new LocalSigner(dir, 'store-test-key'),
      proofSigner: new LocalProofSigner(dir, 'store-test-proof-key'),
      issuerDid: ISSUER.did,
    }),
    newSeed: newStatusListSeed,
  };
}

/** A candidate with a registered identity, and assessors with no conflict with them. */
export function people(
  count: number,
  prefix: string,
): { candidate: PersonRecord; assessors: PersonRecord[] } {
  const candidate: PersonRecord = {
    sub: `${prefix}-candidate`,
    name: '张伟',
    employer: '内江机械厂',
    trainingOrg: '内江职业技术学院',
    roles: ['candidate'],
    senior: false,
    holderId: 'urn:uuid:2f0b5a3e-7c1d-4e8f-9a6b-0c3d5e7f9a1b',
    identityMac: 'hmac-sha256$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    yearsOfWork: {},
  };
  const assessors = Array.from(
    { length: count },
    (_, i): PersonRecord => ({
      sub: `${prefix}-assessor-${i}`,
      name: `assessor ${i}`,
      employer: `employer ${prefix} ${i}`,
      trainingOrg: `school ${prefix} ${i}`,
      roles: ['assessor'],
      senior: true,
      yearsOfWork: {},
    }),
  );
  return { candidate, assessors };
}

export type { Exam };
