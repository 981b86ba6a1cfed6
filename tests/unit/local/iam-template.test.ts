// The template's IAM as the local cloud reads it: a role's inline, managed (the template's own and AWS's)
// and attached policies, with every ARN resolved to the local one; each function's and state machine's
// role; each key's policy.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../local/iam/policy.js';
import { type CfnTemplate, translateTemplate } from '../../../local/template.js';

const options = {
  stackName: 'Iam-test',
  region: 'ap-southeast-1',
  assemblyDir: '/assembly',
  assetManifest: { files: { abc123: { source: { path: 'asset.abc123', packaging: 'zip' } } } },
  issuerBaseUrl: 'http://127.0.0.1:9999',
};
const tableArn = 'arn:aws:dynamodb:ap-southeast-1:000000000000:table/Iam-test-Table';

const template: CfnTemplate = {
  Resources: {
    Table: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      },
    },
    Key: {
      Type: 'AWS::KMS::Key',
      Properties: {
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        KeyPolicy: {
          Statement: [
            {
              Effect: 'Allow',
              Principal: {
                AWS: {
                  'Fn::Join': [
                    '',
                    ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
                  ],
                },
              },
              Action: 'kms:*',
              Resource: '*',
            },
          ],
        },
      },
    },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Statement: [] },
        Policies: [
          {
            PolicyName: 'inline',
            PolicyDocument: {
              Statement: [
                { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': ['Table', 'Arn'] } },
              ],
            },
          },
        ],
        ManagedPolicyArns: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
              ],
            ],
          },
          { Ref: 'Shared' },
          'arn:aws:iam::aws:policy/AmazonS3FullAccess',
        ],
      },
    },
    Shared: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::GetAtt': ['Table', 'Arn'] } },
          ],
        },
      },
    },
    RoleDefaultPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'RoleDefaultPolicy',
        Roles: [{ Ref: 'Role' }],
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: 'kms:Sign', Resource: { 'Fn::GetAtt': ['Key', 'Arn'] } },
            { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: '*' },
          ],
        },
      },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Key: 'abc123.zip' },
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
      },
    },
  },
};

describe('translateTemplate: IAM', () => {
  const model = translateTemplate(template, options);
  const [role] = model.roles;

  it("gathers every policy of a role: inline, the template's managed policy, AWS's, and attached ones", () => {
    expect(role).toMatchObject({
      logicalId: 'Role',
      name: 'Iam-test-Role',
      arn: 'arn:aws:iam::000000000000:role/Iam-test-Role',
      unknownManagedPolicies: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'],
    });
    expect(role?.policies.map((p) => [p.kind, p.name])).toEqual([
      ['inline', 'inline'],
      ['aws-managed', 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      ['customer-managed', 'arn:aws:iam::000000000000:policy/Iam-test-Shared'],
      ['attached', 'RoleDefaultPolicy (RoleDefaultPolicy)'],
    ]);
  });

  it('resolves the ARNs in the policies to the local ones, so the evaluator sees what the services see', () => {
    const decide = (action: string, resource: string) =>
      evaluate(role?.policies ?? [], { action, resource }).decision;
    expect(decide('dynamodb:GetItem', tableArn)).toBe('allow');
    expect(decide('dynamodb:Query', tableArn)).toBe('allow');
    expect(decide('dynamodb:PutItem', tableArn)).toBe('implicit-deny');
    expect(decide('dynamodb:DeleteItem', tableArn)).toBe('explicit-deny');
    expect(decide('kms:Sign', model.signingKeys[0]?.arn as string)).toBe('allow');
    expect(decide('logs:PutLogEvents', 'arn:aws:logs:ap-southeast-1:000000000000:log-group:x')).toBe('allow');
    // A managed policy the local cloud has no document for grants nothing.
    expect(decide('s3:GetObject', 'arn:aws:s3:::bucket/key')).toBe('implicit-deny');
  });

  it("names each function's role and each key's policy", () => {
    expect(model.functions[0]?.roleArn).toBe(role?.arn);
    expect(model.signingKeys[0]?.keyPolicy).toEqual({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::000000000000:root' },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  });
});
