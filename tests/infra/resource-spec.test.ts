// Every deployment's template read against AWS's own CloudFormation resource specification, as the CDK
// team publishes it (npm @aws-cdk/aws-service-spec): each resource type exists, each property exists, the
// required ones are present, primitive types and enumerations match, and every Fn::GetAtt names an
// attribute the type has. What CloudFormation would refuse at create time is refused here, offline.
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type {
  Property,
  PropertyType,
  Resource,
  SpecDatabase,
  TypeDefinition,
} from '@aws-cdk/service-spec-types';
import { describe, expect, it } from 'vitest';
import { type CfnTemplate, deploymentsUnderTest, synthTemplate } from './support/templates.js';

const db: SpecDatabase = loadAwsServiceSpecSync();

function resourceSpec(type: string): Resource | undefined {
  return db.lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

const isIntrinsic = (value: unknown): boolean =>
  !!value &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  /^(Ref|Fn::|Condition$)/.test(Object.keys(value)[0] as string);

/** Problems of one value against one property type; [] when it fits. Intrinsics fit anything. */
function check(value: unknown, type: PropertyType, where: string): string[] {
  if (isIntrinsic(value)) return [];
  switch (type.type) {
    case 'string': {
      if (typeof value !== 'string') return [`${where}: expected a string, got ${JSON.stringify(value)}`];
      const allowed = (type as { allowedValues?: string[] }).allowedValues;
      return allowed && !allowed.includes(value)
        ? [`${where}: ${value} is not one of ${allowed.join(', ')}`]
        : [];
    }
    case 'date-time':
      return typeof value === 'string' ? [] : [`${where}: expected a date-time string`];
    case 'number':
      return typeof value === 'number' ? [] : [`${where}: expected a number, got ${JSON.stringify(value)}`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${where}: expected an integer, got ${JSON.stringify(value)}`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where}: expected a boolean, got ${JSON.stringify(value)}`];
    case 'json':
      return value !== null && (typeof value === 'object' || typeof value === 'string')
        ? []
        : [`${where}: expected JSON`];
    case 'null':
      return [];
    case 'tag':
      return checkObject(
        value,
        {
          Key: { type: { type: 'string' }, required: true },
          Value: { type: { type: 'string' }, required: true },
        },
        where,
      );
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => check(v, type.element, `${where}[${i}]`))
        : [`${where}: expected a list`];
    case 'map':
      return value && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) => check(v, type.element, `${where}.${k}`))
        : [`${where}: expected a map`];
    case 'union': {
      const fits = type.types.map((t) => check(value, t, where));
      return fits.some((f) => f.length === 0) ? [] : (fits[0] ?? []);
    }
    case 'ref': {
      const definition = db.get('typeDefinition', type.reference.$ref) as TypeDefinition;
      return checkObject(value, definition.properties, `${where}(${definition.name})`);
    }
    default:
      return [`${where}: unknown spec type ${JSON.stringify(type)}`];
  }
}

function checkObject(value: unknown, properties: Record<string, Property>, where: string): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${where}: expected an object`];
  const problems: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in value)) problems.push(`${where}: required ${name} is missing`);
  }
  for (const [name, v] of Object.entries(value)) {
    const property = properties[name];
    if (!property) problems.push(`${where}: ${name} is not a property`);
    else problems.push(...check(v, property.type, `${where}.${name}`));
  }
  return problems;
}

/** Every Fn::GetAtt in a value, as [logical id, attribute]. */
function getAtts(value: unknown): [string, string][] {
  if (Array.isArray(value)) return value.flatMap(getAtts);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      if (k === 'Fn::GetAtt') {
        const [id, attr] = Array.isArray(v) ? v : String(v).split(/\.(.*)/s);
        return [[String(id), String(attr)] as [string, string]];
      }
      return getAtts(v);
    });
  }
  return [];
}

function specProblems(template: CfnTemplate): string[] {
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::CDK::Metadata' || resource.Type.startsWith('Custom::')) continue;
    const spec = resourceSpec(resource.Type);
    if (!spec) {
      problems.push(`${id}: ${resource.Type} is not a CloudFormation resource type`);
      continue;
    }
    problems.push(...checkObject(resource.Properties ?? {}, spec.properties, `${id}(${resource.Type})`));
  }
  for (const [id, attribute] of getAtts(template.Resources)) {
    const type = template.Resources[id]?.Type;
    // A custom resource's attributes are whatever its function returns (Data): only its existence is checked.
    if (type?.startsWith('Custom::')) continue;
    const spec = type ? resourceSpec(type) : undefined;
    if (!spec) problems.push(`Fn::GetAtt ${id}.${attribute}: no such resource`);
    else if (!(attribute in spec.attributes))
      problems.push(`Fn::GetAtt ${id}.${attribute}: ${type} has no attribute ${attribute}`);
  }
  return problems;
}

describe('AWS CloudFormation resource specification', () => {
  it.each(deploymentsUnderTest().map((d) => [d.label, d.options] as const))(
    '%s: every resource type and property exists, required ones are present, types match',
    (_label, options) => {
      const template = synthTemplate(options);
      expect(Object.keys(template.Resources).length).toBeGreaterThan(100);
      expect(specProblems(template)).toEqual([]);
    },
  );

  it('catches what CloudFormation would refuse', () => {
    const template: CfnTemplate = {
      Resources: {
        Key: { Type: 'AWS::KMS::Key', Properties: { KeySpec: 'ECC_NIST_ED25519', EnableKeyRotation: 'yes' } },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Timeout: 10.5, Runtime: 'nodejs24.x', Handlr: 'x' },
        },
        Nope: { Type: 'AWS::Lambda::Functions', Properties: {} },
        Alias: {
          Type: 'AWS::KMS::Alias',
          Properties: { AliasName: 'alias/x', TargetKeyId: { 'Fn::GetAtt': ['Key', 'KeyArn'] } },
        },
      },
    };
    const problems = specProblems(template);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Key\(AWS::KMS::Key\)\.KeySpec: ECC_NIST_ED25519 is not one of/),
        expect.stringMatching(/EnableKeyRotation: expected a boolean/),
        expect.stringMatching(/Fn\(AWS::Lambda::Function\): required Role is missing/),
        expect.stringMatching(/Fn\(AWS::Lambda::Function\): required Code is missing/),
        expect.stringMatching(/Timeout: expected an integer/),
        expect.stringMatching(/Handlr is not a property/),
        expect.stringMatching(/AWS::Lambda::Functions is not a CloudFormation resource type/),
        expect.stringMatching(/AWS::KMS::Key has no attribute KeyArn/),
      ]),
    );
  });
});
