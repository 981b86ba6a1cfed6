// vitest globalSetup of the integration project: each run starts with no IAM records, and its end
// writes the least-privilege report of every local cloud the tests started (.skillcert/iam-report.json).
import { clearIamRuns, writeIamReport } from '../../local/iam/report.js';

export async function setup() {
  await clearIamRuns();
}

export async function teardown() {
  const { summary } = await writeIamReport();
  console.log(`\n${summary}`);
}
