// The admin forms put each entry of a 400's `details` on the field that owns its path; what no field owns
// goes above the form. These are the paths the API's schemas produce for the admin bodies.
import { describe, expect, it } from 'vitest';
import { ownerOf } from '../../../web/src/field-paths.js';

const EXAM = [
  'examId',
  'occupationCode',
  'level',
  'titleZh',
  'titleEn',
  'timeLimitMinutes',
  'policyVersion',
  'items',
  'sections',
  'rubric',
];

describe('ownerOf: the form field an API field path belongs to', () => {
  it.each([
    ['occupationCode', 'occupationCode'],
    ['rubric.2.maxPoints', 'rubric'],
    ['items.3.stem.zh', 'items'],
    ['title.zh', 'titleZh'],
    ['title.en', 'titleEn'],
    ['policy.version', 'policyVersion'],
    ['policy', 'policyVersion'],
  ])('%s → %s', (path, field) => {
    expect(ownerOf(path, EXAM)).toBe(field);
  });

  it('puts a list entry on its list and leaves what no field owns to the form', () => {
    const agreement = ['agreementId', 'partnerCode', 'occupationCodes', 'levels', 'validFrom', 'validUntil'];
    expect(ownerOf('levels.2', agreement)).toBe('levels');
    expect(ownerOf('occupationCodes.0', agreement)).toBe('occupationCodes');
    expect(ownerOf('(body)', agreement)).toBeUndefined();
    expect(ownerOf('status', agreement)).toBeUndefined();
  });

  it('prefers the field named exactly so, then the longest name that matches', () => {
    expect(ownerOf('name', ['name', 'nameZh'])).toBe('name');
    expect(ownerOf('name', ['nameZh', 'code'])).toBe('nameZh');
    expect(ownerOf('rubric.0.description.zh', ['rubric', 'rubricNotes'])).toBe('rubric');
    expect(ownerOf('nameZh', ['name', 'nameZh', 'nameEn'])).toBe('nameZh');
    expect(ownerOf('nameEn', ['nameZh', 'nameEn'])).toBe('nameEn');
  });
});
