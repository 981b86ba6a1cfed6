// Synthesized templates of deployments for the infra tests, without bundling the functions (the template
// is what matters; cdk-nag still runs on every synth), and small readers of CloudFormation shapes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildAppOptions, buildApp } from '../../../lib/app.js';
import { type Deployment, defaultProofSuite, loadDeployment } from '../../../lib/deployments.js';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Metadata?: Record<string, unknown>;
  Rules?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

/** Synthesizes one deployment's stack (no bundling) and returns its template. */
export function synthTemplate(options: BuildAppOptions, context: Record<string, unknown> = {}): CfnTemplate {
  const saved = process.env.CDK_CONTEXT_JSON;
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context });
  try {
    const app = buildApp({ outdir: mkdtempSync(join(tmpdir(), 'skillcert-deploy-infra-')), ...options });
    return app.synth().stacks[0]?.template as CfnTemplate;
  } finally {
    if (saved === undefined) delete process.env.CDK_CONTEXT_JSON;
    else process.env.CDK_CONTEXT_JSON = saved;
  }
}

/** A committed deployment, changed for a test (another region, another identity provider…). */
export function variant(name: string, change: (d: Deployment) => Partial<Deployment>): Deployment {
  const base = loadDeployment(name);
  return { ...base, ...change(base) };
}

/** The deployments every template-wide test runs over: both partitions, both China regions, both IdPs. */
export function deploymentsUnderTest(): { label: string; options: BuildAppOptions }[] {
  return [
    { label: 'local demo (Cognito)', options: { region: 'neijiang' } },
    { label: 'local demo (OIDC)', options: { region: 'zigong', identity: 'oidc' } },
    { label: 'neijiang-prod (aws-cn, cn-northwest-1)', options: { deployment: 'neijiang-prod' } },
    { label: 'neijiang-staging (aws-cn)', options: { deployment: 'neijiang-staging' } },
    {
      label: 'neijiang-prod moved to cn-north-1',
      options: {
        deployment: variant('neijiang-prod', (d) => ({
          aws: { partition: 'aws-cn', region: 'cn-north-1' },
          name: `${d.name}-bj`,
        })),
      },
    },
    {
      label: 'a global deployment (aws, ap-southeast-1, Cognito with SES)',
      options: {
        deployment: variant('neijiang-staging', () => ({
          name: 'neijiang-global',
          aws: { partition: 'aws', region: 'ap-southeast-1' },
          // What a global deployment file gets when it names no suite (lib/deployments.ts).
          proofSuite: defaultProofSuite('aws'),
          publicDomain: 'skillcert-global.neijiang.gov.cn',
          certificateNumberPrefix: 'XG',
          web: {
            origin: 'https://app.skillcert-global.neijiang.gov.cn',
            domain: 'app.skillcert-global.neijiang.gov.cn',
            certificate: {
              arn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-00000000000a',
            },
          },
          identity: {
            kind: 'cognito',
            domainPrefix: 'skillcert-neijiang-global-7c2f',
            email: {
              from: 'no-reply@skillcert-global.neijiang.gov.cn',
              sesIdentity: 'skillcert-global.neijiang.gov.cn',
            },
          },
        })),
      },
    },
  ];
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(
    ([id, r]) => r.Type === type && (type !== 'AWS::Lambda::Function' || isOwnFunction(id)),
  );
}

/**
 * Our functions, not CDK's: the bucket deployment of the web app brings CDK's own custom-resource
 * function (Python), and a deployment that names its IAM server certificate brings the AwsCustomResource
 * function that reads its id; both run only while CloudFormation deploys. lib/constructs/web-app.ts
 * acknowledges their plumbing and tests/infra/web-app.test.ts covers them. Rules about our functions'
 * runtime, logs, alarms and bundles are not about them.
 */
export function isOwnFunction(logicalId: string): boolean {
  return !/^(CustomCDKBucketDeployment|AWS679f53fac002430cb0da5b7982bd2287)/.test(logicalId);
}

/** Logical ids a value refers to by Ref, Fn::GetAtt or ${…} in Fn::Sub. */
export function referencesIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) into.add(v);
      else if (k === 'Fn::GetAtt')
        into.add(Array.isArray(v) ? String(v[0]) : (String(v).split('.')[0] ?? ''));
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? String(v[0]) : String(v);
        for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) if (m[1]) into.add(m[1]);
        if (Array.isArray(v)) referencesIn(v[1], into);
      } else referencesIn(v, into);
    }
  }
  return into;
}

/** Everything CloudFormation creates before a resource: its DependsOn and references, transitively. */
export function createdBefore(template: CfnTemplate, logicalId: string): Set<string> {
  const direct = (id: string) => {
    const r = template.Resources[id];
    if (!r) return [];
    const deps = referencesIn(r.Properties ?? {});
    for (const d of [r.DependsOn ?? []].flat()) deps.add(d);
    return [...deps].filter((d) => d in template.Resources);
  };
  const seen = new Set<string>();
  const queue = direct(logicalId);
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...direct(next));
  }
  return seen;
}

/** Every string in a value with its path, object keys included (a key can name a resource too). */
export function stringsIn(value: unknown, path = ''): { path: string; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
      { path: `${path}.${k}#key`, text: k },
      ...stringsIn(v, `${path}.${k}`),
    ]);
  }
  return [];
}
