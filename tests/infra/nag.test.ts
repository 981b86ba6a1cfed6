// cdk-nag's AwsSolutions runs on every synth and fails it on any finding we have not acknowledged with a
// reason. The real stack synthesizing (stack.test.ts) proves it has none; this proves the gate is live.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { applyNag } from '../../lib/nag.js';

function appWithBareTable() {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'skillcert-nag-')) });
  const stack = new Stack(app, 'NagProbe');
  // No point-in-time recovery: AwsSolutions-DDB3.
  const table = new Table(stack, 'Bare', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  applyNag(app, [stack]);
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
