// The least-privilege report: each local cloud writes what its roles did when it stops
// (`.skillcert/iam/runs/*.json`); the report merges the runs — per stack and role: calls refused, grants
// used, and grants of the template no call used — into `.skillcert/iam-report.json` and a short print.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { skillcertHome } from '../paths.js';
import type { IamMode, IamRunReport, RoleReport } from './authorizer.js';
import type { StatementRef } from './policy.js';

export const runsDir = () => join(skillcertHome(), 'iam', 'runs');
export const reportPath = () => join(skillcertHome(), 'iam-report.json');

export async function writeIamRun(report: IamRunReport, dir = runsDir()): Promise<void> {
  await mkdir(dir, { recursive: true });
  const name = `${report.stackName}-${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}.json`;
  await writeFile(join(dir, name), JSON.stringify(report));
}

export async function clearIamRuns(dir = runsDir()): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface MergedRole {
  stackName: string;
  role: string;
  logicalId: string;
  callers: string[];
  calls: number;
  refused: RoleReport['refused'];
  usedGrants: (StatementRef & { count: number })[];
  unusedGrants: StatementRef[];
  notObservable: StatementRef[];
  unknownManagedPolicies: string[];
}

export interface IamReport {
  generatedAt: string;
  runs: number;
  modes: IamMode[];
  unknownConditionKeys: string[];
  roles: MergedRole[];
}

const grantKey = (r: StatementRef) => `${r.policy}#${r.index}|${r.action}|${r.resource}`;

/** Merges run records: a grant is unused only if no run of its stack used it. */
export function mergeIamRuns(runs: IamRunReport[], now = new Date()): IamReport {
  const roles = new Map<string, MergedRole>();
  const used = new Map<string, Map<string, StatementRef & { count: number }>>();
  for (const run of runs) {
    for (const r of run.roles) {
      const key = `${run.stackName}|${r.logicalId}`;
      let merged = roles.get(key);
      if (!merged) {
        merged = {
          stackName: run.stackName,
          role: r.role,
          logicalId: r.logicalId,
          callers: [],
          calls: 0,
          refused: [],
          usedGrants: [],
          unusedGrants: [],
          notObservable: r.notObservable,
          unknownManagedPolicies: r.unknownManagedPolicies,
        };
        roles.set(key, merged);
        used.set(key, new Map());
      }
      merged.callers = [...new Set([...merged.callers, ...r.callers])];
      merged.calls += r.calls;
      for (const refusal of r.refused) {
        const same = merged.refused.find(
          (x) =>
            x.action === refusal.action && x.resource === refusal.resource && x.caller === refusal.caller,
        );
        if (same) same.count += refusal.count;
        else merged.refused.push({ ...refusal });
      }
      const usedHere = used.get(key) as Map<string, StatementRef & { count: number }>;
      for (const g of r.usedGrants) {
        const prior = usedHere.get(grantKey(g));
        usedHere.set(grantKey(g), { ...g, count: (prior?.count ?? 0) + g.count });
      }
      for (const g of r.unusedGrants)
        if (!merged.unusedGrants.some((x) => grantKey(x) === grantKey(g))) merged.unusedGrants.push(g);
    }
  }
  for (const [key, merged] of roles) {
    const usedHere = used.get(key) as Map<string, StatementRef & { count: number }>;
    merged.usedGrants = [...usedHere.values()];
    merged.unusedGrants = merged.unusedGrants.filter((g) => !usedHere.has(grantKey(g)));
  }
  return {
    generatedAt: now.toISOString(),
    runs: runs.length,
    modes: [...new Set(runs.map((r) => r.mode))],
    unknownConditionKeys: [...new Set(runs.flatMap((r) => r.unknownConditionKeys))],
    roles: [...roles.values()].sort(
      (a, b) => a.stackName.localeCompare(b.stackName) || a.role.localeCompare(b.role),
    ),
  };
}

export async function readIamRuns(dir = runsDir()): Promise<IamRunReport[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const runs: IamRunReport[] = [];
  for (const name of names.sort()) {
    try {
      runs.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as IamRunReport);
    } catch {
      // A run cut off while writing (a killed process) is skipped, not fatal.
    }
  }
  return runs;
}

/** A few lines for the terminal: per role that made calls, refused ones and the unused grants. */
export function summarizeIamReport(report: IamReport, path = reportPath()): string {
  const lines = [
    `IAM: ${report.runs} local cloud run(s), mode ${report.modes.join('/') || '-'}; full report ${path}`,
    `IAM 最小权限报告：每个角色被拒绝的调用与未被使用的授权（${report.runs} 次运行）`,
  ];
  const grant = (g: StatementRef) => `${g.action} on ${g.resource}`;
  for (const role of report.roles) {
    if (role.calls === 0 && role.refused.length === 0) continue;
    const refusedCount = role.refused.reduce((n, r) => n + r.count, 0);
    lines.push(
      `  ${role.stackName}/${role.logicalId}: ${role.calls} call(s), ${refusedCount} refused, ${role.unusedGrants.length} grant(s) unused`,
    );
    for (const r of role.refused.slice(0, 5))
      lines.push(`    refused ${r.action} on ${r.resource} (${r.caller}) ×${r.count}`);
    for (const g of role.unusedGrants.slice(0, 8)) lines.push(`    unused  ${grant(g)}`);
    if (role.unusedGrants.length > 8) lines.push(`    … and ${role.unusedGrants.length - 8} more unused`);
  }
  const idle = report.roles.filter((r) => r.calls === 0 && r.refused.length === 0);
  if (idle.length > 0)
    lines.push(`  roles no call used at all: ${idle.map((r) => `${r.stackName}/${r.logicalId}`).join(', ')}`);
  if (report.unknownConditionKeys.length > 0)
    lines.push(`  conditions decided conservatively: ${report.unknownConditionKeys.join(', ')}`);
  return lines.join('\n');
}

/** Merges the runs on disk, writes `.skillcert/iam-report.json` and returns it with its summary. */
export async function writeIamReport(dir = runsDir(), path = reportPath()) {
  const report = mergeIamRuns(await readIamRuns(dir));
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return { report, summary: summarizeIamReport(report, path) };
}
