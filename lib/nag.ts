import { type App, type Stack, Validations } from 'aws-cdk-lib';
import cdkNag from 'cdk-nag';

// cdk-nag is CommonJS whose named exports Node's ESM loader cannot detect; take it off the default.
const { AwsSolutionsChecks } = cdkNag;

/**
 * cdk-nag AwsSolutions on the whole app, through CDK's policy-validation plugins: an unacknowledged
 * finding fails the synth. Acknowledgements about our resources sit next to the resource with their
 * reason; the ones about CDK's own plumbing are made once, here.
 */
export function applyNag(app: App, stacks: Stack[]): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  for (const stack of stacks) {
    Validations.of(stack).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The managed log-delivery policy CDK attaches to Lambda roles; it only allows writing the function logs.',
    });
  }
}
