import { type App, Validations } from 'aws-cdk-lib';
import cdkNag from 'cdk-nag';

// cdk-nag is CommonJS whose named exports Node's ESM loader cannot detect; take it off the default.
const { AwsSolutionsChecks } = cdkNag;

/**
 * cdk-nag AwsSolutions (v3: cdk-nag is a CDK policy-validation plugin, and `Validations.of(construct)
 * .acknowledge()` replaces v2's NagSuppressions) on the whole app: any finding, error or warning, that is
 * not acknowledged fails the synth. Every acknowledgement sits next to the construct it concerns, with
 * its reason; tests/infra/nag.test.ts checks that none is made on a whole stack or app.
 */
export function applyNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

/** Acknowledgements for the CDK plumbing of one Lambda function (used by SkillcertFunction). */
export const LAMBDA_BASIC_EXECUTION_ROLE_ACK = {
  id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  reason:
    'The managed policy CDK attaches to every Lambda role only lets the function write its own CloudWatch logs; a hand-written copy would be the same three actions.',
};
