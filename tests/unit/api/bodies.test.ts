// Every request body is strict and bounded, and says which field and why in both languages. Through
// parseBody, as the handlers call it.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { examBody, occupationBody, sessionBody } from '../../../functions/api/exams.js';
import { answersBody, marksBody, returnBody } from '../../../functions/api/marking.js';
import { agreementBody, certificateStatusBody, partnerBody } from '../../../functions/api/partners.js';
import { personBody } from '../../../functions/api/people.js';
import { ROUTES } from '../../../functions/api/routes.js';
import { HttpError, parseBody } from '../../../functions/shared/http.js';

const event = (body: unknown) =>
  ({ body: JSON.stringify(body), isBase64Encoded: false }) as APIGatewayProxyEventV2;

function refusal(schema: Parameters<typeof parseBody>[0], body: unknown) {
  try {
    parseBody(schema, event(body));
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    const e = error as HttpError;
    expect(e.statusCode).toBe(400);
    return {
      message: e.message,
      messageZh: e.messageZh,
      details: e.details as { field: string; message: string; messageZh: string }[],
    };
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

const person = { name: '张伟', employer: '内江机床厂', trainingOrg: '', roles: ['candidate'] };
const session = {
  examId: 'lathe-4',
  opensAt: '2027-03-01T08:00:00+08:00',
  closesAt: '2027-03-01T12:00:00+08:00',
  seatLimit: 30,
  location: '内江职业技术学院 3 号楼',
};

describe('request bodies', () => {
  it('refuse an unknown field, naming it (a typo is not silently dropped)', () => {
    const r = refusal(sessionBody, { ...session, graceSeconds: 0 });
    expect(r.details).toEqual([
      {
        field: 'graceSeconds',
        message: 'is not a field of this request; remove it',
        messageZh: '不是本请求的字段，请删除',
      },
    ]);
    expect(r.message).toBe('graceSeconds is not a field of this request; remove it');
    expect(r.messageZh).toBe('graceSeconds 不是本请求的字段，请删除');
    // Nested objects too: an item's stem, a policy.
    const nested = refusal(certificateStatusBody, { action: 'revoke', reason: 'fraud found', by: 'me' });
    expect(nested.details[0]?.field).toBe('by');
  });

  it('refuse out-of-range numbers with the bound: seats, years of work, points', () => {
    for (const seatLimit of [0, -5, 1001, 2.5]) {
      const r = refusal(sessionBody, { ...session, seatLimit });
      expect(r.details[0]?.field).toBe('seatLimit');
    }
    expect(refusal(sessionBody, { ...session, seatLimit: 0 }).message).toBe('seatLimit must be at least 1');
    const years = refusal(personBody, { ...person, yearsOfWork: { '6-18-01-01': -3 } });
    expect(years.details[0]).toMatchObject({
      field: 'yearsOfWork.6-18-01-01',
      message: 'must be at least 0',
    });
    expect(refusal(personBody, { ...person, yearsOfWork: { '6-18-01-01': 200 } }).details[0]?.message).toBe(
      'must be at most 60',
    );
    expect(refusal(personBody, { ...person, yearsOfWork: { lathe: 3 } }).details[0]?.field).toBe(
      'yearsOfWork.lathe',
    );
    const marks = refusal(marksBody, { criteria: [{ criterionId: 'c1', points: -1 }] });
    expect(marks.details[0]?.field).toBe('criteria.0.points');
  });

  it('refuse impossible and far-off dates, and times without an offset', () => {
    for (const [value, why] of [
      ['2026-02-31T08:00:00+08:00', /real calendar day/],
      ['2027-13-01T08:00:00+08:00', /real calendar day/],
      ['2027-03-01T08:00:00', /offset/],
      ['9999-03-01T08:00:00Z', /between 2000 and 2099/],
      ['0001-03-01T08:00:00Z', /between 2000 and 2099/],
    ] as const) {
      const r = refusal(sessionBody, { ...session, opensAt: value });
      expect(r.details[0]?.field, value).toBe('opensAt');
      expect(r.details[0]?.message, value).toMatch(why);
      expect(r.details[0]?.messageZh, value).toMatch(/[\u4e00-\u9fff]/);
    }
    const agreement = {
      partnerCode: 'zigong',
      occupationCodes: ['6-18-01-01'],
      levels: [4],
      validFrom: '2026-02-29',
      validUntil: '2029-12-31',
    };
    expect(refusal(agreementBody, agreement).details[0]?.field).toBe('validFrom');
    expect(() => parseBody(agreementBody, event({ ...agreement, validFrom: '2028-02-29' }))).not.toThrow();
  });

  it('refuse unknown roles and repeated ones, listing the roles there are', () => {
    const r = refusal(personBody, { ...person, roles: ['candidate', 'superuser'] });
    expect(r.details[0]).toMatchObject({
      field: 'roles.1',
      message: 'must be one of "candidate", "assessor", "admin"',
    });
    expect(refusal(personBody, { ...person, roles: ['assessor', 'assessor'] }).details[0]?.field).toBe(
      'roles',
    );
  });

  it('refuse names with control, bidi, invisible characters or lone surrogates, and store names in NFC', () => {
    for (const name of ['张伟\u202E', 'Zhang\u0000Wei', 'Zhang\u200BWei', 'Zhang\uD800', 'Zhang\u2066Wei']) {
      const r = refusal(personBody, { ...person, name });
      expect(r.details[0]?.field, JSON.stringify(name)).toBe('name');
    }
    expect(
      refusal(occupationBody, { nameZh: '车工\u202E', nameEn: 'Lathe operator' }).details[0]?.field,
    ).toBe('nameZh');
    expect(
      refusal(partnerBody, {
        nameZh: '自贡',
        nameEn: 'Zigong\u0007',
        did: 'did:web:zigong.example',
        publicUrl: 'https://z.example',
        apiUrl: 'https://z.example',
        jwksUrl: 'https://z.example/j',
      }).details[0]?.field,
    ).toBe('nameEn');
    expect(refusal(returnBody, { reason: 'conflict\u202E of interest' }).details[0]?.field).toBe('reason');
    expect(parseBody(personBody, event({ ...person, name: '  Zoe\u0308  Li ' })).name).toBe('Zoë Li');
  });

  it('bound every list and text: an exam with no items, a 27th option, an over-long title', () => {
    const exam = {
      occupationCode: '6-18-01-01',
      level: 4,
      title: { zh: '车工四级' },
      items: [],
      sections: [{ id: 's', kind: 'single', count: 1, pointsPerItem: 1 }],
      rubric: [],
      timeLimitMinutes: 90,
      policy: { version: 'v1' },
    };
    expect(refusal(examBody, exam).details[0]).toMatchObject({
      field: 'items',
      message: 'must have at least 1 entry',
    });
    expect(refusal(examBody, { ...exam, title: { zh: 'x'.repeat(201) } }).details[0]?.field).toBe('title.zh');
    expect(refusal(examBody, { ...exam, timeLimitMinutes: -1 }).details.map((d) => d.field)).toContain(
      'timeLimitMinutes',
    );
    const item = {
      id: 'q1',
      kind: 'single',
      topic: 't',
      stem: { zh: '题' },
      options: [
        { id: 'a', text: { zh: 'A' } },
        { id: 'b', text: { zh: 'B' } },
      ],
      answer: 'a',
      weight: 3,
    };
    expect(refusal(examBody, { ...exam, items: [item] }).details.map((d) => d.field)).toContain(
      'items.0.weight',
    );
    expect(refusal(examBody, { ...exam, items: [{ ...item, kind: 'essay' }] }).details[0]?.message).toMatch(
      /must be one of/,
    );
    expect(refusal(answersBody, { answers: { q1: 'x'.repeat(501) } }).details[0]?.field).toBe('answers.q1');
  });

  it('say the body itself is missing or not an object', () => {
    expect(refusal(sessionBody, undefined).message).toBe('(body) is required');
    expect(refusal(sessionBody, [1]).message).toBe('(body) must be an object');
  });

  it('are all strict objects (the route table documents no loose body)', () => {
    for (const route of ROUTES.filter((r) => r.body && r.body !== 'none')) {
      const def = (
        route.body as unknown as {
          _zod: {
            def: { type: string; catchall?: { _zod: { def: { type: string } } }; innerType?: unknown };
          };
        }
      )._zod.def;
      const object = def.type === 'optional' ? (def.innerType as { _zod: { def: unknown } })._zod.def : def;
      expect(
        (object as { catchall?: { _zod: { def: { type: string } } } }).catchall?._zod.def.type,
        `${route.method} ${route.path}`,
      ).toBe('never');
    }
  });
});
