// Creates the template's tables in DynamoDB Local, exactly as declared (keys, indexes, TTL). Existing
// tables are left alone so on-disk data survives a restart of `npm start`.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalTable } from './model.js';

export function localDynamoDbClient(endpoint: string, region: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function exists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

type Index = LocalTable['globalSecondaryIndexes'][number];

function toIndex(index: Index) {
  return {
    IndexName: index.IndexName,
    KeySchema: index.KeySchema,
    Projection: {
      ProjectionType: (index.Projection.ProjectionType ?? 'ALL') as 'ALL' | 'KEYS_ONLY' | 'INCLUDE',
      ...(index.Projection.NonKeyAttributes ? { NonKeyAttributes: index.Projection.NonKeyAttributes } : {}),
    },
  };
}

/** Returns the names of the tables it created (the others already existed). */
export async function ensureTables(client: DynamoDBClient, tables: LocalTable[]): Promise<string[]> {
  const created: string[] = [];
  for (const table of tables) {
    if (await exists(client, table.tableName)) continue;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table.tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: table.keySchema,
          AttributeDefinitions: table.attributeDefinitions,
          ...(table.globalSecondaryIndexes.length > 0
            ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes.map(toIndex) }
            : {}),
          ...(table.localSecondaryIndexes.length > 0
            ? { LocalSecondaryIndexes: table.localSecondaryIndexes.map(toIndex) }
            : {}),
        }),
      );
      created.push(table.tableName);
    } catch (error) {
      // Another process created it between our check and our call: same outcome.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    if (table.timeToLiveAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: table.tableName,
          TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  }
  return created;
}
