// Time read in the region's zone and limits a user can reach, through the local cloud with the
// functions' clock pinned at the edges: New Year's Eve (17:30 UTC on 31 December is 01:30 on 1 January
// in Beijing), 29 February, and the minute a session opens and closes. Then capacity: an item bank
// larger than one DynamoDB item, the largest bank the API accepts, papers whose answers could not be
// stored, open sessions found without reading closed ones, lists in pages, least-loaded assessors and
// the seat counter of a session under a burst of starts.
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDbCertificationStore,
  dynamoDbItemSize,
  dynamoDbSize,
  MAX_ITEM_BANK_BYTES,
  SeatContention,
  StateConflict,
} from '../../functions/adapters/dynamodb-certification-store.js';
import { assignAssessors, STATUS_LIST_SIZE } from '../../functions/domain/index.js';
import type { AttemptRecord } from '../../functions/ports.js';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { DEV_USERS } from '../../local/dev-identities.js';
import { itemSize } from '../../local/dynamodb-meter.js';
import { synthesizeRegion } from '../../local/synth.js';
import { EXAM_BODY, OCCUPATION } from '../../scripts/demo-exam.js';
import { RegionClient, regionOf } from '../../scripts/story.js';
import { eventually } from '../support/eventually.js';
import { TEST_STACK_OPTIONS } from '../support/regions.js';

let cloud: LocalCloud;
let nj: RegionClient;
let table: string;
let store: DynamoDbCertificationStore;
const subs = new Map<string, string>();

/** A level-5 exam without practical work: the workflow grades, decides and issues with no marking. */
const THEORY_EXAM = {
  ...EXAM_BODY,
  level: 5,
  rubric: [],
  validityYears: 1,
  policy: { version: 'tz-2026.1' },
};

function rightAnswers(paper: { id: string }[]) {
  return Object.fromEntries(
    paper.map(({ id }) => {
      const item = EXAM_BODY.items.find((i) => i.id === id);
      if (!item) throw new Error(`unknown item ${id}`);
      return [id, 'accepted' in item && item.accepted ? item.accepted[0] : item.answer];
    }),
  );
}

async function putSession(
  id: string,
  opensAt: string,
  closesAt: string,
  examId = 'tz-theory',
  seatLimit = 30,
) {
  return nj.request('liumin', 'PUT', `/admin/sessions/${id}`, {
    examId,
    opensAt,
    closesAt,
    seatLimit,
    location: '内江职业技术学院 实训楼 A204',
  });
}

/** With the clock pinned at `at`, the candidate starts and submits right answers; the decided attempt. */
async function sitAt(at: string, sessionId: string, candidate = 'zhangwei') {
  cloud.clock.pin(at);
  const started = await nj.request(candidate, 'POST', `/sessions/${sessionId}/attempts`);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const attemptId = started.body.attemptId as string;
  const submitted = await nj.request(candidate, 'POST', `/attempts/${attemptId}/submit`, {
    answers: rightAnswers(started.body.paper as { id: string }[]),
  });
  expect(submitted.status).toBe(202);
  return eventually(async () => {
    const { body } = await nj.request(candidate, 'GET', `/attempts/${attemptId}`);
    return ['passed', 'failed', 'error'].includes(String(body.status)) ? body : undefined;
  }, `attempt ${attemptId} to be decided`);
}

async function credentialOf(number: string, candidate = 'zhangwei') {
  const { body } = await nj.request(candidate, 'GET', '/me/certificates?limit=100');
  const found = (body.certificates as { number: string; jws: string }[]).find((c) => c.number === number);
  if (!found) throw new Error(`no certificate ${number}`);
  return decodeJwt(found.jws) as { validFrom: string; validUntil?: string; credentialStatus: unknown[] };
}

beforeAll(async () => {
  const stack = synthesizeRegion({ region: 'neijiang', ...TEST_STACK_OPTIONS });
  cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    schedules: 'off',
    meterDynamoDb: true,
    ...(process.env.SKILLCERT_TEST_LOG ? { logger: (line: string) => console.log(line) } : {}),
  });
  nj = new RegionClient(regionOf('neijiang', cloud));
  table = cloud.model.tables[0]?.tableName as string;
  store = new DynamoDbCertificationStore(table, cloud.dynamoClient);
  for (const user of ['liumin', 'zhangwei', 'liuyang', 'liqiang', 'wangfang', 'chengang', 'zhaolei']) {
    await nj.signIn(user);
    subs.set(user, String((await nj.call(user, 'GET', '/me')).sub));
  }
  await nj.call('liumin', 'PUT', `/admin/occupations/${OCCUPATION.code}`, {
    nameZh: OCCUPATION.nameZh,
    nameEn: OCCUPATION.nameEn,
  });
  await nj.call('liumin', 'PUT', '/admin/exams/tz-theory', THEORY_EXAM);
  // The opening-hours test leaves attempts in progress: an exam of its own (one live attempt per exam).
  await nj.call('liumin', 'PUT', '/admin/exams/tz-morning', THEORY_EXAM);
  await nj.call('liumin', 'PUT', '/admin/exams/with-practical', EXAM_BODY);
  const ids: Record<string, string> = { zhangwei: '11010519491231002X', liuyang: '51100219900307123X' };
  for (const dev of DEV_USERS.filter((u) => u.username !== 'liumin')) {
    const candidate = dev.groups.includes('candidates');
    await nj.call('liumin', 'PUT', `/admin/people/${subs.get(dev.username)}`, {
      name: dev.name,
      employer: dev.employer,
      trainingOrg: dev.trainingOrg,
      roles: [candidate ? 'candidate' : 'assessor'],
      senior: dev.senior ?? false,
      yearsOfWork: candidate ? { [OCCUPATION.code]: 6 } : {},
      ...(candidate ? { nationalId: ids[dev.username] } : {}),
    });
  }
}, 240_000);

afterEach(() => cloud?.clock.release());

afterAll(async () => {
  await cloud?.stop();
});

describe('time in the region’s calendar (Asia/Shanghai)', () => {
  it('numbers a certificate issued at 01:30 on 1 January 2027 in Beijing (17:30 UTC on New Year’s Eve) 2027', async () => {
    expect(
      (await putSession('s-new-year', '2026-12-31T08:00:00+08:00', '2027-01-01T12:00:00+08:00')).status,
    ).toBe(200);
    const decided = await sitAt('2026-12-31T17:30:00Z', 's-new-year');
    expect(decided.status).toBe('passed');
    expect(decided.certificateNumber).toMatch(/^NJ-2027-5-\d{6}-[0-9A-Z]$/);
    const credential = await credentialOf(decided.certificateNumber as string);
    expect(credential.validFrom).toBe('2026-12-31T17:30:00.000Z');
    // One year in Beijing's calendar: 01:30 on 1 January 2028 there.
    expect(credential.validUntil).toBe('2027-12-31T17:30:00.000Z');
  });

  it('ends a certificate issued on 29 February 2028 (Beijing) on 28 February 2029, not on 1 March', async () => {
    await putSession('s-leap-day', '2028-02-29T00:00:00+08:00', '2028-03-01T00:00:00+08:00');
    // 01:30 on 29 February in Beijing is still 28 February in UTC.
    const decided = await sitAt('2028-02-28T17:30:00Z', 's-leap-day');
    expect(decided.status).toBe('passed');
    expect(decided.certificateNumber).toMatch(/^NJ-2028-5-/);
    const credential = await credentialOf(decided.certificateNumber as string);
    expect(credential.validUntil).toBe('2029-02-27T17:30:00.000Z'); // 01:30 on 28 February, Beijing
  });

  it('opens a session set for 08:00–12:00+08:00 at 08:00 Beijing time and closes it at 12:00, to the millisecond', async () => {
    const put = await putSession(
      's-morning',
      '2027-03-01T08:00:00+08:00',
      '2027-03-01T12:00:00+08:00',
      'tz-morning',
    );
    expect(put.status).toBe(200);
    // Stored as UTC instants, whatever offset it was typed with.
    expect(put.body).toMatchObject({
      opensAt: '2027-03-01T00:00:00.000Z',
      closesAt: '2027-03-01T04:00:00.000Z',
    });
    const start = async (at: string, who = 'zhangwei') => {
      cloud.clock.pin(at);
      return nj.request(who, 'POST', '/sessions/s-morning/attempts');
    };
    const early = await start('2027-03-01T07:59:59.999+08:00');
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/2027-03-01T08:00:00\+08:00 to 2027-03-01T12:00:00\+08:00/);
    expect(early.body.messageZh).toMatch(/本场考试现在不开放/);
    expect((await start('2027-03-01T08:00:00.000+08:00')).status).toBe(201);
    // The issue's example: 09:00 Beijing time is inside the window, 16:30 is not.
    expect((await start('2027-03-01T01:00:00Z', 'liuyang')).status).toBe(201);
    expect((await start('2027-03-01T08:30:00Z', 'liuyang')).status).toBe(409);
    expect((await start('2027-03-01T11:59:59.999+08:00')).status).toBe(200); // his attempt, still open
    expect((await start('2027-03-01T12:00:00.000+08:00')).status).toBe(409);
  });

  it('refuses a session time without an offset, or on a day that does not exist, and stores nothing', async () => {
    for (const [opensAt, closesAt] of [
      ['2027-03-02T08:00:00', '2027-03-02T12:00:00+08:00'],
      ['2027-02-29T08:00:00+08:00', '2027-03-02T12:00:00+08:00'],
      ['2027-03-02T12:00:00+08:00', '2027-03-02T08:00:00+08:00'],
    ] as const) {
      const refused = await putSession('s-refused', opensAt, closesAt);
      expect(refused.status, opensAt).toBe(400);
      expect(refused.body.messageZh, opensAt).toEqual(expect.any(String));
    }
    const stored = await cloud.dynamoClient.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'SESSION#s-refused' } },
      }),
    );
    expect(stored.Count).toBe(0);
  });
});

/** A bilingual single-choice item of about `bytes` bytes as DynamoDB counts it. */
function bilingualItem(i: number, stemChars = 120) {
  const id = `q${String(i).padStart(4, '0')}`;
  return {
    id,
    kind: 'single' as const,
    topic: `topic-${i % 7}`,
    stem: {
      zh: `第${i}题：${'车削加工中关于切削用量与表面质量的说法'.repeat(Math.ceil(stemChars / 20)).slice(0, stemChars)}`,
      en: `Item ${i}: ${'Which statement about cutting parameters and surface finish holds? '.repeat(Math.ceil(stemChars / 30)).slice(0, stemChars * 2)}`,
    },
    options: ['a', 'b', 'c', 'd'].map((o) => ({
      id: o,
      text: {
        zh: `选项${o}：较大的背吃刀量与较小的进给量`,
        en: `Option ${o}: a larger depth of cut and a smaller feed`,
      },
    })),
    answer: 'b',
  };
}

function bank(items: ReturnType<typeof bilingualItem>[]) {
  return {
    occupationCode: OCCUPATION.code,
    level: 5,
    title: { zh: '车工 五级 大题库', en: 'Lathe operator, level 5, large bank' },
    timeLimitMinutes: 90,
    policy: { version: 'bank-1' },
    items,
    sections: [{ id: 'single', kind: 'single', count: 20, pointsPerItem: 5 }],
    rubric: [],
  };
}

describe('capacity: limits a user can reach are lifted or refused up front', () => {
  it('issues, verifies and revokes the certificate after a full status list: it opens the next list (131,072 was the limit)', async () => {
    // The open certificate list as it stands after 131,072 certificates.
    await cloud.dynamoClient.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({
          pk: 'STATUSLIST#OPEN',
          sk: 'certificates',
          kind: 'certificates',
          list: 1,
          placed: STATUS_LIST_SIZE,
          seed: 'a-full-list-seed-of-enough-length-000000000',
        }),
      }),
    );
    // And the year's serial counter past 131,072, where the yearly list (index = serial) used to end.
    const year = new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(
      new Date(),
    );
    await cloud.dynamoClient.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({ pk: `COUNTER#CERT#neijiang#${year}`, sk: 'COUNTER', value: 131_072 }),
      }),
    );
    await putSession('s-full-list', '2026-01-01T00:00:00+08:00', '2030-01-01T00:00:00+08:00');
    const decided = await sitAt(new Date().toISOString(), 's-full-list', 'liuyang');
    expect(decided.status).toBe('passed');
    const number = decided.certificateNumber as string;
    expect(number).toMatch(new RegExp(`^NJ-${year}-5-131073-`));
    const status = (await credentialOf(number, 'liuyang')).credentialStatus as unknown as {
      statusListCredential: string;
      statusListIndex: string;
    };
    expect(status.statusListCredential).toMatch(/\/status\/neijiang\/certificates-2\/revocation$/);
    expect(Number(status.statusListIndex)).toBeLessThan(STATUS_LIST_SIZE);
    expect((await nj.request(undefined, 'GET', new URL(status.statusListCredential).pathname)).status).toBe(
      200,
    );
    expect((await nj.request(undefined, 'GET', `/verify/${number}`)).body).toMatchObject({ status: 'valid' });
    const revoked = await nj.request('liumin', 'POST', `/admin/certificates/${number}/status`, {
      action: 'revoke',
      reason: 'Issued in error (capacity test)',
    });
    expect(revoked.status).toBe(200);
    expect((await nj.request(undefined, 'GET', `/verify/${number}`)).body).toMatchObject({
      status: 'revoked',
    });
  });

  it('stores a 600-item bilingual bank — larger than one DynamoDB item — and reads it back whole', async () => {
    const items = Array.from({ length: 600 }, (_, i) => bilingualItem(i));
    expect(dynamoDbSize(items)).toBeGreaterThan(400 * 1024);
    const put = await nj.request('liumin', 'PUT', '/admin/exams/bank-600', bank(items));
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.items).toBe(600);
    const exam = await store.getExam('bank-600');
    expect(exam?.items).toEqual(items);
    // A candidate gets a paper drawn from it.
    await putSession('s-bank', '2026-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 'bank-600');
    const started = await nj.request('liuyang', 'POST', '/sessions/s-bank/attempts');
    expect(started.status).toBe(201);
    expect(started.body.paper).toHaveLength(20);
  });

  it('takes the largest bank the API accepts (2,000 items, just under 3 MiB) and refuses one byte more with 413, changing nothing', async () => {
    const items = Array.from({ length: 2000 }, (_, i) => bilingualItem(i, 150));
    // Pad the last item's English stem until the bank is exactly the largest accepted.
    const last = items[1999] as ReturnType<typeof bilingualItem>;
    last.stem.en = '';
    const padding = MAX_ITEM_BANK_BYTES - dynamoDbSize(items);
    expect(padding).toBeGreaterThan(0);
    last.stem.en = 'x'.repeat(Math.min(2000, padding));
    // Spread what is left over the English option texts of the last items.
    for (let i = 1998; dynamoDbSize(items) < MAX_ITEM_BANK_BYTES && i >= 0; i--) {
      const item = items[i] as ReturnType<typeof bilingualItem>;
      const room = MAX_ITEM_BANK_BYTES - dynamoDbSize(items);
      item.stem.en += 'y'.repeat(Math.min(room, 2000 - item.stem.en.length));
    }
    expect(dynamoDbSize(items)).toBe(MAX_ITEM_BANK_BYTES);
    const put = await nj.request('liumin', 'PUT', '/admin/exams/bank-max', bank(items));
    expect(put.status, JSON.stringify(put.body).slice(0, 300)).toBe(200);
    expect((await store.getExam('bank-max'))?.items).toEqual(items);

    const over = structuredClone(items);
    (over[0] as ReturnType<typeof bilingualItem>).stem.en += 'z';
    const refused = await nj.request('liumin', 'PUT', '/admin/exams/bank-max', bank(over));
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({
      error: 'TooLarge',
      message: expect.stringMatching(/item bank takes 3072\.0 KiB; an exam holds at most 3072\.0 KiB/),
      messageZh: expect.stringMatching(/题库大小/),
      details: { part: 'bank', bytes: MAX_ITEM_BANK_BYTES + 1, limit: MAX_ITEM_BANK_BYTES },
    });
    expect((await store.getExam('bank-max'))?.items).toEqual(items);
    // The size we count is the size DynamoDB counts (the meter's independent reckoning).
    const chunk = { pk: 'EXAM#x', sk: 'ITEMS#v#000', items: items.slice(0, 50) };
    expect(dynamoDbItemSize(chunk)).toBe(itemSize(marshall(chunk) as never));
  }, 120_000);

  it('refuses up front an exam whose papers could not be stored once answered, because DynamoDB would refuse them', async () => {
    const fillIns = Array.from({ length: 260 }, (_, i) => ({
      id: `f${String(i).padStart(3, '0')}`,
      kind: 'fill-in' as const,
      topic: 'cutting',
      stem: { zh: `填空题 ${i}：切削三要素之一是____。`, en: `Fill in ${i}` },
      accepted: ['进给量'],
    }));
    const body = {
      ...bank([]),
      items: fillIns,
      sections: [{ id: 'fill-in', kind: 'fill-in', count: 260, pointsPerItem: 0.5 }],
    };
    const refused = await nj.request('liumin', 'PUT', '/admin/exams/too-many-answers', body);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      message: expect.stringMatching(/could take .* KiB to answer/),
      messageZh: expect.stringMatching(/作答最多可达/),
    });
    // Why: 260 answers of 500 characters and the practical evidence, as a candidate may save them, make
    // an attempt DynamoDB refuses.
    const answers = Object.fromEntries(fillIns.map((f) => [f.id, '进'.repeat(500)]));
    const practicalEvidence = '证'.repeat(10_000);
    await expect(
      cloud.dynamoClient.send(
        new PutItemCommand({
          TableName: table,
          Item: marshall({ pk: 'ATTEMPT#too-big', sk: 'ATTEMPT', answers, practicalEvidence }),
        }),
      ),
    ).rejects.toThrow(/size/i);
    // A paper of 100 fill-in items fits.
    const fits = await nj.request('liumin', 'PUT', '/admin/exams/answers-fit', {
      ...body,
      sections: [{ id: 'fill-in', kind: 'fill-in', count: 100, pointsPerItem: 1 }],
    });
    expect(fits.status).toBe(200);
  });

  it('finds open sessions by a key condition on their closing instant: closed sessions are never read', async () => {
    cloud.clock.pin('2027-06-01T10:00:00+08:00');
    for (const n of [1, 2, 3])
      await putSession(`open-${n}`, '2027-06-01T08:00:00+08:00', `2027-06-0${n + 1}T12:00:00+08:00`);
    const readUnits = async () => {
      const before = cloud.meter?.totals().readUnits ?? 0;
      const { body } = await nj.request('zhangwei', 'GET', '/sessions?limit=100');
      return { units: (cloud.meter?.totals().readUnits ?? 0) - before, body };
    };
    const first = await readUnits();
    for (let n = 0; n < 40; n++)
      await putSession(`closed-${n}`, '2027-05-01T08:00:00+08:00', '2027-05-01T12:00:00+08:00');
    const second = await readUnits();
    expect(second.body).toEqual(first.body);
    expect(second.units).toBe(first.units);
    const ids = (first.body.sessions as { sessionId: string }[]).map((s) => s.sessionId);
    expect(ids).toEqual(expect.arrayContaining(['open-1', 'open-2', 'open-3']));
    expect(ids.some((id) => id.startsWith('closed-'))).toBe(false);
  });

  it('pages every list with limit and nextToken, and refuses a bad limit or an altered token in both languages', async () => {
    cloud.clock.pin('2027-06-01T10:00:00+08:00');
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await nj.request(
        'zhangwei',
        'GET',
        `/sessions?limit=2${token ? `&nextToken=${token}` : ''}`,
      );
      expect(status).toBe(200);
      const page = body.sessions as { sessionId: string }[];
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page.map((s) => s.sessionId));
      token = body.nextToken as string | undefined;
      pages++;
    } while (token && pages < 20);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['open-1', 'open-2', 'open-3']));
    expect(pages).toBeGreaterThan(1);

    const exams = await nj.call('liumin', 'GET', '/admin/exams?limit=1');
    expect(exams.exams).toHaveLength(1);
    expect(exams.nextToken).toEqual(expect.any(String));
    const tampered = Buffer.from(JSON.stringify({ pk: 'PERSON#x', sk: 'PROFILE', extra: 'y' })).toString(
      'base64url',
    );
    for (const query of ['limit=0', 'limit=101', 'limit=two', `nextToken=${tampered}`, 'nextToken=%%%']) {
      for (const path of ['/admin/exams', '/sessions', '/me/attempts', '/me/certificates']) {
        const who = path.startsWith('/admin') ? 'liumin' : 'zhangwei';
        const bad = await nj.request(who, 'GET', `${path}?${query}`);
        expect(bad.status, `${path}?${query}`).toBe(400);
        expect(bad.body.messageZh, `${path}?${query}`).toEqual(expect.any(String));
      }
    }
  });

  it('applies the least-loaded assignment: an assessor with open reviews elsewhere is passed over', async () => {
    // Who would be chosen if nobody had any work (what the workflow did: it passed an empty workload)?
    await putSession('s-load', '2026-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 'with-practical');
    const started = await nj.request('zhangwei', 'POST', '/sessions/s-load/attempts');
    const attemptId = started.body.attemptId as string;
    const assessors = (await store.listAssessors()).map((a) => ({ ...a, id: a.sub }));
    const candidate = { id: subs.get('zhangwei') as string, ...DEV_USERS[0] } as {
      id: string;
      employer: string;
      trainingOrg: string;
    };
    const idle = assignAssessors(
      candidate,
      assessors.map((a) => ({ ...a, openReviews: 0 })),
      { count: 2, seed: attemptId },
    );
    if (!idle.ok) throw new Error(idle.reason);
    // Give the first of them five open reviews of other attempts, through the store's own transactions.
    const busy = idle.assessorIds[0] as string;
    for (let n = 0; n < 5; n++)
      await store.addReview({
        attemptId: `elsewhere-${n}`,
        slot: 'A',
        assessorSub: busy,
        moderation: false,
        status: 'open',
        createdAt: new Date().toISOString(),
      });
    expect((await store.listAssessors()).find((a) => a.sub === busy)?.openReviews).toBe(5);
    await nj.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
      answers: rightAnswers(started.body.paper as { id: string }[]),
      practicalEvidence: 'Ø40h7 × 120 measured 39.99',
    });
    const reviews = await eventually(async () => {
      const found = await store.listReviews(attemptId);
      return found.length >= 2 ? found : undefined;
    }, 'two reviews');
    const chosen = reviews.map((r) => r.assessorSub);
    expect(chosen).not.toContain(busy);
    expect(chosen).not.toContain(subs.get('chengang')); // same employer as the candidate
    // Each chosen assessor's count went up with the review, in the same transaction.
    const loads = new Map((await store.listAssessors()).map((a) => [a.sub, a.openReviews]));
    for (const sub of chosen) expect(loads.get(sub)).toBeGreaterThanOrEqual(1);
    // The queue reads only open reviews, a page at a time.
    const queue = await nj.call('liqiang', 'GET', '/assessor/reviews?limit=1');
    expect((queue.reviews as unknown[]).length).toBeLessThanOrEqual(1);
  });

  it('takes a seat for each of 40 candidates starting one session at the same moment, and refuses the 41st cleanly', async () => {
    await putSession('s-burst', '2026-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 'tz-theory', 40);
    const now = new Date().toISOString();
    const attempt = (n: number): AttemptRecord => ({
      id: `burst-${n}`,
      candidateSub: `candidate-${n}`,
      sessionId: 's-burst',
      examId: 'tz-theory',
      seed: `burst-${n}`,
      startedAt: now,
      timeLimitMinutes: 90,
      status: 'in-progress',
      answers: {},
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 41 }, (_, n) => store.startAttempt(attempt(n), 40)),
    );
    const refused = outcomes
      .filter((o) => o.status === 'rejected')
      .map((o) => (o as PromiseRejectedResult).reason);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(40);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(StateConflict);
    expect(refused[0]).not.toBeInstanceOf(SeatContention);
    expect((await store.getSession('s-burst'))?.seatsTaken).toBe(40);
    // Taking a seat writes the seat counter, not the session: the sessions index entry is never rewritten.
    const items = await cloud.dynamoClient.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'SESSION#s-burst' } },
      }),
    );
    const session = items.Items?.find((i) => i.sk?.S === 'SESSION');
    const seats = items.Items?.find((i) => i.sk?.S === 'SEATS');
    expect(session?.seatsTaken).toBeUndefined();
    expect(seats?.gsi1pk).toBeUndefined();
    expect(seats?.seatsTaken).toEqual({ N: '40' });
  }, 120_000);
});
