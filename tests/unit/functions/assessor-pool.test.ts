// GET /admin/people?role=assessor: the role check before anything is read, and what an entry shows (no ID).
import { describe, expect, it } from 'vitest';
import { peopleQuery } from '../../../functions/api/people.js';
import { listAssessorPool } from '../../../functions/certification/admin.js';
import type { Page, PageRequest, PeopleRegister, PersonRecord } from '../../../functions/ports.js';
import { HttpError, pageRequest, parseQuery } from '../../../functions/shared/http.js';

const query = (q: Record<string, string> | undefined) => ({ queryStringParameters: q });

function refusal(q: Record<string, string> | undefined) {
  try {
    parseQuery(peopleQuery, query(q));
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('the people list query', () => {
  it('takes role=assessor, with paging beside it', () => {
    expect(parseQuery(peopleQuery, query({ role: 'assessor', limit: '5' }))).toEqual({ role: 'assessor' });
    expect(pageRequest(query({ role: 'assessor', limit: '5' }))).toEqual({ limit: 5 });
  });

  it.each([
    ['missing', undefined],
    ['missing beside paging', { limit: '5' }],
    ['another role', { role: 'candidate' }],
    ['a different case', { role: 'Assessor' }],
  ])('refuses a role %s with a 400 naming the field in both languages', (_, q) => {
    const error = refusal(q);
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/^role /);
    expect(error.messageZh).toMatch(/^role /);
    expect(error.messageZh).not.toBe(error.message);
    expect(error.details).toEqual([
      expect.objectContaining({ field: 'role', message: expect.any(String), messageZh: expect.any(String) }),
    ]);
  });
});

describe('listAssessorPool', () => {
  const chen: PersonRecord & { openReviews: number } = {
    sub: 'sub-chen',
    name: '陈刚',
    employer: '内江职业技术学院',
    trainingOrg: '',
    roles: ['assessor'],
    senior: true,
    identityMac: 'mac-of-chen',
    maskedNationalId: '5**************7',
    holderId: 'urn:uuid:1',
    yearsOfWork: {},
    openReviews: 2,
  } as PersonRecord & { openReviews: number };
  const li = { ...chen, sub: 'sub-li', name: '李静', senior: false, openReviews: 0 };

  function storeOf(pages: Record<string, Page<PersonRecord & { openReviews: number }>>) {
    const asked: PageRequest[] = [];
    const store = {
      listAssessorPage: async (page: PageRequest) => {
        asked.push(page);
        const found = pages[page.nextToken ?? ''];
        if (!found) throw new Error(`no page ${page.nextToken}`);
        return found;
      },
    } as unknown as PeopleRegister;
    return { store, asked };
  }

  it('shows who each assessor is and their open reviews, never their ID or holder id', async () => {
    const { store, asked } = storeOf({ '': { items: [chen, li], nextToken: 'next1' } });
    const page = await listAssessorPool({ store }, { limit: 2 });
    expect(asked).toEqual([{ limit: 2 }]);
    expect(page).toEqual({
      assessors: [
        {
          sub: 'sub-chen',
          name: '陈刚',
          employer: '内江职业技术学院',
          trainingOrg: '',
          senior: true,
          openReviews: 2,
        },
        {
          sub: 'sub-li',
          name: '李静',
          employer: '内江职业技术学院',
          trainingOrg: '',
          senior: false,
          openReviews: 0,
        },
      ],
      nextToken: 'next1',
    });
    expect(JSON.stringify(page)).not.toMatch(/mac-of-chen|5\*+7|urn:uuid/);
  });

  it('passes the token on and leaves nextToken out on the last page', async () => {
    const { store, asked } = storeOf({ next1: { items: [li] } });
    const page = await listAssessorPool({ store }, { limit: 2, nextToken: 'next1' });
    expect(asked).toEqual([{ limit: 2, nextToken: 'next1' }]);
    expect(page).not.toHaveProperty('nextToken');
    expect(page.assessors.map((a) => a.name)).toEqual(['李静']);
  });
});
