import { App, Duration } from 'aws-cdk-lib';
import { PROOF_SUITES, type ProofSuite } from '../functions/domain/credential.js';
import { type Deployment, DeploymentError, loadDeployment, localDeployment } from './deployments.js';
import { applyNag } from './nag.js';
import { SkillcertStack } from './skillcert-stack.js';

export interface BuildAppOptions {
  outdir?: string;
  /**
   * A real deployment: the name of a committed deployments/<name>.json (context `deployment`), or a
   * deployment object (tests). Everything it deploys is in that description; see docs/deploy.md.
   */
  deployment?: string | Deployment;
  /** The local demo of a certification region (neijiang, zigong, …; context `region`, else neijiang). */
  region?: string;
  /** The local demo's identity provider: a Cognito user pool (default) or an outside OIDC provider. */
  identity?: 'cognito' | 'oidc';
  /** Tests shorten the marking timeout to see the reassignment path; production keeps the default. */
  markingTimeoutSeconds?: number;
  /** Tests shorten the first retry wait of revocation notices to see retries within seconds. */
  noticeRetrySeconds?: number;
  /** Tests make a notice's delivery round give up after a few retries, to see the next round start. */
  noticeMaxAttempts?: number;
  /** Tests shorten how long a partner's status list is reused (default 300 s), to see the bound hold. */
  partnerStatusListCacheSeconds?: number;
  /** The local demo's web app origin (context `webOrigin`, else loopback at the region's port base + 5). */
  webOrigin?: string;
  /** The local demo's signing key generation (context `signingKeyGeneration`, else 1); see docs/keys.md. */
  signingKeyGeneration?: number;
  /** The local demo's Data Integrity cryptosuite (context `proofSuite`, else eddsa-rdfc-2022). */
  proofSuite?: ProofSuite;
}

/** Which deployment the options and the CDK context ask for. */
export function resolveDeployment(app: App, options: BuildAppOptions = {}): Deployment {
  const context = (key: string) => app.node.tryGetContext(key) as string | undefined;
  const named = options.deployment ?? context('deployment');
  const generation = options.signingKeyGeneration ?? context('signingKeyGeneration');
  const proofSuite = options.proofSuite ?? context('proofSuite');
  if (proofSuite !== undefined && !(PROOF_SUITES as readonly string[]).includes(proofSuite)) {
    throw new DeploymentError(`proofSuite must be one of ${PROOF_SUITES.join(', ')}, not ${proofSuite}`);
  }
  if (named !== undefined) {
    if (options.region !== undefined || context('region') !== undefined) {
      throw new DeploymentError('Give a deployment or a local demo region, not both');
    }
    if (generation !== undefined) {
      // The generation lives in the committed deployment file, so every deploy of it agrees.
      throw new DeploymentError(
        `A deployment's signing key generation is its file's signingKeyGeneration; -c signingKeyGeneration is for the local demo only`,
      );
    }
    if (proofSuite !== undefined) {
      throw new DeploymentError(
        `A deployment's proof suite is its file's proofSuite; -c proofSuite is for the local demo only`,
      );
    }
    return typeof named === 'string' ? loadDeployment(named) : named;
  }
  return localDeployment(options.region ?? context('region') ?? 'neijiang', {
    ...(generation !== undefined ? { signingKeyGeneration: Number(generation) } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(proofSuite !== undefined ? { proofSuite: proofSuite as ProofSuite } : {}),
    ...((options.webOrigin ?? context('webOrigin'))
      ? { webOrigin: (options.webOrigin ?? context('webOrigin')) as string }
      : {}),
  });
}

/** The CDK app: one stack for one deployment. Synth needs no AWS credentials. */
export function buildApp(options: BuildAppOptions = {}): App {
  const app = new App({ ...(options.outdir ? { outdir: options.outdir } : {}) });
  const deployment = resolveDeployment(app, options);
  const markingTimeoutSeconds =
    options.markingTimeoutSeconds ?? Number(app.node.tryGetContext('markingTimeoutSeconds') ?? 0);
  const { region } = deployment;
  new SkillcertStack(app, `Skillcert-${deployment.name}`, {
    deployment,
    description: `skillcert ${deployment.name}: vocational skill certification for ${region.nameEn} (${region.nameZh})`,
    ...(markingTimeoutSeconds > 0 ? { markingTimeout: Duration.seconds(markingTimeoutSeconds) } : {}),
    ...(options.noticeRetrySeconds
      ? { noticeRetryInterval: Duration.seconds(options.noticeRetrySeconds) }
      : {}),
    ...(options.noticeMaxAttempts ? { noticeMaxAttempts: options.noticeMaxAttempts } : {}),
    ...(options.partnerStatusListCacheSeconds !== undefined
      ? { partnerStatusListCache: Duration.seconds(options.partnerStatusListCacheSeconds) }
      : {}),
    ...(deployment.aws
      ? {
          env: {
            region: deployment.aws.region,
            ...(deployment.aws.account ? { account: deployment.aws.account } : {}),
          },
        }
      : process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
        ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
        : {}),
  });
  applyNag(app);
  return app;
}
