// Choosing assessors for a candidate's practical work. Never someone with a conflict of interest: the
// candidate themself, a colleague from the same employer, or someone from the training organisation
// that trained the candidate. Among the rest, the least loaded first; ties broken by a seeded shuffle
// so the choice is reproducible and not always the same person.
import { seededRandom } from './paper.js';

export interface Person {
  id: string;
  employer: string;
  trainingOrg: string;
}

export interface Assessor extends Person {
  senior: boolean;
  /** Reviews currently open for this assessor. */
  openReviews: number;
}

function same(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFKC').trim().toLowerCase();
  return norm(a) !== '' && norm(a) === norm(b);
}

/** Why this assessor may not mark this candidate, or undefined when they may. */
export function conflictOfInterest(assessor: Person, candidate: Person): string | undefined {
  if (assessor.id === candidate.id) return 'an assessor never marks their own work';
  if (same(assessor.employer, candidate.employer)) return 'same employer';
  if (same(assessor.trainingOrg, candidate.trainingOrg))
    return "the candidate trained at the assessor's organisation";
  return undefined;
}

export type Assignment = { ok: true; assessorIds: string[] } | { ok: false; reason: string };

export function assignAssessors(
  candidate: Person,
  pool: Assessor[],
  options: { count: number; seed: string; seniorOnly?: boolean; exclude?: string[] },
): Assignment {
  const random = seededRandom(options.seed);
  const eligible = pool
    .filter((a) => !options.exclude?.includes(a.id))
    .filter((a) => !options.seniorOnly || a.senior)
    .filter((a) => conflictOfInterest(a, candidate) === undefined)
    .map((a) => ({ a, tie: random() }))
    .sort((x, y) => x.a.openReviews - y.a.openReviews || x.tie - y.tie)
    .map(({ a }) => a.id);
  if (eligible.length < options.count) {
    return {
      ok: false,
      reason: `Needs ${options.count} ${options.seniorOnly ? 'senior ' : ''}assessors without a conflict of interest; ${eligible.length} available`,
    };
  }
  return { ok: true, assessorIds: eligible.slice(0, options.count) };
}
