import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CfnElement, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_BASIC_EXECUTION_ROLE_ACK } from '../nag.js';

const FUNCTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'functions');
const HANDLERS_DIR = join(FUNCTIONS_DIR, 'handlers');
/** Replaces the SDK's default credential chain in bundles; see the file for why. */
const LAMBDA_CREDENTIALS = join(FUNCTIONS_DIR, 'shared', 'lambda-credentials.ts');
/** Replaces the SDK's event-stream serde, which none of our clients use; see the file for why. */
const NO_EVENT_STREAMS = join(FUNCTIONS_DIR, 'shared', 'no-event-streams.ts');
/** Replaces the HTTP client jsonld's network loader would use; see the file for why. */
const NO_HTTP_CLIENT = join(FUNCTIONS_DIR, 'shared', 'no-http-client.ts');

export interface SkillcertFunctionProps {
  /** File name under functions/handlers (without .ts), or an absolute entry path. */
  entry: string;
  description: string;
  environment?: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  /** Powertools service name; defaults to the construct id. */
  serviceName?: string;
  /**
   * Files the function reads at run time, copied into its asset beside the bundle: `to` is a path inside
   * the asset (the paper function's CJK font and harfbuzz's WebAssembly). They ship in the deploy artefact;
   * nothing is fetched at run time.
   */
  assetFiles?: { from: string; to: string }[];
  /** Extra esbuild aliases (module → stand-in file), each explained where it is set. */
  aliases?: Record<string, string>;
}

/**
 * Every skillcert Lambda function is built through this one construct, so runtime, architecture,
 * bundling, logging, tracing and Powertools settings are the same everywhere and changed in one place.
 */
/**
 * Whether X-Ray can trace here. AWS China: "Amazon X-Ray integration with Lambda functions is not available
 * in the China Regions" (docs.amazonaws.cn, Getting Started with AWS in China, Lambda); docs/deploy.md.
 */
/** What the functions' DynamoDB adapters call: GetItem, BatchGetItem, Query, and a transaction's ConditionCheck. */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
/** PutItem, UpdateItem, DeleteItem, alone or as items of TransactWriteItems. */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

export function tracingAvailable(scope: Construct): boolean {
  const region = Stack.of(scope).region;
  return Token.isUnresolved(region) || !region.startsWith('cn-');
}

export class SkillcertFunction extends Construct {
  readonly function: NodejsFunction;
  /** The function's own log group (JSON lines); Observability counts the errors it logs. */
  readonly logGroup: LogGroup;
  /** Powertools service name: the `service` of every log line. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: SkillcertFunctionProps) {
    super(scope, id);
    const traced = tracingAvailable(this);
    this.serviceName = props.serviceName ?? id;
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.logGroup = logGroup;
    const entry = props.entry.startsWith('/') ? props.entry : join(HANDLERS_DIR, `${props.entry}.ts`);
    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      // Graviton: cheaper per GB-second and as fast for this I/O-bound work.
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: traced ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        ...(traced ? {} : { POWERTOOLS_TRACE_ENABLED: 'false' }),
        POWERTOOLS_METRICS_NAMESPACE: 'skillcert',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        logLevel: LogLevel.WARNING,
        // Bundle the AWS SDK too: pinned versions, tree-shaken, and the same code locally and in AWS.
        externalModules: [],
        // Lambda's credentials are in the environment: skip the SDK's SSO/STS/INI/IMDS chain (≈135 KB).
        // No event streams either (≈ 10 KB): none of our clients has an operation that streams events.
        // No HTTP client for jsonld (≈ 420 KB with undici): JSON-LD contexts are bundled, never fetched.
        esbuildArgs: {
          '--alias:@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS,
          '--alias:@smithy/core/event-streams': NO_EVENT_STREAMS,
          '--alias:@digitalbazaar/http-client': NO_HTTP_CLIENT,
          ...Object.fromEntries(
            Object.entries(props.aliases ?? {}).map(([module, file]) => [`--alias:${module}`, file]),
          ),
        },
        // Some dependencies still call require(); give the ESM bundle one.
        banner:
          "import{createRequire as __scCreateRequire}from'module';const require=__scCreateRequire(import.meta.url);",
        ...(props.assetFiles?.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, output: string) =>
                  (props.assetFiles ?? []).map(
                    ({ from, to }) =>
                      `mkdir -p "${dirname(join(output, to))}" && cp "${from}" "${join(output, to)}"`,
                  ),
              },
            }
          : {}),
      },
    });
    Validations.of(this).acknowledge(LAMBDA_BASIC_EXECUTION_ROLE_ACK);
    if (traced) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions. Our own grants are asserted statement by statement in tests/infra.',
      });
    }
  }

  /** Raises the timeout of a function built elsewhere (a partner-facing one waits on other regions). */
  setTimeout(timeout: Duration): this {
    (this.function.node.defaultChild as CfnFunction).timeout = timeout.toSeconds();
    return this;
  }

  /**
   * Item reads on the table and its indexes. Narrower than CDK's grantReadData: no Scan, DescribeTable or
   * stream reads (GetRecords, GetShardIterator, DescribeStream), which no function calls — the local
   * cloud's IAM report showed them unused in every run (docs/local-cloud.md#iam).
   */
  grantTableRead(table: ITableV2): this {
    return this.grantTableActions(table, TABLE_READ_ACTIONS);
  }

  /** Item reads and writes. Narrower than grantReadWriteData: also no BatchWriteItem (nothing batches writes). */
  grantTableWrite(table: ITableV2): this {
    return this.grantTableActions(table, [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS]);
  }

  /**
   * For functions behind public routes: PutItem and UpdateItem only on items whose partition key matches
   * one of `leadingKeys` (IAM's fine-grained access control for DynamoDB). Used with grantTableRead.
   */
  grantTableWritesLimitedTo(table: ITableV2, leadingKeys: readonly string[]): this {
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } },
      }),
    );
    return this;
  }

  /**
   * Item actions on the table itself, and Query on its indexes: an index serves only Query and Scan,
   * so CDK's item actions on `<table>/index/*` grant nothing a call could use (the local cloud's IAM
   * report listed every one of them unused).
   */
  private grantTableActions(table: ITableV2, actions: string[]): this {
    this.function.addToRolePolicy(new PolicyStatement({ actions, resources: [table.tableArn] }));
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/*`] }),
    );
    return this.acknowledgeIndexAccess(table);
  }

  /** Table grants include `<table>/index/*` so queries can use gsi1; that wildcard covers only this table's indexes. */
  private acknowledgeIndexAccess(table: ITableV2): this {
    const stack = Stack.of(table);
    const logicalId = stack.resolve(stack.getLogicalId(table.node.defaultChild as CfnElement));
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
      reason: "Queries use the table's own secondary index; the wildcard is limited to that table's indexes.",
    });
    return this;
  }

  /** Only what a signer needs: Sign and GetPublicKey on this one key. */
  grantSign(key: IKey): this {
    key.grant(this.function, 'kms:Sign', 'kms:GetPublicKey');
    return this;
  }

  /** Only GenerateMac on the identity key: resident IDs in, MACs out, nothing else. */
  grantMac(key: IKey): this {
    key.grant(this.function, 'kms:GenerateMac');
    return this;
  }

  grantPublicKeyRead(key: IKey): this {
    key.grant(this.function, 'kms:GetPublicKey');
    return this;
  }
}
