import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PUBLIC_WRITE_KEYS } from '../../functions/adapters/dynamodb-paper-store.js';
import { FONT_FILE } from '../../functions/paper/font.js';
import { type CertificationRegion, regionEnvironment } from '../regions.js';
import type { Api } from './api.js';
import { SkillcertFunction } from './function.js';

const require = createRequire(import.meta.url);
/** The CJK font (Noto Sans SC, OFL) from the npm package; its package exports only dist/. */
const FONT = join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts', FONT_FILE);
/** harfbuzz's subsetter; subset-font loads it with require.resolve from the bundle's folder. */
const SFNT_ONLY_FONTVERTER = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'functions',
  'shared',
  'sfnt-only-fontverter.ts',
);
const HARFBUZZ_WASM = require.resolve('harfbuzzjs/dist/harfbuzz-subset.wasm');

export interface PaperProps {
  region: CertificationRegion;
  table: TableV2;
  signingKey: IKey;
  signingKeyGeneration: number;
  api: Api;
}

/**
 * The certificate on paper and on its public page (docs/paper.md): the PDF function (made on demand, kept
 * in a private bucket), the holder's downloads and share link, and the public pages.
 */
export class Paper extends Construct {
  readonly documents: Bucket;
  readonly pdf: SkillcertFunction;
  readonly pages: SkillcertFunction;

  constructor(scope: Construct, id: string, props: PaperProps) {
    super(scope, id);
    const { region, table, api } = props;
    // Private: PDFs leave only through the functions, which check who asks. A lost object is made again.
    this.documents = new Bucket(this, 'Documents', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    Validations.of(this.documents).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'A cache of documents made from the table (certificate PDFs): every read goes through the paper function, which logs it; S3 access logs would add a second bucket and nothing to know.',
    });
    const environment = {
      TABLE_NAME: table.tableName,
      ...regionEnvironment(region),
      SIGNING_KEY_ID: props.signingKey.keyId,
      SIGNING_KEY_GENERATION: String(props.signingKeyGeneration),
      DOCUMENTS_BUCKET: this.documents.bucketName,
    };
    this.pdf = new SkillcertFunction(this, 'PaperApi', {
      entry: 'paper-api',
      description:
        "Certificate PDFs (made at the holder's first download or share, kept in S3), the holder's downloads, share link and activity",
      environment,
      // Subsetting an 8 MB CFF font: more memory is more CPU, and a cold PDF is made well within 15 s.
      memorySize: 1024,
      timeout: Duration.seconds(15),
      // subset-font's converter without its WOFF2 codec (1.2 MB): our font is OpenType in and out.
      aliases: { fontverter: SFNT_ONLY_FONTVERTER },
      assetFiles: [
        { from: FONT, to: FONT_FILE },
        { from: HARFBUZZ_WASM, to: 'node_modules/harfbuzzjs/dist/harfbuzz-subset.wasm' },
      ],
    }).grantTableWrite(table);
    this.pdf.grantSign(props.signingKey);
    // Only what the cache does: read and write objects under certificates/ (no list, no delete).
    this.pdf.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.documents.arnForObjects('certificates/*')],
      }),
    );
    const stack = Stack.of(this);
    const bucketId = stack.resolve(stack.getLogicalId(this.documents.node.defaultChild as CfnElement));
    Validations.of(this.pdf).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/certificates/*]`,
      reason:
        'One object per certificate under certificates/: the PDF cache is the whole prefix, and only Get and Put are allowed.',
    });
    const { SIGNING_KEY_ID: _s, SIGNING_KEY_GENERATION: _g, ...pageEnvironment } = environment;
    // Public: reads, plus the lookup budget and the holder's activity feed (limited by partition key);
    // the PDF only as the holder's side made it (read from the cache, never rendered or signed here).
    this.pages = new SkillcertFunction(this, 'PublicPages', {
      entry: 'public-page',
      description:
        "The certificate's public page (/c/{token}), its cached PDF, and /verify, server-rendered HTML",
      environment: pageEnvironment,
    })
      .grantTableRead(table)
      .grantTableWritesLimitedTo(table, PUBLIC_WRITE_KEYS);
    this.pages.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.documents.arnForObjects('certificates/*')],
      }),
    );
    Validations.of(this.pages).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/certificates/*]`,
      reason: 'Reads the PDF cache (one object per certificate under certificates/); Get only.',
    });

    const user = { kind: 'user' as const };
    for (const path of ['certificate.pdf', 'credential.jwt', 'credential.json', 'activity'])
      api.addRoute(HttpMethod.GET, `/me/certificates/{number}/${path}`, this.pdf.function, user);
    api.addRoute(HttpMethod.POST, '/me/certificates/{number}/share', this.pdf.function, user);
    api.addRoute(HttpMethod.GET, '/c/{token}/certificate.pdf', this.pages.function, { kind: 'public' });
    api.addRoute(HttpMethod.GET, '/c/{token}', this.pages.function, { kind: 'public' });
    api.addRoute(HttpMethod.GET, '/verify', this.pages.function, { kind: 'public' });
    api.addRoute(HttpMethod.POST, '/verify', this.pages.function, { kind: 'public' });
    // Public routes get limits of their own; a PDF costs the most, and lookups also spend a per-client
    // budget in the table (certification/paper.ts).
    api.throttleRoute('GET /c/{token}', { burst: 50, rate: 25 });
    api.throttleRoute('GET /c/{token}/certificate.pdf', { burst: 10, rate: 5 });
    api.throttleRoute('GET /verify', { burst: 20, rate: 10 });
    api.throttleRoute('POST /verify', { burst: 10, rate: 5 });
  }
}
