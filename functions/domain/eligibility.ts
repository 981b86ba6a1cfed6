// Who may sit an exam (申报条件): level 5 is open to all; a higher level needs the certificate one level
// below in the same occupation, or enough years of work in it.
import type { Level } from './levels.js';

/** Years of work that stand in for the lower-level certificate, per level; an exam may set its own. */
export const DEFAULT_YEARS_INSTEAD: Record<Level, number> = { 5: 0, 4: 5, 3: 10, 2: 14, 1: 18 };

export interface HeldCertificate {
  occupationCode: string;
  level: Level;
  status: 'active' | 'suspended' | 'revoked';
}

export interface CandidateRecord {
  certificates: HeldCertificate[];
  yearsOfWork: Record<string, number>;
}

export type Eligibility =
  | { eligible: true; basis: string }
  | { eligible: false; reason: string; reasonZh: string };

export function eligibility(
  exam: { occupationCode: string; level: Level; yearsOfWorkInstead?: number },
  candidate: CandidateRecord,
): Eligibility {
  if (exam.level === 5) return { eligible: true, basis: 'Level 5 is open to everyone' };
  const below = (exam.level + 1) as Level;
  const held = candidate.certificates.find(
    (c) => c.occupationCode === exam.occupationCode && c.level === below && c.status === 'active',
  );
  if (held)
    return { eligible: true, basis: `Holds the level ${below} certificate in ${exam.occupationCode}` };
  const needed = exam.yearsOfWorkInstead ?? DEFAULT_YEARS_INSTEAD[exam.level];
  const years = candidate.yearsOfWork[exam.occupationCode] ?? 0;
  if (years >= needed) return { eligible: true, basis: `${years} years of work in ${exam.occupationCode}` };
  return {
    eligible: false,
    reason: `Level ${exam.level} needs an active level ${below} certificate in ${exam.occupationCode} or ${needed} years of work in it (you have ${years})`,
    // The candidate reads this on the sessions page in either language.
    reasonZh: `报考${exam.level}级需要持有 ${exam.occupationCode} 有效的${below}级证书，或从事该职业满 ${needed} 年（您为 ${years} 年）`,
  };
}
