// Request body of PUT /admin/people/{sub} and the query of GET /admin/people (people-admin-api.ts).
import { _default, boolean, literal, object, optional, record, string } from 'zod/mini';
import { isNationalId } from '../domain/national-id.js';
import { body, listOf, nameText, occupationCode, rule, wholeNumber } from './fields.js';

export const ROLES = ['candidate', 'assessor', 'admin'] as const;

export const personBody = body({
  // Printed on certificates.
  name: nameText(100),
  employer: _default(nameText(200, 0), ''),
  trainingOrg: _default(nameText(200, 0), ''),
  roles: listOf(literal([...ROLES]), 3).check(
    rule<string[]>((r) => new Set(r).size === r.length, 'must not name a role twice', '不能重复列出同一角色'),
  ),
  senior: _default(boolean(), false),
  // Years of work per occupation code (eligibility without a lower certificate); a working life is < 60.
  yearsOfWork: _default(
    record(occupationCode(), wholeNumber(0, 60)).check(
      rule<Record<string, number>>(
        (y) => Object.keys(y).length <= 50,
        'may name at most 50 occupations',
        '最多列出 50 个职业',
      ),
    ),
    {},
  ),
  // Never echoed in an error (the messages name the field, not the value).
  nationalId: optional(
    string().check(
      rule<string>(
        (v) => isNationalId(v),
        'is not a valid 18-character resident identity number (check digit included)',
        '不是有效的 18 位居民身份号码（含校验码）',
      ),
    ),
  ),
});

/**
 * GET /admin/people?role=assessor: the one list of people there is. Candidates are not listed (there may be
 * thousands, and an admin finds one by their user id); `role` is required so that a later list of another
 * role is a new value here, not a changed meaning of no value.
 */
export const peopleQuery = object({ role: literal('assessor') });
