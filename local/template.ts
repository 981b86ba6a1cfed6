// Turns one synthesized CloudFormation template (plus its asset manifest) into the LocalModel the local
// cloud runs. This is the only place that knows CloudFormation's shapes: resource types are read as
// CDK emits them, and every intrinsic is resolved to a local name, ARN or endpoint, so what ships is
// what runs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFilterPattern } from './filter-pattern.js';
import type { PolicyDocument } from './iam/policy.js';
import { translateRoles } from './iam/template-roles.js';
import { RESERVED_LAMBDA_VARIABLES } from './lambda-runtime.js';
import {
  LOCAL_ACCOUNT,
  type LocalAlarm,
  type LocalFunction,
  type LocalHttpApi,
  type LocalMetricFilter,
  type LocalModel,
  type LocalRoute,
  type LocalSchedule,
  type LocalScheduleTarget,
  type LocalStateMachine,
  type LocalTable,
  type LocalUserPool,
  type RouteAuthorization,
  type ThrottleLimits,
} from './model.js';
import { parseScheduleExpression, ScheduleExpressionError } from './scheduler.js';
import { type AslState, unfaithfulFields } from './stepfunctions/definition.js';
import { translateWebSites } from './web-site.js';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  Condition?: string;
}

export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Metadata?: Record<string, unknown>;
  Outputs?: Record<string, { Value: unknown }>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, { Default?: unknown }>;
}

export interface AssetManifest {
  files?: Record<string, { source: { path?: string; packaging?: string } }>;
}

export interface TranslateOptions {
  stackName: string;
  /** The AWS region the local cloud pretends to be in. */
  region: string;
  /** Folder of the cloud assembly (cdk.out) the asset paths are relative to. */
  assemblyDir: string;
  assetManifest: AssetManifest;
  /** Base URL of the local OIDC issuer; a user pool's issuer is `${issuerBaseUrl}/${userPoolId}`. */
  issuerBaseUrl: string;
  /**
   * Where the web app is actually served: replaces the template's web origin (Metadata Skillcert::Web) in
   * the API's CORS origins and the web client's redirect URIs, as ports replace other addresses.
   */
  webOrigin?: string;
}

/** The local issuer's path for the outside OpenID provider a deployment names. */
export const OIDC_STAND_IN = 'oidc';

/** Raised for a template the local cloud cannot run faithfully; the message names the resource. */
export class TemplateTranslationError extends Error {
  override name = 'TemplateTranslationError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PSEUDO = (o: TranslateOptions): Record<string, string> => ({
  'AWS::Region': o.region,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': o.stackName,
  'AWS::StackId': `arn:aws:cloudformation:${o.region}:${LOCAL_ACCOUNT}:stack/${o.stackName}/local`,
});

const NO_VALUE = Symbol('AWS::NoValue');

/** Short stable suffix, so local names stay readable but distinct across stacks. */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** What Ref and Fn::GetAtt give for each resource, computed before any property is resolved. */
interface PhysicalResource {
  ref: string;
  attributes: Record<string, string>;
}

function physicalResources(template: CfnTemplate, o: TranslateOptions): Map<string, PhysicalResource> {
  const { region, stackName } = o;
  const arnBase = (service: string) => `arn:aws:${service}:${region}:${LOCAL_ACCOUNT}`;
  const result = new Map<string, PhysicalResource>();
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const props = resource.Properties ?? {};
    const explicit = (key: string) => (typeof props[key] === 'string' ? (props[key] as string) : undefined);
    const generated = `${stackName}-${id}`;
    let physical: PhysicalResource;
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const name = explicit('TableName') ?? generated;
        const arn = `${arnBase('dynamodb')}:table/${name}`;
        physical = { ref: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/local` } };
        break;
      }
      case 'AWS::S3::Bucket': {
        // S3 names: lower case, digits, dots and hyphens, 3–63 characters.
        const name =
          explicit('BucketName') ??
          `${generated
            .toLowerCase()
            .replace(/[^a-z0-9.-]/g, '-')
            .slice(0, 54)}-${shortHash(generated)}`;
        const arn = `arn:aws:s3:::${name}`;
        physical = {
          ref: name,
          attributes: { Arn: arn, DomainName: `${name}.s3.local`, RegionalDomainName: `${name}.s3.local` },
        };
        break;
      }
      case 'AWS::Lambda::Function': {
        const name = explicit('FunctionName') ?? generated.slice(0, 64);
        physical = { ref: name, attributes: { Arn: `${arnBase('lambda')}:function:${name}` } };
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = explicit('StateMachineName') ?? generated;
        const arn = `${arnBase('states')}:stateMachine:${name}`;
        physical = { ref: arn, attributes: { Arn: arn, Name: name } };
        break;
      }
      case 'AWS::Cognito::UserPool': {
        const poolId = `${region}_${shortHash(`${stackName}/${id}`)}`;
        const providerName = `cognito-idp.${region}.amazonaws.com/${poolId}`;
        physical = {
          ref: poolId,
          attributes: {
            Arn: `${arnBase('cognito-idp')}:userpool/${poolId}`,
            ProviderName: providerName,
            ProviderURL: `https://${providerName}`,
            UserPoolId: poolId,
          },
        };
        break;
      }
      case 'AWS::Cognito::UserPoolResourceServer':
        // Ref gives the identifier, which scopes are built from ("skillcert/verify").
        physical = { ref: explicit('Identifier') ?? id, attributes: {} };
        break;
      case 'AWS::Cognito::UserPoolDomain':
        physical = { ref: explicit('Domain') ?? id, attributes: {} };
        break;
      case 'AWS::CloudFront::Distribution': {
        const distributionId = `E${shortHash(`${stackName}/${id}`).toUpperCase()}`;
        physical = {
          ref: distributionId,
          attributes: { Id: distributionId, DomainName: `d${shortHash(id)}.cloudfront.net` },
        };
        break;
      }
      case 'AWS::CloudFront::OriginAccessControl':
      case 'AWS::CloudFront::CloudFrontOriginAccessIdentity': {
        const oacId = `E${shortHash(`${stackName}/${id}`).toUpperCase()}`;
        physical = { ref: oacId, attributes: { Id: oacId, S3CanonicalUserId: shortHash(`canonical/${id}`) } };
        break;
      }
      case 'AWS::Cognito::UserPoolGroup':
        physical = { ref: explicit('GroupName') ?? id, attributes: {} };
        break;
      case 'AWS::Cognito::UserPoolClient': {
        // 26 lower-case characters, like a Cognito app client id.
        const clientId = createHash('sha256').update(`${stackName}/${id}`).digest('hex').slice(0, 26);
        physical = { ref: clientId, attributes: { ClientId: clientId, Name: id } };
        break;
      }
      case 'AWS::KMS::Key': {
        const keyId = `local-${shortHash(`${stackName}/${id}`)}-${id}`;
        physical = { ref: keyId, attributes: { Arn: `${arnBase('kms')}:key/${keyId}`, KeyId: keyId } };
        break;
      }
      case 'AWS::KMS::Alias': {
        const name = explicit('AliasName') ?? `alias/${generated}`;
        physical = { ref: name, attributes: { Arn: `${arnBase('kms')}:${name}` } };
        break;
      }
      case 'AWS::Events::EventBus': {
        const name = explicit('Name') ?? generated;
        physical = { ref: name, attributes: { Arn: `${arnBase('events')}:event-bus/${name}`, Name: name } };
        break;
      }
      case 'AWS::Events::Rule': {
        // Ref gives the rule's name; rules on the default bus have ARN rule/<name>.
        const name = explicit('Name') ?? generated.slice(0, 64);
        const bus = explicit('EventBusName');
        const path = bus && bus !== 'default' && !bus.startsWith('arn:') ? `${bus}/${name}` : name;
        physical = { ref: name, attributes: { Arn: `${arnBase('events')}:rule/${path}` } };
        break;
      }
      case 'AWS::ApiGatewayV2::Api': {
        const apiId = `local${shortHash(`${stackName}/${id}`)}`;
        physical = {
          ref: apiId,
          attributes: { ApiId: apiId, ApiEndpoint: `https://${apiId}.execute-api.${region}.amazonaws.com` },
        };
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = explicit('LogGroupName') ?? `/local/${generated}`;
        physical = { ref: name, attributes: { Arn: `${arnBase('logs')}:log-group:${name}:*` } };
        break;
      }
      case 'AWS::IAM::Role': {
        const name = explicit('RoleName') ?? generated.slice(0, 64);
        physical = {
          ref: name,
          attributes: { Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`, RoleId: name },
        };
        break;
      }
      case 'AWS::IAM::ManagedPolicy': {
        // Ref of a managed policy is its ARN.
        const name = explicit('ManagedPolicyName') ?? generated.slice(0, 128);
        const arn = `arn:aws:iam::${LOCAL_ACCOUNT}:policy/${name}`;
        physical = { ref: arn, attributes: { PolicyArn: arn } };
        break;
      }
      case 'AWS::SQS::Queue': {
        const name = explicit('QueueName') ?? generated;
        physical = {
          ref: `http://sqs.local/${LOCAL_ACCOUNT}/${name}`,
          attributes: { Arn: `${arnBase('sqs')}:${name}`, QueueName: name },
        };
        break;
      }
      case 'AWS::SNS::Topic': {
        const name = explicit('TopicName') ?? generated;
        const arn = `${arnBase('sns')}:${name}`;
        physical = { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
        break;
      }
      default:
        // Everything else (policies, permissions, stages, alarms…) only needs a stable Ref.
        physical = { ref: `${id}-local`, attributes: { Arn: `${arnBase('local')}:${id}` } };
    }
    result.set(id, physical);
  }
  return result;
}

/** Resolves CloudFormation intrinsics in any JSON value against the local physical resources. */
export class IntrinsicResolver {
  private readonly pseudo: Record<string, string>;

  constructor(
    private readonly template: CfnTemplate,
    private readonly physical: Map<string, PhysicalResource>,
    options: TranslateOptions,
  ) {
    this.pseudo = PSEUDO(options);
  }

  resolve(value: unknown, where: string): Json {
    const resolved = this.walk(value, where);
    return resolved === NO_VALUE ? null : resolved;
  }

  resolveString(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new TemplateTranslationError(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
  }

  private walk(value: unknown, where: string): Json | typeof NO_VALUE {
    if (value === null || typeof value !== 'object') return value as Json;
    if (Array.isArray(value)) {
      return value.map((v, i) => this.walk(v, `${where}[${i}]`)).filter((v): v is Json => v !== NO_VALUE);
    }
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(first[0], first[1], where);
    }
    const out: Record<string, Json> = {};
    for (const [key, v] of entries) {
      const r = this.walk(v, `${where}.${key}`);
      if (r !== NO_VALUE) out[key] = r;
    }
    return out;
  }

  private ref(name: string, where: string): string | typeof NO_VALUE {
    if (name === 'AWS::NoValue') return NO_VALUE;
    const pseudo = this.pseudo[name];
    if (pseudo !== undefined) return pseudo;
    const resource = this.physical.get(name);
    if (resource) return resource.ref;
    const parameter = this.template.Parameters?.[name];
    if (parameter && parameter.Default !== undefined) return String(parameter.Default);
    throw new TemplateTranslationError(`${where}: Ref to unknown resource or parameter '${name}'`);
  }

  private getAtt(args: unknown, where: string): string {
    const [id, attribute] = typeof args === 'string' ? args.split(/\.(.*)/s) : (args as [string, string]);
    const resource = id ? this.physical.get(id) : undefined;
    if (!resource || !attribute)
      throw new TemplateTranslationError(`${where}: Fn::GetAtt to unknown '${String(id)}'`);
    const value = resource.attributes[attribute];
    if (value === undefined) {
      const type = this.template.Resources?.[id as string]?.Type;
      throw new TemplateTranslationError(
        `${where}: the local cloud has no value for ${type} ${id}.${attribute}`,
      );
    }
    return value;
  }

  private intrinsic(fn: string, args: unknown, where: string): Json | typeof NO_VALUE {
    switch (fn) {
      case 'Ref':
        return this.ref(String(args), where);
      case 'Fn::GetAtt':
        return this.getAtt(args, where);
      case 'Fn::Join': {
        const [separator, parts] = args as [string, unknown[]];
        const list = this.walk(parts, where);
        if (!Array.isArray(list)) throw new TemplateTranslationError(`${where}: Fn::Join needs a list`);
        return list.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] =
          typeof args === 'string' ? [args, {}] : (args as [string, Record<string, unknown>]);
        const vars = this.walk(variables, where) as Record<string, Json>;
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (name in vars) return String(vars[name]);
          if (name.includes('.')) return this.getAtt(name, where);
          const r = this.ref(name, where);
          return r === NO_VALUE ? '' : r;
        });
      }
      case 'Fn::Select': {
        const [index, list] = args as [unknown, unknown];
        const items = this.walk(list, where);
        const i = Number(this.walk(index, where));
        if (!Array.isArray(items) || items[i] === undefined) {
          throw new TemplateTranslationError(`${where}: Fn::Select index ${i} out of range`);
        }
        return items[i] as Json;
      }
      case 'Fn::Split': {
        const [separator, source] = args as [string, unknown];
        return this.resolveString(source, where).split(separator);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = args as [string, unknown, unknown];
        return this.walk(this.condition(condition, where) ? whenTrue : whenFalse, where);
      }
      case 'Fn::Base64':
        return Buffer.from(this.resolveString(args, where)).toString('base64');
      case 'Fn::GetAZs':
        return [`${this.pseudo['AWS::Region']}a`, `${this.pseudo['AWS::Region']}b`];
      default:
        throw new TemplateTranslationError(`${where}: the local cloud does not support ${fn}`);
    }
  }

  condition(name: string, where: string): boolean {
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new TemplateTranslationError(`${where}: unknown condition '${name}'`);
    return this.evaluateCondition(definition, where);
  }

  private evaluateCondition(expression: unknown, where: string): boolean {
    if (typeof expression === 'boolean') return expression;
    const [[fn, args] = ['', undefined]] = Object.entries(expression as Record<string, unknown>);
    switch (fn) {
      case 'Fn::Equals': {
        const [a, b] = args as [unknown, unknown];
        return JSON.stringify(this.walk(a, where)) === JSON.stringify(this.walk(b, where));
      }
      case 'Fn::Not':
        return !this.evaluateCondition((args as unknown[])[0], where);
      case 'Fn::And':
        return (args as unknown[]).every((a) => this.evaluateCondition(a, where));
      case 'Fn::Or':
        return (args as unknown[]).some((a) => this.evaluateCondition(a, where));
      case 'Condition':
        return this.condition(String(args), where);
      default:
        throw new TemplateTranslationError(`${where}: unsupported condition function ${fn}`);
    }
  }
}

function asString(value: Json, where: string): string {
  if (typeof value !== 'string') throw new TemplateTranslationError(`${where}: expected a string`);
  return value;
}

function stringArray(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function objectOf(value: Json | undefined): Record<string, Json> {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/** The throttling limits of a RouteSettings object, when it sets both. */
function throttleLimits(settings: Record<string, Json>): ThrottleLimits | undefined {
  const { ThrottlingBurstLimit: burstLimit, ThrottlingRateLimit: rateLimit } = settings;
  return typeof burstLimit === 'number' && typeof rateLimit === 'number'
    ? { burstLimit, rateLimit }
    : undefined;
}

/** Translates a synthesized template into the LocalModel. Throws TemplateTranslationError on what it cannot run. */
export function translateTemplate(template: CfnTemplate, options: TranslateOptions): LocalModel {
  const model = translateResources(template, options);
  const from = objectOf(template.Metadata?.['Skillcert::Web'] as Json | undefined).origin;
  const to = options.webOrigin;
  if (typeof from !== 'string' || !to || from === to) return model;
  // Exact origin, or the origin followed by a path: nothing else is rewritten.
  const move = (url: string) =>
    url === from || url.startsWith(`${from}/`) ? `${to}${url.slice(from.length)}` : url;
  for (const api of model.httpApis) if (api.cors) api.cors.allowOrigins = api.cors.allowOrigins.map(move);
  for (const pool of model.userPools) {
    for (const client of pool.clients) {
      if (client.callbackUrls) client.callbackUrls = client.callbackUrls.map(move);
      if (client.logoutUrls) client.logoutUrls = client.logoutUrls.map(move);
    }
  }
  // The web app's config.json names the template's origin in its redirect URIs: the site's own origin.
  for (const site of model.webSites) {
    site.replacements = [...site.replacements, { remote: from, local: 'web' }].sort(
      (a, b) => b.remote.length - a.remote.length,
    );
  }
  return model;
}

function translateResources(template: CfnTemplate, options: TranslateOptions): LocalModel {
  const physical = physicalResources(template, options);
  const resolver = new IntrinsicResolver(template, physical, options);
  const resources = Object.entries(template.Resources ?? {}).filter(
    ([id, r]) => !r.Condition || resolver.condition(r.Condition, id),
  );
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const props = (id: string, r: CfnResource) => objectOf(resolver.resolve(r.Properties ?? {}, id));
  const phys = (id: string) => physical.get(id) as PhysicalResource;

  // A Cognito issuer URL in the template becomes the local OIDC issuer for the same pool; the outside
  // OpenID provider a deployment names (template Metadata Skillcert::Identity) becomes the local issuer's
  // stand-in pool `oidc`.
  const cognitoIssuer = /^https:\/\/cognito-idp\.[^/]+\.amazonaws\.com(\.cn)?\/([^/]+)$/;
  const outside = objectOf(template.Metadata?.['Skillcert::Identity'] as Json | undefined);
  const outsideIssuer = outside.kind === 'oidc' ? String(outside.issuer) : undefined;
  const localIssuer = (issuer: string) => {
    if (outsideIssuer && issuer === outsideIssuer) return `${options.issuerBaseUrl}/${OIDC_STAND_IN}`;
    const match = cognitoIssuer.exec(issuer);
    return match ? `${options.issuerBaseUrl}/${match[2]}` : issuer;
  };

  const tables: LocalTable[] = [
    ...ofType('AWS::DynamoDB::Table'),
    ...ofType('AWS::DynamoDB::GlobalTable'),
  ].map(([id, r]) => {
    const p = props(id, r);
    const index = (list: Json | undefined) =>
      (Array.isArray(list) ? list : []).map((entry) => {
        const e = objectOf(entry);
        return {
          IndexName: asString(e.IndexName ?? null, `${id}.IndexName`),
          KeySchema: e.KeySchema as unknown as LocalTable['keySchema'],
          Projection: objectOf(e.Projection) as LocalTable['globalSecondaryIndexes'][number]['Projection'],
        };
      });
    const ttl = objectOf(p.TimeToLiveSpecification);
    return {
      logicalId: id,
      tableName: phys(id).ref,
      arn: phys(id).attributes.Arn as string,
      keySchema: p.KeySchema as unknown as LocalTable['keySchema'],
      attributeDefinitions: p.AttributeDefinitions as unknown as LocalTable['attributeDefinitions'],
      globalSecondaryIndexes: index(p.GlobalSecondaryIndexes),
      localSecondaryIndexes: index(p.LocalSecondaryIndexes),
      ...(ttl.Enabled === true && typeof ttl.AttributeName === 'string'
        ? { timeToLiveAttribute: ttl.AttributeName }
        : {}),
    };
  });

  const assetPathForKey = (s3Key: string, where: string): string => {
    const hash = s3Key.replace(/\.zip$/, '');
    const source = options.assetManifest.files?.[hash]?.source;
    if (!source?.path) throw new TemplateTranslationError(`${where}: no asset ${hash} in the asset manifest`);
    return join(options.assemblyDir, source.path);
  };

  const functions: LocalFunction[] = ofType('AWS::Lambda::Function').map(([id, r]) => {
    const p = props(id, r);
    const code = objectOf(p.Code);
    if (typeof code.S3Key !== 'string') {
      throw new TemplateTranslationError(`${id}: only asset-bundled functions (Code.S3Key) can run locally`);
    }
    const environment = Object.fromEntries(
      Object.entries(objectOf(objectOf(p.Environment).Variables)).map(([k, v]) => [
        k,
        typeof v === 'string' ? localIssuer(v) : JSON.stringify(v),
      ]),
    );
    // CloudFormation refuses a function that sets a variable Lambda reserves (Lambda sets it itself).
    const reserved = Object.keys(environment).filter((k) =>
      (RESERVED_LAMBDA_VARIABLES as readonly string[]).includes(k),
    );
    if (reserved.length > 0) {
      throw new TemplateTranslationError(
        `${id}: Environment.Variables sets ${reserved.join(', ')}, reserved by Lambda (Lambda sets ${reserved.length > 1 ? 'them' : 'it'} itself)`,
      );
    }
    // Lambda's quota: all environment variables of a function together at most 4 KB.
    const envBytes = Object.entries(objectOf(objectOf(p.Environment).Variables)).reduce(
      (sum, [k, v]) =>
        sum + Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v)),
      0,
    );
    if (envBytes > 4096) {
      throw new TemplateTranslationError(
        `${id}: its environment variables take ${envBytes} bytes; Lambda allows 4 KB (4096 bytes) in all`,
      );
    }
    return {
      logicalId: id,
      functionName: phys(id).ref,
      arn: phys(id).attributes.Arn as string,
      handler: asString(p.Handler ?? null, `${id}.Handler`),
      assetDir: assetPathForKey(code.S3Key, id),
      runtime: String(p.Runtime ?? 'nodejs22.x'),
      timeoutSeconds: Number(p.Timeout ?? 3),
      memoryMb: Number(p.MemorySize ?? 128),
      environment,
      ...(typeof objectOf(p.LoggingConfig).LogGroup === 'string'
        ? { logGroupName: objectOf(p.LoggingConfig).LogGroup as string }
        : {}),
      ...(typeof p.Role === 'string' ? { roleArn: p.Role } : {}),
    };
  });

  const stateMachines: LocalStateMachine[] = ofType('AWS::StepFunctions::StateMachine').map(([id, r]) => {
    const raw = r.Properties ?? {};
    const p = props(id, { ...r, Properties: { ...raw, Definition: undefined, DefinitionString: undefined } });
    let definitionText: string;
    if (raw.DefinitionString !== undefined) definitionText = resolver.resolveString(raw.DefinitionString, id);
    else if (raw.Definition !== undefined)
      definitionText = JSON.stringify(resolver.resolve(raw.Definition, id));
    else throw new TemplateTranslationError(`${id}: a state machine needs Definition or DefinitionString`);
    // DefinitionSubstitutions are ${name} placeholders filled at deploy time.
    const substitutions = objectOf(p.DefinitionSubstitutions);
    definitionText = definitionText.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) =>
      name in substitutions ? String(substitutions[name]) : whole,
    );
    let definition: Record<string, unknown>;
    try {
      definition = JSON.parse(definitionText) as Record<string, unknown>;
    } catch (error) {
      throw new TemplateTranslationError(`${id}: definition is not valid JSON: ${(error as Error).message}`);
    }
    if (definition.QueryLanguage === 'JSONata') {
      throw new TemplateTranslationError(`${id}: JSONata state machines cannot run locally; use JSONPath`);
    }
    const unfaithful = unfaithfulFields(definition.States as Record<string, AslState>);
    if (unfaithful.length > 0) {
      throw new TemplateTranslationError(
        `${id}: ${unfaithful.join('; ')}; the local engine runs only inline Maps and would run it differently`,
      );
    }
    return {
      logicalId: id,
      name: phys(id).attributes.Name as string,
      arn: phys(id).attributes.Arn as string,
      type: p.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      definition,
      ...(typeof p.RoleArn === 'string' ? { roleArn: p.RoleArn } : {}),
    };
  });

  const functionByArn = new Map(functions.map((f) => [f.arn, f]));
  const integrations = new Map(ofType('AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, props(id, r)]));
  const authorizers = new Map(ofType('AWS::ApiGatewayV2::Authorizer').map(([id, r]) => [id, props(id, r)]));
  const routes = ofType('AWS::ApiGatewayV2::Route').map(([id, r]) => ({ id, p: props(id, r), raw: r }));
  const stages = ofType('AWS::ApiGatewayV2::Stage').map(([id, r]) => props(id, r));

  const httpApis: LocalHttpApi[] = ofType('AWS::ApiGatewayV2::Api').map(([apiLogicalId, r]) => {
    const p = props(apiLogicalId, r);
    const apiId = phys(apiLogicalId).ref;
    if (p.ProtocolType !== undefined && p.ProtocolType !== 'HTTP') {
      throw new TemplateTranslationError(`${apiLogicalId}: only HTTP APIs run locally`);
    }
    const apiRoutes: LocalRoute[] = routes
      .filter(({ p: rp }) => rp.ApiId === apiId)
      .map(({ id, p: rp }) => {
        const target = String(rp.Target ?? '');
        const integrationRef = target.replace(/^integrations\//, '');
        const integrationEntry = [...integrations.entries()].find(
          ([iid]) => phys(iid).ref === integrationRef,
        );
        if (!integrationEntry)
          throw new TemplateTranslationError(`${id}: route target ${target} is not an integration`);
        const [integrationId, integration] = integrationEntry;
        const uri = String(integration.IntegrationUri ?? '');
        const fn = functionByArn.get(uri);
        if (integration.IntegrationType !== 'AWS_PROXY' || !fn) {
          throw new TemplateTranslationError(
            `${integrationId}: only Lambda proxy integrations run locally (${uri})`,
          );
        }
        let authorization: RouteAuthorization = { type: 'NONE' };
        if (rp.AuthorizationType === 'JWT') {
          const authorizerEntry = [...authorizers.entries()].find(
            ([aid]) => phys(aid).ref === rp.AuthorizerId,
          );
          if (!authorizerEntry)
            throw new TemplateTranslationError(`${id}: unknown authorizer ${String(rp.AuthorizerId)}`);
          const [authorizerId, authorizer] = authorizerEntry;
          const jwt = objectOf(authorizer.JwtConfiguration);
          authorization = {
            type: 'JWT',
            authorizerId,
            issuer: localIssuer(asString(jwt.Issuer ?? null, `${authorizerId}.Issuer`)),
            audience: stringArray(jwt.Audience),
            scopes: stringArray(rp.AuthorizationScopes),
            identitySource: stringArray(authorizer.IdentitySource)[0] ?? '$request.header.Authorization',
          };
        } else if (rp.AuthorizationType !== undefined && rp.AuthorizationType !== 'NONE') {
          throw new TemplateTranslationError(
            `${id}: authorization ${String(rp.AuthorizationType)} is not supported locally`,
          );
        }
        return { routeKey: String(rp.RouteKey), functionLogicalId: fn.logicalId, authorization };
      });
    const cors = objectOf(p.CorsConfiguration);
    const stage = stages.find((s) => s.ApiId === apiId);
    const accessLogSettings = objectOf(stage?.AccessLogSettings);
    const accessLogGroup = /:log-group:(.+?)(:\*)?$/.exec(
      String(accessLogSettings.DestinationArn ?? ''),
    )?.[1];
    const defaults = objectOf(stage?.DefaultRouteSettings);
    const throttle = throttleLimits(defaults);
    // RouteSettings: route key → settings; such a route is throttled by its own limits, and what it
    // leaves out comes from DefaultRouteSettings.
    const routeThrottles: Record<string, ThrottleLimits> = {};
    for (const [routeKey, settings] of Object.entries(objectOf(stage?.RouteSettings))) {
      if (!apiRoutes.some((route) => route.routeKey === routeKey)) {
        // API Gateway does not accept route settings for a route the API does not have.
        throw new TemplateTranslationError(
          `${apiLogicalId}: stage RouteSettings name unknown route '${routeKey}'`,
        );
      }
      const limits = throttleLimits({ ...defaults, ...objectOf(settings) });
      if (limits) routeThrottles[routeKey] = limits;
    }
    return {
      logicalId: apiLogicalId,
      apiId,
      routes: apiRoutes,
      ...(accessLogGroup && typeof accessLogSettings.Format === 'string'
        ? { accessLog: { logGroupName: accessLogGroup, format: accessLogSettings.Format } }
        : {}),
      ...(p.CorsConfiguration
        ? {
            cors: {
              allowOrigins: stringArray(cors.AllowOrigins),
              allowMethods: stringArray(cors.AllowMethods),
              allowHeaders: stringArray(cors.AllowHeaders),
              exposeHeaders: stringArray(cors.ExposeHeaders),
              allowCredentials: cors.AllowCredentials === true,
              ...(typeof cors.MaxAge === 'number' ? { maxAge: cors.MaxAge } : {}),
            },
          }
        : {}),
      ...(throttle ? { throttle } : {}),
      ...(Object.keys(routeThrottles).length > 0 ? { routeThrottles } : {}),
    };
  });

  const userPools: LocalUserPool[] = ofType('AWS::Cognito::UserPool').map(([id]) => {
    const userPoolId = phys(id).ref;
    const belongs = ([cid, cr]: [string, CfnResource]) => props(cid, cr).UserPoolId === userPoolId;
    return {
      logicalId: id,
      userPoolId,
      issuer: `${options.issuerBaseUrl}/${userPoolId}`,
      groups: ofType('AWS::Cognito::UserPoolGroup')
        .filter(belongs)
        .map(([gid, gr]) => String(props(gid, gr).GroupName ?? gid)),
      clients: ofType('AWS::Cognito::UserPoolClient')
        .filter(belongs)
        .map(([cid, cr]) => {
          const cp = props(cid, cr);
          const rotation = objectOf(cp.RefreshTokenRotation);
          return {
            logicalId: cid,
            clientId: phys(cid).ref,
            generateSecret: cp.GenerateSecret === true,
            allowedOAuthFlows: stringArray(cp.AllowedOAuthFlows),
            allowedOAuthScopes: stringArray(cp.AllowedOAuthScopes),
            callbackUrls: stringArray(cp.CallbackURLs),
            logoutUrls: stringArray(cp.LogoutURLs),
            tokenLifetimes: tokenLifetimes(cp),
            ...(rotation.Feature === 'ENABLED'
              ? { refreshRotation: { retryGraceSeconds: Number(rotation.RetryGracePeriodSeconds ?? 0) } }
              : {}),
          };
        }),
      resourceServers: ofType('AWS::Cognito::UserPoolResourceServer')
        .filter(belongs)
        .map(([sid, sr]) => {
          const sp = props(sid, sr);
          return {
            identifier: String(sp.Identifier),
            scopes: (Array.isArray(sp.Scopes) ? sp.Scopes : []).map((s) => String(objectOf(s).ScopeName)),
          };
        }),
    };
  });

  if (outsideIssuer) {
    // The first audience is the web app (a public client); the others are partner machine clients.
    const [web, ...partners] = stringArray(outside.audience);
    const recognizeScope = String(outside.recognizeScope);
    const webUrls = objectOf(outside.web);
    userPools.push({
      logicalId: 'OidcProvider',
      userPoolId: OIDC_STAND_IN,
      issuer: `${options.issuerBaseUrl}/${OIDC_STAND_IN}`,
      groups: Object.keys(objectOf(outside.groups)),
      clients: [
        ...(web
          ? [
              {
                logicalId: 'OidcWebClient',
                clientId: web,
                generateSecret: false,
                allowedOAuthFlows: ['code'],
                allowedOAuthScopes: ['openid', 'email', 'profile'],
                callbackUrls: stringArray(webUrls.callbackUrls),
                logoutUrls: stringArray(webUrls.logoutUrls),
                // What docs/web.md asks of an outside provider: short-lived tokens, rotating refresh tokens.
                tokenLifetimes: { accessSeconds: 3600, idSeconds: 3600, refreshSeconds: 7 * 86400 },
                refreshRotation: { retryGraceSeconds: 0 },
              },
            ]
          : []),
        ...partners.map((clientId, i) => ({
          logicalId: `OidcPartnerClient${i + 1}`,
          clientId,
          generateSecret: true,
          allowedOAuthFlows: ['client_credentials'],
          allowedOAuthScopes: [recognizeScope],
          callbackUrls: [],
          logoutUrls: [],
          tokenLifetimes: { accessSeconds: 3600, idSeconds: 3600, refreshSeconds: 0 },
        })),
      ],
      resourceServers: [],
      tokenShape: 'oidc',
      groupsClaim: String(outside.groupsClaim),
      groupNames: Object.fromEntries(
        Object.entries(objectOf(outside.groups)).map(([k, v]) => [k, String(v)]),
      ),
    });
  }

  const signingKeys = ofType('AWS::KMS::Key').map(([id, r]) => {
    const p = props(id, r);
    return {
      logicalId: id,
      keyId: phys(id).ref,
      arn: phys(id).attributes.Arn as string,
      keySpec: String(p.KeySpec ?? 'SYMMETRIC_DEFAULT'),
      keyUsage: String(p.KeyUsage ?? 'ENCRYPT_DECRYPT'),
      ...(p.KeyPolicy ? { keyPolicy: p.KeyPolicy as unknown as PolicyDocument } : {}),
    };
  });

  const buckets = ofType('AWS::S3::Bucket').map(([id]) => ({
    logicalId: id,
    bucketName: phys(id).ref,
    arn: phys(id).attributes.Arn as string,
  }));

  const eventBuses = ofType('AWS::Events::EventBus').map(([id]) => ({
    logicalId: id,
    name: phys(id).ref,
    arn: phys(id).attributes.Arn as string,
  }));

  const schedules = translateSchedules(ofType('AWS::Events::Rule'), props, phys, functions);

  const metricFilters: LocalMetricFilter[] = ofType('AWS::Logs::MetricFilter').flatMap(([id, r]) => {
    const p = props(id, r);
    const pattern = asString(p.FilterPattern ?? null, `${id}.FilterPattern`);
    try {
      compileFilterPattern(pattern);
    } catch (error) {
      throw new TemplateTranslationError(`${id}: ${(error as Error).message}`);
    }
    return (Array.isArray(p.MetricTransformations) ? p.MetricTransformations : []).map((entry) => {
      const t = objectOf(entry);
      return {
        logicalId: id,
        logGroupName: asString(p.LogGroupName ?? null, `${id}.LogGroupName`),
        pattern,
        namespace: String(t.MetricNamespace),
        metricName: String(t.MetricName),
        value: String(t.MetricValue ?? '1'),
        dimensions: Object.fromEntries(
          (Array.isArray(t.Dimensions) ? t.Dimensions : []).map((d) => [
            String(objectOf(d).Key),
            String(objectOf(d).Value),
          ]),
        ),
      };
    });
  });

  const alarms: LocalAlarm[] = ofType('AWS::CloudWatch::Alarm').flatMap(([id, r]) => {
    const p = props(id, r);
    if (typeof p.MetricName !== 'string' || typeof p.Namespace !== 'string') return []; // metric math: not locally
    return [
      {
        logicalId: id,
        namespace: p.Namespace,
        metricName: p.MetricName,
        dimensions: Object.fromEntries(
          (Array.isArray(p.Dimensions) ? p.Dimensions : []).map((d) => [
            String(objectOf(d).Name),
            String(objectOf(d).Value),
          ]),
        ),
        threshold: Number(p.Threshold),
        comparison: String(p.ComparisonOperator),
        periodSeconds: Number(p.Period ?? 60),
        evaluationPeriods: Number(p.EvaluationPeriods ?? 1),
        datapointsToAlarm: Number(p.DatapointsToAlarm ?? p.EvaluationPeriods ?? 1),
        actions: stringArray(p.AlarmActions),
      },
    ];
  });

  const outputs = Object.fromEntries(
    Object.entries(template.Outputs ?? {}).map(([name, o]) => [
      name,
      resolver.resolveString(o.Value, `Outputs.${name}`),
    ]),
  );

  // The web app: its remote endpoints (API, issuer, Cognito's login domain, CloudFront's own domain) are
  // replaced by the local ones when the site starts (web-site.ts).
  const originOf = (url: string) => new URL(url).origin;
  const webReplacements = [
    ...ofType('AWS::ApiGatewayV2::Api').map(([id]) => ({
      remote: phys(id).attributes.ApiEndpoint as string,
      local: 'api',
    })),
    ...ofType('AWS::Cognito::UserPool').flatMap(([id]) => {
      const url = phys(id).attributes.ProviderURL as string;
      return [
        { remote: url, local: localIssuer(url) },
        { remote: originOf(url), local: options.issuerBaseUrl },
      ];
    }),
    ...ofType('AWS::Cognito::UserPoolDomain').map(([id]) => ({
      remote: `https://${phys(id).ref}.auth.${options.region}.amazoncognito.com`,
      local: options.issuerBaseUrl,
    })),
    ...(outsideIssuer
      ? [
          { remote: outsideIssuer, local: localIssuer(outsideIssuer) },
          { remote: originOf(outsideIssuer), local: options.issuerBaseUrl },
        ]
      : []),
    ...ofType('AWS::CloudFront::Distribution').map(([id]) => ({
      remote: `https://${phys(id).attributes.DomainName}`,
      local: 'web',
    })),
  ];
  const byId = new Map(resources);
  const webSites = translateWebSites(
    Object.fromEntries(resources),
    (id) => props(id, byId.get(id) as CfnResource),
    assetPathForKey,
    webReplacements,
  );

  return {
    stackName: options.stackName,
    region: options.region,
    account: LOCAL_ACCOUNT,
    tables,
    functions,
    stateMachines,
    httpApis,
    userPools,
    signingKeys,
    eventBuses,
    buckets,
    schedules,
    metricFilters,
    alarms,
    outputs,
    roles: translateRoles(resources, (id) => props(id, template.Resources?.[id] as CfnResource), phys),
    webSites,
  };
}

/** Input paths the local cloud follows: `$` and plain member chains (`$.detail`, `$.resources`). */
const SIMPLE_INPUT_PATH = /^\$(\.[A-Za-z0-9_-]+)*$/;

/**
 * AWS::Events::Rule resources with a ScheduleExpression become schedules. Event-pattern rules (no
 * ScheduleExpression) are not run locally and are left out; nothing else in the template is ignored
 * silently: an expression EventBridge would refuse, a rule on a custom bus, a target that is not one
 * of the stack's Lambda functions, an InputTransformer or a dead-letter queue stops start-up.
 */
function translateSchedules(
  rules: [string, CfnResource][],
  props: (id: string, r: CfnResource) => Record<string, Json>,
  phys: (id: string) => PhysicalResource,
  functions: LocalFunction[],
): LocalSchedule[] {
  const functionByArn = new Map(functions.map((f) => [f.arn, f]));
  const schedules: LocalSchedule[] = [];
  for (const [id, r] of rules) {
    const p = props(id, r);
    if (p.ScheduleExpression === undefined || p.ScheduleExpression === null) continue;
    const expression = asString(p.ScheduleExpression, `${id}.ScheduleExpression`);
    let schedule: LocalSchedule['schedule'];
    try {
      schedule = parseScheduleExpression(expression);
    } catch (error) {
      if (!(error instanceof ScheduleExpressionError)) throw error;
      throw new TemplateTranslationError(`${id}: ScheduleExpression ${error.message}`);
    }
    const bus = p.EventBusName;
    const defaultBus = (name: Json) =>
      name === 'default' || (typeof name === 'string' && name.endsWith(':event-bus/default'));
    if (bus !== undefined && bus !== null && !defaultBus(bus)) {
      // EventBridge accepts schedule expressions only on the default bus.
      throw new TemplateTranslationError(
        `${id}: a scheduled rule must be on the default event bus, not ${String(bus)}`,
      );
    }
    const state = p.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') {
      throw new TemplateTranslationError(`${id}: State ${String(state)} is not valid for a scheduled rule`);
    }
    const targets: LocalScheduleTarget[] = (Array.isArray(p.Targets) ? p.Targets : []).map((entry, i) => {
      const t = objectOf(entry);
      const targetId = String(t.Id ?? i);
      const where = `${id}.Targets[${targetId}]`;
      const arn = String(t.Arn ?? '');
      const fn = functionByArn.get(arn);
      if (!fn) {
        throw new TemplateTranslationError(
          `${where}: only the stack's own Lambda functions can be scheduled targets locally (${arn})`,
        );
      }
      for (const unsupported of ['InputTransformer', 'DeadLetterConfig']) {
        if (t[unsupported] !== undefined) {
          throw new TemplateTranslationError(`${where}: ${unsupported} is not supported locally`);
        }
      }
      if (t.Input !== undefined && t.InputPath !== undefined) {
        throw new TemplateTranslationError(`${where}: a target takes Input or InputPath, not both`);
      }
      let input: LocalScheduleTarget['input'] = { kind: 'event' };
      if (t.Input !== undefined) {
        const text = asString(t.Input, `${where}.Input`);
        try {
          input = { kind: 'constant', value: JSON.parse(text) };
        } catch (error) {
          throw new TemplateTranslationError(
            `${where}: Input is not valid JSON: ${(error as Error).message}`,
          );
        }
      } else if (t.InputPath !== undefined) {
        const path = asString(t.InputPath, `${where}.InputPath`);
        if (!SIMPLE_INPUT_PATH.test(path)) {
          throw new TemplateTranslationError(
            `${where}: InputPath ${path} is not supported locally (only $ and $.member.member…)`,
          );
        }
        input = { kind: 'path', path: path.split('.').slice(1) };
      }
      const retry = objectOf(t.RetryPolicy);
      return {
        id: targetId,
        functionLogicalId: fn.logicalId,
        functionName: fn.functionName,
        functionArn: fn.arn,
        input,
        maximumRetryAttempts:
          typeof retry.MaximumRetryAttempts === 'number' ? retry.MaximumRetryAttempts : 185,
        maximumEventAgeSeconds:
          typeof retry.MaximumEventAgeInSeconds === 'number' ? retry.MaximumEventAgeInSeconds : 86_400,
      };
    });
    schedules.push({
      logicalId: id,
      name: phys(id).ref,
      arn: phys(id).attributes.Arn as string,
      expression,
      schedule,
      enabled: state === 'ENABLED',
      targets,
    });
  }
  return schedules;
}

/** Reads a stack's template and asset manifest from a cloud assembly folder (cdk.out). */
export function readStackArtifacts(
  assemblyDir: string,
  stackName: string,
): { template: CfnTemplate; assetManifest: AssetManifest } {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<
      string,
      { type: string; properties?: { templateFile?: string; file?: string }; displayName?: string }
    >;
  };
  const artifacts = manifest.artifacts ?? {};
  const stack = artifacts[stackName];
  if (stack?.type !== 'aws:cloudformation:stack' || !stack.properties?.templateFile) {
    const names = Object.entries(artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([n]) => n);
    throw new TemplateTranslationError(
      `No stack '${stackName}' in ${assemblyDir} (stacks: ${names.join(', ') || 'none'})`,
    );
  }
  const template = JSON.parse(
    readFileSync(join(assemblyDir, stack.properties.templateFile), 'utf8'),
  ) as CfnTemplate;
  const assets = artifacts[`${stackName}.assets`];
  const assetManifest = assets?.properties?.file
    ? (JSON.parse(readFileSync(join(assemblyDir, assets.properties.file), 'utf8')) as AssetManifest)
    : {};
  return { template, assetManifest };
}

const VALIDITY_UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/**
 * A user pool client's token lifetimes in seconds, as Cognito reads AccessTokenValidity, IdTokenValidity
 * and RefreshTokenValidity with TokenValidityUnits (defaults: hours, hours, days; 1 h, 1 h, 30 days).
 */
export function tokenLifetimes(client: Record<string, Json>): {
  accessSeconds: number;
  idSeconds: number;
  refreshSeconds: number;
} {
  const units = objectOf(client.TokenValidityUnits);
  const seconds = (value: Json | undefined, unit: Json | undefined, defaultUnit: string, fallback: number) =>
    typeof value === 'number' ? value * (VALIDITY_UNIT_SECONDS[String(unit ?? defaultUnit)] ?? 1) : fallback;
  return {
    accessSeconds: seconds(client.AccessTokenValidity, units.AccessToken, 'hours', 3600),
    idSeconds: seconds(client.IdTokenValidity, units.IdToken, 'hours', 3600),
    refreshSeconds: seconds(client.RefreshTokenValidity, units.RefreshToken, 'days', 30 * 86400),
  };
}
