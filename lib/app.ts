import { App, Duration } from 'aws-cdk-lib';
import { applyNag } from './nag.js';
import { regionByCode } from './regions.js';
import { SkillcertStack } from './skillcert-stack.js';

export interface BuildAppOptions {
  outdir?: string;
  /** Certification region code (neijiang, zigong, …); default from context `region`, else neijiang. */
  region?: string;
  /** Tests shorten the marking timeout to see the reassignment path; production keeps the default. */
  markingTimeoutSeconds?: number;
  /** Tests shorten the first retry wait of revocation notices to see retries within seconds. */
  noticeRetrySeconds?: number;
  /** Tests make a notice's delivery round give up after a few retries, to see the next round start. */
  noticeMaxAttempts?: number;
  /** The active signing key generation (default from context `signingKeyGeneration`, else 1); see docs/keys.md. */
  signingKeyGeneration?: number;
}

/** The CDK app: one stack for one certification region. Synth needs no AWS credentials. */
export function buildApp(options: BuildAppOptions = {}): App {
  const app = new App({ ...(options.outdir ? { outdir: options.outdir } : {}) });
  const code = options.region ?? (app.node.tryGetContext('region') as string | undefined) ?? 'neijiang';
  const region = regionByCode(code);
  const authDomainPrefix = app.node.tryGetContext('authDomainPrefix') as string | undefined;
  const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
  const markingTimeoutSeconds =
    options.markingTimeoutSeconds ?? Number(app.node.tryGetContext('markingTimeoutSeconds') ?? 0);
  const signingKeyGeneration =
    options.signingKeyGeneration ?? Number(app.node.tryGetContext('signingKeyGeneration') ?? 1);
  new SkillcertStack(app, `Skillcert-${region.code}`, {
    certificationRegion: region,
    signingKeyGeneration,
    description: `skillcert: vocational skill certification for ${region.nameEn} (${region.nameZh})`,
    ...(authDomainPrefix ? { authDomainPrefix } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(markingTimeoutSeconds > 0 ? { markingTimeout: Duration.seconds(markingTimeoutSeconds) } : {}),
    ...(options.noticeRetrySeconds
      ? { noticeRetryInterval: Duration.seconds(options.noticeRetrySeconds) }
      : {}),
    ...(options.noticeMaxAttempts ? { noticeMaxAttempts: options.noticeMaxAttempts } : {}),
    ...(process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
      : {}),
  });
  applyNag(app);
  return app;
}
