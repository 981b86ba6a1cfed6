// cdk-nag's AwsSolutions runs on every synth and fails it on any finding we have not acknowledged with a
// reason. The real stack synthesizing (stack.test.ts) proves it has none; this proves the gate is live.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Stage, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.js';
import { applyNag } from '../../lib/nag.js';
import { buildIntegrationFixtureApp } from '../fixtures/integration-stack.js';
import { deploymentsUnderTest, synthTemplate } from './support/templates.js';

function appWithBareTable() {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'skillcert-nag-')) });
  const stack = new Stack(app, 'NagProbe');
  // No point-in-time recovery: AwsSolutions-DDB3.
  const table = new Table(stack, 'Bare', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  applyNag(app);
  return { app, table };
}

describe('cdk-nag gate', () => {
  it('fails the synth on an unacknowledged finding, naming the rule', () => {
    const { app } = appWithBareTable();
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    // Warnings fail the synth too: zero unacknowledged findings of any level.
    expect(message).toMatch(/WARNING The DynamoDB table does not have Point-in-time Recovery enabled/);
    expect(message).toMatch(/AwsSolutions-DDB3/);
  });

  it('lets a finding through only when it is acknowledged with a reason', () => {
    const { app, table } = appWithBareTable();
    Validations.of(table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'probe table holds nothing worth recovering',
    });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('every deployment', () => {
  // Both partitions, both China regions, both identity providers: what AWS China lacks (X-Ray) changes the
  // findings, so each is synthesized through the gate.
  it.each(deploymentsUnderTest().map((d) => [d.label, d.options] as const))(
    '%s passes cdk-nag with nothing unacknowledged',
    (_label, options) => {
      expect(() => synthTemplate(options)).not.toThrow();
    },
  );
});

describe('acknowledgements', () => {
  // Constructing (not synthesizing) the apps is enough to read what was acknowledged, and where.
  const apps = [
    buildApp({ outdir: mkdtempSync(join(tmpdir(), 'skillcert-ack-')) }),
    buildIntegrationFixtureApp(mkdtempSync(join(tmpdir(), 'skillcert-ack-fixture-'))),
  ];
  const acknowledgements = apps.flatMap((app) =>
    app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) =>
          Object.entries(m.data as Record<string, string>).map(([rule, reason]) => ({
            path: construct.node.path,
            construct,
            rule,
            reason,
          })),
        ),
    ),
  );

  it('exist, and each sits on a resource-level construct, never on a whole app or stack', () => {
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const a of acknowledgements) {
      expect(Stage.isStage(a.construct) || Stack.isStack(a.construct), a.path).toBe(false);
    }
  });

  it('each names one rule (no blanket rule ids) and gives a specific reason', () => {
    for (const { path, rule, reason } of acknowledgements) {
      expect(rule, path).toMatch(/AwsSolutions-[A-Z]+[0-9]+/);
      if (/AwsSolutions-IAM5/.test(rule))
        expect(rule, `${path}: IAM5 must name its finding`).toMatch(/\[.+\]$/);
      expect(reason.length, `${path} ${rule}: "${reason}"`).toBeGreaterThanOrEqual(60);
    }
  });
});
