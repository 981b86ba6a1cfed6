// npm run iam -- report   merges the IAM records of the local clouds run since the last `clear` (or
//                         the last integration test run) into .skillcert/iam-report.json and prints it short.
// npm run iam -- clear    forgets the recorded runs.
import { clearIamRuns, writeIamReport } from '../local/iam/report.js';

const [command] = process.argv.slice(2);
if (command === 'report') {
  const { report, summary } = await writeIamReport();
  console.log(summary);
  if (report.runs === 0)
    console.log(
      'No local cloud has run since the records were cleared: start one (npm start, npm test, npm run demo).',
    );
} else if (command === 'clear') {
  await clearIamRuns();
  console.log('IAM run records cleared. / 已清除 IAM 运行记录。');
} else {
  console.error('Usage / 用法: npm run iam -- report | clear');
  process.exitCode = 2;
}
