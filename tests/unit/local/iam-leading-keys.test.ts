// dynamodb:LeadingKeys on the local cloud: each item operation names the partition key values it touches
// (from the table's key schema in the local model), so a grant limited by key prefix is enforced as in AWS.
import { describe, expect, it } from 'vitest';
import { LocalIam } from '../../../local/iam/authorizer.js';
import { dynamoDbPermissions, partitionKeysOf } from '../../../local/iam/dynamodb.js';
import type { LocalModel } from '../../../local/model.js';

const ACCOUNT = '000000000000';
const REGION = 'ap-southeast-1';
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Data`;
const OTHER = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Other`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/PublicRole`;
const KEYS = partitionKeysOf([
  {
    tableName: 'Data',
    arn: TABLE,
    keySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  },
  { tableName: 'Other', arn: OTHER, keySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] },
]);
const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'X' } });
const leading = (operation: string, body: Record<string, unknown>) =>
  dynamoDbPermissions(operation, body, REGION, ACCOUNT, KEYS).map((p) => [
    p.action,
    p.context?.['dynamodb:LeadingKeys'],
  ]);

describe('dynamoDbPermissions: dynamodb:LeadingKeys', () => {
  it('is the partition key of the item a single-item action reads or writes', () => {
    expect(leading('GetItem', { TableName: 'Data', Key: key('CERT#1') })).toEqual([
      ['dynamodb:GetItem', ['CERT#1']],
    ]);
    expect(
      leading('PutItem', { TableName: 'Data', Item: { ...key('ACTIVITY#1'), kind: { S: 'v' } } }),
    ).toEqual([['dynamodb:PutItem', ['ACTIVITY#1']]]);
    expect(leading('UpdateItem', { TableName: TABLE, Key: key('LOOKUP#c#1') })).toEqual([
      ['dynamodb:UpdateItem', ['LOOKUP#c#1']],
    ]);
    expect(leading('DeleteItem', { TableName: 'Other', Key: { id: { N: '42' } } })).toEqual([
      ['dynamodb:DeleteItem', ['42']],
    ]);
  });

  it('is each item’s own key in a transaction, and every key of a table in a batch', () => {
    expect(
      leading('TransactWriteItems', {
        TransactItems: [
          { Put: { TableName: 'Data', Item: key('CERT#1') } },
          { Update: { TableName: 'Data', Key: key('LOOKUP#a') } },
          { Delete: { TableName: 'Other', Key: { id: { S: 'o1' } } } },
          { ConditionCheck: { TableName: 'Data', Key: key('PAGE#t') } },
        ],
      }),
    ).toEqual([
      ['dynamodb:PutItem', ['CERT#1']],
      ['dynamodb:UpdateItem', ['LOOKUP#a']],
      ['dynamodb:DeleteItem', ['o1']],
      ['dynamodb:ConditionCheckItem', ['PAGE#t']],
    ]);
    expect(
      leading('TransactGetItems', { TransactItems: [{ Get: { TableName: 'Data', Key: key('CERT#2') } }] }),
    ).toEqual([['dynamodb:GetItem', ['CERT#2']]]);
    expect(
      leading('BatchGetItem', {
        RequestItems: { Data: { Keys: [key('CERT#1'), key('CERT#2'), key('CERT#1')] } },
      }),
    ).toEqual([['dynamodb:BatchGetItem', ['CERT#1', 'CERT#2']]]);
    expect(
      leading('BatchWriteItem', {
        RequestItems: {
          Data: [{ PutRequest: { Item: key('ACTIVITY#1') } }, { DeleteRequest: { Key: key('CERT#9') } }],
          Other: [{ PutRequest: { Item: { id: { S: 'o2' } } } }],
        },
      }),
    ).toEqual([
      ['dynamodb:BatchWriteItem', ['ACTIVITY#1', 'CERT#9']],
      ['dynamodb:BatchWriteItem', ['o2']],
    ]);
  });

  it('is the partition key a Query’s key condition fixes, either way round, or absent when not found', () => {
    const query = (body: Record<string, unknown>) => leading('Query', { TableName: 'Data', ...body });
    expect(
      query({
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': { S: 'ACTIVITY#7' }, ':prefix': { S: 'ACT#' } },
      }),
    ).toEqual([['dynamodb:Query', ['ACTIVITY#7']]]);
    expect(
      query({
        KeyConditionExpression: 'sk = :s AND :p = pk',
        ExpressionAttributeValues: { ':p': { S: 'CERT#3' }, ':s': { S: 'CERT' } },
      }),
    ).toEqual([['dynamodb:Query', ['CERT#3']]]);
    expect(
      query({ KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'CERT#4' }] } } }),
    ).toEqual([['dynamodb:Query', ['CERT#4']]]);
    // An index's partition key is not the table's: no LeadingKeys (a conditioned grant does not apply).
    expect(
      query({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'X' } },
      }),
    ).toEqual([['dynamodb:Query', undefined]]);
    expect(leading('Scan', { TableName: 'Data' })).toEqual([['dynamodb:Scan', undefined]]);
  });

  it('is absent when the table is unknown or an item has no partition key', () => {
    expect(leading('PutItem', { TableName: 'Elsewhere', Item: key('CERT#1') })).toEqual([
      ['dynamodb:PutItem', undefined],
    ]);
    expect(leading('PutItem', { TableName: 'Data', Item: { sk: { S: 'X' } } })).toEqual([
      ['dynamodb:PutItem', undefined],
    ]);
  });
});

describe('a grant limited by ForAllValues:StringLike on dynamodb:LeadingKeys', () => {
  const model = {
    stackName: 'Unit',
    region: REGION,
    account: ACCOUNT,
    tables: [],
    buckets: [],
    functions: [{ logicalId: 'Pub', functionName: 'pub-fn', arn: 'x', roleArn: ROLE }],
    stateMachines: [],
    httpApis: [],
    userPools: [],
    signingKeys: [],
    eventBuses: [],
    schedules: [],
    metricFilters: [],
    alarms: [],
    outputs: {},
    roles: [
      {
        logicalId: 'PublicRole',
        name: 'PublicRole',
        arn: ROLE,
        unknownManagedPolicies: [],
        policies: [
          {
            name: 'PublicPolicy',
            kind: 'attached',
            document: {
              Statement: [
                { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: TABLE },
                {
                  Effect: 'Allow',
                  Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
                  Resource: TABLE,
                  Condition: {
                    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOOKUP#*', 'ACTIVITY#*'] },
                  },
                },
              ],
            },
          },
        ],
      },
    ],
  } as unknown as LocalModel;
  const iam = new LocalIam(model, { mode: 'enforce' });
  const accessKeyId = iam.functionCredentials('pub-fn').accessKeyId;
  const decide = (operation: string, body: Record<string, unknown>) =>
    dynamoDbPermissions(operation, { TableName: 'Data', ...body }, REGION, ACCOUNT, KEYS).map(
      (p) => iam.authorize({ accessKeyId, ...p }).allowed,
    );

  it('allows writes to the lookup budget and the activity feed', () => {
    expect(decide('UpdateItem', { Key: key('LOOKUP#1.2.3.4#9') })).toEqual([true]);
    expect(decide('PutItem', { Item: key('ACTIVITY#NJ-1') })).toEqual([true]);
  });

  it('refuses a write to any other partition, and one whose key the local cloud cannot read', () => {
    expect(decide('PutItem', { Item: key('CERT#NJ-1') })).toEqual([false]);
    expect(decide('UpdateItem', { Key: key('PAGE#token') })).toEqual([false]);
    // Prefix match only: the pattern is anchored like IAM's StringLike.
    expect(decide('PutItem', { Item: key('X-ACTIVITY#1') })).toEqual([false]);
    expect(decide('PutItem', { Item: { sk: { S: 'no partition key' } } })).toEqual([false]);
    expect(decide('DeleteItem', { Key: key('ACTIVITY#1') })).toEqual([false]);
  });

  it('refuses a transaction with one item outside the allowed partitions', () => {
    expect(
      decide('TransactWriteItems', {
        TransactItems: [
          { Put: { TableName: 'Data', Item: key('ACTIVITY#1') } },
          { Put: { TableName: 'Data', Item: key('CERT#1') } },
        ],
      }),
      // One refused item refuses the whole request (authorizeAll).
    ).toEqual([true, false]);
  });
});
