// The local IAM evaluator against the rules of AWS's policy evaluation logic: wildcards, explicit deny,
// NotAction/NotResource, conditions (and the conservative treatment of keys the local cloud cannot know).
import { describe, expect, it } from 'vitest';
import {
  actionMatches,
  evaluate,
  grantsOf,
  type NamedPolicy,
  type PolicyStatement,
  resourceMatches,
} from '../../../local/iam/policy.js';

const TABLE = 'arn:aws:dynamodb:ap-southeast-1:000000000000:table/Data';
const principal = {
  roleArn: 'arn:aws:iam::000000000000:role/AppRole',
  sessionArn: 'arn:aws:sts::000000000000:assumed-role/AppRole/app-fn',
  account: '000000000000',
};
const policy = (...Statement: PolicyStatement[]): NamedPolicy => ({
  name: 'p',
  kind: 'inline',
  document: { Version: '2012-10-17', Statement },
});
const decide = (policies: NamedPolicy[], action: string, resource = TABLE, context = {}) =>
  evaluate(policies, { action, resource, principal, context }).decision;

describe('action and resource matching', () => {
  it('matches actions case-insensitively, with * and ?', () => {
    expect(actionMatches('dynamodb:updateItem', 'dynamodb:UpdateItem')).toBe(true);
    expect(actionMatches('dynamodb:*', 'dynamodb:PutItem')).toBe(true);
    expect(actionMatches('dynamodb:Get*', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('dynamodb:Get*', 'dynamodb:PutItem')).toBe(false);
    expect(actionMatches('kms:Sig?', 'kms:Sign')).toBe(true);
    expect(actionMatches('kms:Sig?', 'kms:Signs')).toBe(false);
    expect(actionMatches('*', 'states:StartExecution')).toBe(true);
    expect(actionMatches('dynamodb:PutItem', 'dynamodb:PutItems')).toBe(false);
  });

  it('matches ARNs segment by segment, case-sensitively, * crossing / and : only in the resource part', () => {
    expect(resourceMatches(`${TABLE}/index/*`, `${TABLE}/index/byOwner`)).toBe(true);
    expect(resourceMatches(`${TABLE}/index/*`, TABLE)).toBe(false);
    expect(resourceMatches(TABLE, `${TABLE}/index/byOwner`)).toBe(false);
    expect(resourceMatches('arn:aws:dynamodb:*:*:table/*', TABLE)).toBe(true);
    expect(resourceMatches('arn:aws:dynamodb:ap-southeast-?:000000000000:table/Data', TABLE)).toBe(true);
    expect(resourceMatches(TABLE.replace('Data', 'data'), TABLE)).toBe(false);
    // A region wildcard cannot swallow the account.
    expect(resourceMatches('arn:aws:dynamodb:*:table/Data', TABLE)).toBe(false);
    const fn = 'arn:aws:lambda:ap-southeast-1:000000000000:function:f';
    expect(resourceMatches(`${fn}:*`, `${fn}:live`)).toBe(true);
    expect(resourceMatches(`${fn}:*`, fn)).toBe(false);
    expect(resourceMatches('*', fn)).toBe(true);
    // Policy variables are not resolved locally: they match nothing.
    expect(resourceMatches('arn:aws:s3:::bucket/${aws:username}/*', 'arn:aws:s3:::bucket/x/y')).toBe(false);
  });
});

describe('evaluation', () => {
  const allowData = policy({
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    Resource: TABLE,
  });

  it('denies implicitly what no statement allows', () => {
    expect(decide([allowData], 'dynamodb:GetItem')).toBe('allow');
    expect(decide([allowData], 'dynamodb:DeleteItem')).toBe('implicit-deny');
    expect(decide([allowData], 'dynamodb:GetItem', `${TABLE}2`)).toBe('implicit-deny');
    expect(decide([], 'dynamodb:GetItem')).toBe('implicit-deny');
  });

  it('lets an explicit deny in any policy win over every allow', () => {
    const deny = policy({ Effect: 'Deny', Action: 'dynamodb:Put*', Resource: '*' });
    const result = evaluate([allowData, deny], { action: 'dynamodb:PutItem', resource: TABLE, principal });
    expect(result.decision).toBe('explicit-deny');
    expect(result.deniedBy).toMatchObject({ effect: 'Deny', action: 'dynamodb:Put*', resource: '*' });
    expect(result.allowedBy).toEqual([]);
    expect(decide([allowData, deny], 'dynamodb:GetItem')).toBe('allow');
  });

  it('reads NotAction and NotResource as "everything but"', () => {
    const notAction = policy({ Effect: 'Allow', NotAction: ['dynamodb:Delete*'], Resource: TABLE });
    expect(decide([notAction], 'dynamodb:Query')).toBe('allow');
    expect(decide([notAction], 'dynamodb:DeleteItem')).toBe('implicit-deny');
    const notResource = policy({ Effect: 'Deny', Action: 'dynamodb:*', NotResource: [TABLE] });
    const all = policy({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' });
    expect(decide([all, notResource], 'dynamodb:GetItem')).toBe('allow');
    expect(decide([all, notResource], 'dynamodb:GetItem', `${TABLE}-other`)).toBe('explicit-deny');
  });

  it('returns every allow statement that matched, so each used grant can be recorded', () => {
    const broad = policy({
      Sid: 'Broad',
      Effect: 'Allow',
      Action: 'dynamodb:*',
      Resource: [TABLE, `${TABLE}/index/*`],
    });
    const result = evaluate([allowData, broad], { action: 'dynamodb:GetItem', resource: TABLE, principal });
    expect(result.allowedBy.map((r) => [r.action, r.resource, r.sid])).toEqual([
      ['dynamodb:GetItem', TABLE, undefined],
      ['dynamodb:*', TABLE, 'Broad'],
    ]);
  });

  it('treats managed and attached policies like inline ones', () => {
    const managed: NamedPolicy = {
      ...allowData,
      name: 'arn:aws:iam::000000000000:policy/Shared',
      kind: 'customer-managed',
    };
    const attached: NamedPolicy = {
      name: 'Extra (ExtraPolicy)',
      kind: 'attached',
      document: { Statement: { Effect: 'Allow', Action: 'dynamodb:Query', Resource: TABLE } },
    };
    expect(decide([managed, attached], 'dynamodb:Query')).toBe('allow');
    expect(decide([managed, attached], 'dynamodb:PutItem')).toBe('allow');
    expect(decide([managed, attached], 'dynamodb:Scan')).toBe('implicit-deny');
  });

  it('matches a key policy statement only for its Principal', () => {
    const keyArn = 'arn:aws:kms:ap-southeast-1:000000000000:key/k';
    const forRole = policy({
      Effect: 'Allow',
      Principal: { AWS: principal.roleArn },
      Action: 'kms:Sign',
      Resource: '*',
    });
    const forOther = policy({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::000000000000:role/Other' },
      Action: 'kms:Sign',
      Resource: '*',
    });
    const forRoot = policy({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::000000000000:root' },
      Action: 'kms:*',
      Resource: '*',
    });
    expect(decide([forRole], 'kms:Sign', keyArn)).toBe('allow');
    expect(decide([forOther], 'kms:Sign', keyArn)).toBe('implicit-deny');
    expect(decide([forRoot], 'kms:Sign', keyArn)).toBe('allow');
  });
});

describe('conditions', () => {
  const conditional = (Condition: PolicyStatement['Condition'], Effect: 'Allow' | 'Deny' = 'Allow') =>
    policy({ Effect, Action: 'dynamodb:GetItem', Resource: TABLE, Condition });
  const all = policy({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' });

  it('evaluates string, ARN, Bool and numeric operators over the keys it knows', () => {
    expect(
      decide([conditional({ StringEquals: { 'aws:PrincipalAccount': '000000000000' } })], 'dynamodb:GetItem'),
    ).toBe('allow');
    expect(
      decide([conditional({ StringEquals: { 'aws:PrincipalAccount': '111111111111' } })], 'dynamodb:GetItem'),
    ).toBe('implicit-deny');
    expect(
      decide(
        [conditional({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/App*' } })],
        'dynamodb:GetItem',
      ),
    ).toBe('allow');
    expect(decide([conditional({ StringLike: { 'aws:RequestedRegion': 'eu-*' } })], 'dynamodb:GetItem')).toBe(
      'implicit-deny',
    );
    expect(decide([conditional({ Bool: { 'aws:SecureTransport': 'true' } })], 'dynamodb:GetItem')).toBe(
      'allow',
    );
    expect(
      decide([conditional({ NumericLessThan: { 'custom:size': '10' } })], 'dynamodb:GetItem', TABLE, {
        'custom:size': '3',
      }),
    ).toBe('allow');
    // Several values of one key are ORed; several keys are ANDed.
    expect(
      decide(
        [
          conditional({
            StringEquals: {
              'aws:RequestedRegion': ['eu-west-1', 'ap-southeast-1'],
              'aws:PrincipalAccount': '000000000000',
            },
          }),
        ],
        'dynamodb:GetItem',
      ),
    ).toBe('allow');
  });

  it('decides keys AWS would not send as absent: IfExists and Null hold, plain operators fail', () => {
    expect(
      decide([conditional({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } })], 'dynamodb:GetItem'),
    ).toBe('allow');
    expect(
      decide([conditional({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } })], 'dynamodb:GetItem'),
    ).toBe('implicit-deny');
    expect(decide([conditional({ Null: { 'aws:SourceVpc': 'true' } })], 'dynamodb:GetItem')).toBe('allow');
  });

  it('never lets a condition on a key it cannot know grant, and always lets it deny', () => {
    const allow = evaluate([conditional({ StringEquals: { 'dynamodb:LeadingKeys': 'user#1' } })], {
      action: 'dynamodb:GetItem',
      resource: TABLE,
      principal,
    });
    expect(allow.decision).toBe('implicit-deny');
    expect(allow.unknownConditionKeys).toEqual(['dynamodb:LeadingKeys']);
    const deny = evaluate([all, conditional({ StringNotEquals: { 'aws:SourceIp': '10.0.0.1' } }, 'Deny')], {
      action: 'dynamodb:GetItem',
      resource: TABLE,
      principal,
    });
    expect(deny.decision).toBe('explicit-deny');
    expect(deny.unknownConditionKeys).toEqual(['aws:SourceIp']);
    // An operator it does not implement counts as unknown too.
    expect(
      decide(
        [conditional({ DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } })],
        'dynamodb:GetItem',
      ),
    ).toBe('implicit-deny');
  });
});

describe('grants', () => {
  it('lists each action × resource an allow statement grants, not its denies', () => {
    const p = policy(
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: [TABLE, `${TABLE}/index/*`],
      },
      { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE },
      { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
    );
    expect(grantsOf(p).map((g) => `${g.ref.action} ${g.ref.resource}`)).toEqual([
      `dynamodb:GetItem ${TABLE}`,
      `dynamodb:GetItem ${TABLE}/index/*`,
      `dynamodb:Query ${TABLE}`,
      `dynamodb:Query ${TABLE}/index/*`,
      'NotAction:iam:* *',
    ]);
  });
});
