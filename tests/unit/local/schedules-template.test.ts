import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Code, Function as LambdaFn, Runtime } from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CfnResource,
  type CfnTemplate,
  readStackArtifacts,
  TemplateTranslationError,
  translateTemplate,
} from '../../../local/template.js';

const options = {
  stackName: 'Skillcert-test',
  region: 'ap-southeast-1',
  assemblyDir: '/assembly',
  assetManifest: { files: { abc123: { source: { path: 'asset.abc123', packaging: 'zip' } } } },
  issuerBaseUrl: 'http://127.0.0.1:9999',
};

const SWEEP_ARN = 'arn:aws:lambda:ap-southeast-1:000000000000:function:Skillcert-test-Sweep';

/** A function and a scheduled rule targeting it, as CDK emits them; `rule` overrides the rule's properties. */
function template(rule: Record<string, unknown> = {}, extra: Record<string, CfnResource> = {}): CfnTemplate {
  return {
    Resources: {
      Sweep: {
        Type: 'AWS::Lambda::Function',
        Properties: { Code: { S3Bucket: 'assets', S3Key: 'abc123.zip' }, Handler: 'index.handler' },
      },
      Schedule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'rate(5 minutes)',
          State: 'ENABLED',
          Targets: [
            {
              Arn: { 'Fn::GetAtt': ['Sweep', 'Arn'] },
              Id: 'Target0',
              RetryPolicy: { MaximumRetryAttempts: 2 },
            },
          ],
          ...rule,
        },
      },
      ...extra,
    },
  };
}

const translate = (t: CfnTemplate) => translateTemplate(t, options);

function refusal(t: CfnTemplate): string {
  try {
    translate(t);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateTranslationError);
    return (error as Error).message;
  }
  throw new Error('the template was accepted');
}

describe('translateTemplate: scheduled rules', () => {
  it('turns a scheduled rule into a schedule with its Lambda targets and retry policy', () => {
    const { schedules } = translate(template());
    expect(schedules).toEqual([
      {
        logicalId: 'Schedule',
        name: 'Skillcert-test-Schedule',
        arn: 'arn:aws:events:ap-southeast-1:000000000000:rule/Skillcert-test-Schedule',
        expression: 'rate(5 minutes)',
        schedule: { kind: 'rate', periodMs: 300_000 },
        enabled: true,
        targets: [
          {
            id: 'Target0',
            functionLogicalId: 'Sweep',
            functionName: 'Skillcert-test-Sweep',
            functionArn: SWEEP_ARN,
            input: { kind: 'event' },
            maximumRetryAttempts: 2,
            maximumEventAgeSeconds: 86_400,
          },
        ],
      },
    ]);
  });

  it('keeps an explicit Name, a DISABLED state, AWS’s retry defaults, Input and InputPath', () => {
    const { schedules } = translate(
      template({
        Name: 'nightly-sweep',
        State: 'DISABLED',
        ScheduleExpression: 'cron(0 2 * * ? *)',
        Targets: [
          { Arn: SWEEP_ARN, Id: 'Constant', Input: '{"sweep":"all"}' },
          { Arn: SWEEP_ARN, Id: 'Path', InputPath: '$.detail' },
        ],
      }),
    );
    const [schedule] = schedules;
    expect(schedule).toMatchObject({
      name: 'nightly-sweep',
      arn: 'arn:aws:events:ap-southeast-1:000000000000:rule/nightly-sweep',
      enabled: false,
      schedule: { kind: 'cron', cron: { minutes: [0], hours: [2] } },
    });
    expect(schedule?.targets).toEqual([
      expect.objectContaining({
        input: { kind: 'constant', value: { sweep: 'all' } },
        maximumRetryAttempts: 185,
        maximumEventAgeSeconds: 86_400,
      }),
      expect.objectContaining({ input: { kind: 'path', path: ['detail'] } }),
    ]);
  });

  it('a Ref to a rule gives its name, and its Arn is an events rule ARN', () => {
    const model = translate({
      ...template(),
      Outputs: {
        RuleName: { Value: { Ref: 'Schedule' } },
        RuleArn: { Value: { 'Fn::GetAtt': ['Schedule', 'Arn'] } },
      },
    });
    expect(model.outputs).toEqual({
      RuleName: 'Skillcert-test-Schedule',
      RuleArn: 'arn:aws:events:ap-southeast-1:000000000000:rule/Skillcert-test-Schedule',
    });
  });

  it('leaves event-pattern rules out (they are not run locally)', () => {
    const { schedules } = translate(
      template({ ScheduleExpression: undefined, EventPattern: { source: ['skillcert.certification'] } }),
    );
    expect(schedules).toEqual([]);
  });

  it.each([
    ['rate(5 minute)', /Schedule: ScheduleExpression rate\(5 minute\): use the plural unit/],
    ['rate(30 seconds)', /Schedule: ScheduleExpression rate\(30 seconds\)/],
    [
      'cron(0 12 * * *)',
      /Schedule: ScheduleExpression cron\(0 12 \* \* \*\): EventBridge cron has six fields/,
    ],
    ['cron(0 12 * * * *)', /Schedule: .*exactly one of day-of-month and day-of-week must be '\?'/],
    ['at(2026-01-01T00:00:00)', /Schedule: ScheduleExpression 'at\(2026-01-01T00:00:00\)' is neither/],
  ])('refuses the expression %s, naming the rule', (expression, message) => {
    expect(refusal(template({ ScheduleExpression: expression }))).toMatch(message);
  });

  it('refuses targets that are not the stack’s Lambda functions', () => {
    const queue: Record<string, CfnResource> = { Queue: { Type: 'AWS::SQS::Queue', Properties: {} } };
    expect(
      refusal(template({ Targets: [{ Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Id: 'Q' }] }, queue)),
    ).toMatch(
      /^Schedule\.Targets\[Q\]: only the stack's own Lambda functions can be scheduled targets locally \(arn:aws:sqs:/,
    );
    expect(
      refusal(
        template({
          Targets: [{ Arn: 'arn:aws:lambda:us-east-1:123456789012:function:elsewhere', Id: 'Far' }],
        }),
      ),
    ).toMatch(/Schedule\.Targets\[Far\]: only the stack's own Lambda functions/);
  });

  it.each([
    [
      { InputTransformer: { InputTemplate: '"x"' } },
      /Targets\[Target0\]: InputTransformer is not supported locally/,
    ],
    [
      { DeadLetterConfig: { Arn: 'arn:aws:sqs:x' } },
      /Targets\[Target0\]: DeadLetterConfig is not supported locally/,
    ],
    [{ Input: '{not json' }, /Targets\[Target0\]: Input is not valid JSON/],
    [{ InputPath: '$.detail[0]' }, /Targets\[Target0\]: InputPath \$\.detail\[0\] is not supported locally/],
  ])('refuses target settings it cannot honour: %j', (settings, message) => {
    const targets = [{ Arn: SWEEP_ARN, Id: 'Target0', ...settings }];
    expect(refusal(template({ Targets: targets }))).toMatch(message);
  });

  it('refuses a scheduled rule on a custom bus (EventBridge allows schedules only on the default bus)', () => {
    const bus: Record<string, CfnResource> = {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'domain' } },
    };
    expect(refusal(template({ EventBusName: { Ref: 'Bus' } }, bus))).toMatch(
      /Schedule: a scheduled rule must be on the default event bus, not domain/,
    );
    expect(translate(template({ EventBusName: 'default' })).schedules).toHaveLength(1);
  });
});

describe('a rule synthesized by CDK, as lib/constructs/partners.ts declares it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skillcert-schedules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('becomes a rate(5 minutes) schedule invoking the function with two retries', { timeout: 60_000 }, () => {
    const code = join(dir, 'code');
    mkdirSync(code);
    writeFileSync(join(code, 'index.js'), 'exports.handler = async () => ({});\n');
    const app = new App({ outdir: join(dir, 'cdk.out') });
    const stack = new Stack(app, 'ScheduleTest', {
      env: { account: '000000000000', region: 'ap-southeast-1' },
    });
    const fn = new LambdaFn(stack, 'DispatchNoticesFunction', {
      code: Code.fromAsset(code),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_22_X,
    });
    new Rule(stack, 'DispatchNoticesSchedule', {
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(fn, { retryAttempts: 2 })],
    });
    const assembly = app.synth();
    const { template: synthesized, assetManifest } = readStackArtifacts(assembly.directory, 'ScheduleTest');
    const model = translateTemplate(synthesized, {
      ...options,
      stackName: 'ScheduleTest',
      assemblyDir: assembly.directory,
      assetManifest,
    });
    const [fnModel] = model.functions;
    expect(model.schedules).toEqual([
      expect.objectContaining({
        expression: 'rate(5 minutes)',
        schedule: { kind: 'rate', periodMs: 300_000 },
        enabled: true,
        targets: [
          expect.objectContaining({
            functionName: fnModel?.functionName,
            functionArn: fnModel?.arn,
            input: { kind: 'event' },
            maximumRetryAttempts: 2,
          }),
        ],
      }),
    ]);
  });
});
