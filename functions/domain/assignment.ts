// Choosing assessors for a candidate's practical work (or a moderation, review panel or appeal re-mark).
// Never someone with a conflict of interest: the candidate themself, a colleague from the same employer,
// or someone from the training organisation that trained the candidate. Among the rest the least loaded
// come first; ties are broken by a seeded shuffle, so the same seed gives the same choice (a retried
// workflow step picks the same people) while different attempts spread over equally loaded assessors.
import { seededRandom } from './random.js';

export interface Person {
  id: string;
  /** Employer name; an empty value is unknown and never counts as a match. */
  employer: string;
  /** Training organisation: the candidate's trainer, or the assessor's own organisation. */
  trainingOrg: string;
}

export interface Assessor extends Person {
  senior: boolean;
  /** Reviews currently open for this assessor. */
  openReviews: number;
}

export type ConflictOfInterest = 'self' | 'same-employer' | 'training-organisation';

const CONFLICT_REASONS: Record<ConflictOfInterest, string> = {
  self: 'an assessor never marks their own work',
  'same-employer': 'same employer',
  'training-organisation': "the candidate trained at the assessor's organisation",
};

/** Organisation names compare after NFKC, trimming and case folding, so 'ＡＢＣ厂 ' is 'abc厂'. */
function sameOrganisation(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
  return norm(a) !== '' && norm(a) === norm(b);
}

/** Which conflict of interest keeps this assessor from marking this candidate, if any. */
export function conflictKind(assessor: Person, candidate: Person): ConflictOfInterest | undefined {
  if (assessor.id === candidate.id) return 'self';
  if (sameOrganisation(assessor.employer, candidate.employer)) return 'same-employer';
  if (sameOrganisation(assessor.trainingOrg, candidate.trainingOrg)) return 'training-organisation';
  return undefined;
}

/** Why this assessor may not mark this candidate, or undefined when they may. */
export function conflictOfInterest(assessor: Person, candidate: Person): string | undefined {
  const kind = conflictKind(assessor, candidate);
  return kind && CONFLICT_REASONS[kind];
}

export type Assignment = { ok: true; assessorIds: string[] } | { ok: false; reason: string };

export interface AssignmentOptions {
  /** How many distinct assessors to choose. */
  count: number;
  /** Usually the attempt id plus a slot, e.g. `${attemptId}/M` for the moderator. */
  seed: string;
  /** Moderation and review panels need senior assessors. */
  seniorOnly?: boolean;
  /** Assessors who already marked this attempt (a moderator or re-marker must be someone new). */
  exclude?: string[];
}

export function assignAssessors(candidate: Person, pool: Assessor[], options: AssignmentOptions): Assignment {
  if (!(Number.isInteger(options.count) && options.count >= 1))
    throw new RangeError('Choose at least one assessor');
  const random = seededRandom(options.seed);
  const refused = { excluded: 0, notSenior: 0, self: 0, 'same-employer': 0, 'training-organisation': 0 };
  const seen = new Set<string>();
  const eligible: { a: Assessor; tie: number }[] = [];
  // Sorting by id first makes the result independent of the order the pool was listed in.
  for (const a of [...pool].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))) {
    const tie = random();
    if (seen.has(a.id)) continue;
    seen.add(a.id);
    if (options.exclude?.includes(a.id)) refused.excluded++;
    else if (options.seniorOnly && !a.senior) refused.notSenior++;
    else {
      const conflict = conflictKind(a, candidate);
      if (conflict) refused[conflict]++;
      else eligible.push({ a, tie });
    }
  }
  eligible.sort((x, y) => x.a.openReviews - y.a.openReviews || x.tie - y.tie);
  if (eligible.length < options.count) {
    const why = [
      [refused.excluded, 'already marked this attempt'],
      [refused.notSenior, 'not senior'],
      [refused.self, 'the candidate themself'],
      [refused['same-employer'], 'same employer'],
      [refused['training-organisation'], "the candidate's training organisation"],
    ]
      .filter(([n]) => (n as number) > 0)
      .map(([n, what]) => `${n} ${what}`)
      .join(', ');
    return {
      ok: false,
      reason: `Needs ${options.count} ${options.seniorOnly ? 'senior ' : ''}assessor${options.count === 1 ? '' : 's'} without a conflict of interest; ${eligible.length} available of ${seen.size}${why ? ` (${why})` : ''}`,
    };
  }
  return { ok: true, assessorIds: eligible.slice(0, options.count).map(({ a }) => a.id) };
}
