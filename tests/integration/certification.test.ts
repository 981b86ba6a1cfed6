// The certification story through the HTTP API on the local cloud, with real tokens: an admin sets up
// an exam, a candidate sits it, assessors mark blind, and a signed certificate comes out — or not.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { compactVerify, createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { synthesizeRegion } from '../../local/synth.js';
import { eventually } from '../support/eventually.js';
import { TEST_STACK_OPTIONS } from '../support/regions.js';
import { EXAM } from '../unit/domain/fixtures.js';

const MARKING_TIMEOUT_SECONDS = TEST_STACK_OPTIONS.markingTimeoutSeconds;
const PASSWORDS: Record<string, string> = {
  zhangwei: 'Candidate-123!',
  liuyang: 'Candidate-123!',
  liqiang: 'Assessor-123!',
  wangfang: 'Assessor-123!',
  chengang: 'Assessor-123!',
  zhaolei: 'Assessor-123!',
  liumin: 'Admin-123456!',
};

let root: string;
let cloud: LocalCloud;
const tokens = new Map<string, string>();
const subs = new Map<string, string>();

type Reply = { status: number; body: Record<string, unknown> & { [k: string]: unknown } };

async function call(user: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const response = await fetch(`${cloud.endpoints.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens.get(user)}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Reply['body'] };
}

/** The key of every item on a candidate's paper, answered right. */
function rightAnswers(paper: { id: string }[]) {
  return Object.fromEntries(
    paper.map(({ id }) => {
      const item = EXAM.items.find((i) => i.id === id);
      if (!item) throw new Error(`unknown item ${id}`);
      return [id, item.kind === 'fill-in' ? item.accepted[0] : item.answer];
    }),
  );
}

/** Posts to a review, retrying while the workflow has not handed the review its task token yet. */
async function whenReady(user: string, path: string, body: unknown, what = 'the review to be ready') {
  return eventually(async () => {
    const r = await call(user, 'POST', path, body);
    return r.status === 409 && /not ready/.test(String(r.body.message)) ? undefined : r;
  }, what);
}

async function reviewsOf(user: string) {
  const { body } = await call(user, 'GET', '/assessor/reviews');
  return body.reviews as { attemptId: string; slot: string; moderation: boolean }[];
}

const ASSESSORS = ['liqiang', 'wangfang', 'chengang', 'zhaolei'];

function marks(points: [number, number, number]) {
  return {
    criteria: EXAM.rubric.map((c, i) => ({ criterionId: c.id, points: points[i], comment: `ok ${c.id}` })),
  };
}

/** Every open review of this attempt, with the assessor it belongs to. */
async function openReviews(attemptId: string) {
  const found: { user: string; slot: string; moderation: boolean }[] = [];
  for (const user of ASSESSORS) {
    for (const r of await reviewsOf(user))
      if (r.attemptId === attemptId) found.push({ user, slot: r.slot, moderation: r.moderation });
  }
  return found;
}

async function sit(sessionId: string, answers: 'right' | 'wrong') {
  const started = await call('zhangwei', 'POST', `/sessions/${sessionId}/attempts`);
  expect(started.status).toBe(201);
  const attemptId = started.body.attemptId as string;
  const paper = started.body.paper as { id: string }[];
  const submitted = await call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
    answers: answers === 'right' ? rightAnswers(paper) : {},
    practicalEvidence: 'Turned shaft Ø40h7 × 120: measured 39.988 / 39.991; Ra 1.6 on the bearing seat.',
  });
  expect(submitted.status).toBe(202);
  return attemptId;
}

async function markAll(attemptId: string, scores: Record<string, [number, number, number]>, count: number) {
  const reviews = await eventually(async () => {
    const open = await openReviews(attemptId);
    return open.length >= count ? open : undefined;
  }, `${count} open reviews`);
  for (const review of reviews) {
    const points = scores[review.moderation ? 'moderator' : review.slot] ?? [30, 25, 25];
    const result = await whenReady(
      review.user,
      `/assessor/reviews/${attemptId}/${review.slot}/marks`,
      marks(points),
    );
    expect(result.status).toBe(200);
  }
  return reviews;
}

async function decided(attemptId: string) {
  return eventually(async () => {
    const { body } = await call('zhangwei', 'GET', `/attempts/${attemptId}`);
    return ['passed', 'failed', 'error'].includes(String(body.status)) ? body : undefined;
  }, `attempt ${attemptId} to be decided`);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skillcert-cert-'));
  // The same options as the other tests' Neijiang: one synthesis serves them all.
  const stack = synthesizeRegion({ region: 'neijiang', ...TEST_STACK_OPTIONS });
  cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
  });
  const [pool] = cloud.model.userPools;
  const webClient = pool?.clients.find((c) => !c.generateSecret)?.clientId as string;
  for (const [username, password] of Object.entries(PASSWORDS)) {
    const response = await fetch(`${pool?.issuer}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: webClient, username, password }),
    });
    tokens.set(username, ((await response.json()) as { access_token: string }).access_token);
    subs.set(username, cloud.oidc.subjectOf(pool?.userPoolId as string, username));
  }

  // The admin sets everything up through the API.
  const admin = (method: string, path: string, body?: unknown) => call('liumin', method, path, body);
  expect(
    (
      await admin('PUT', `/admin/occupations/${EXAM.occupation.code}`, {
        nameZh: '车工',
        nameEn: 'Lathe operator',
      })
    ).status,
  ).toBe(200);
  const { id: _id, occupation, policy, ...exam } = EXAM;
  const now = Date.now();
  for (const sessionId of [
    's-pass',
    's-fail',
    's-moderate',
    's-timeout',
    's-concurrent',
    's-late',
    's-rules',
    's-assessor',
    's-return',
  ]) {
    // Each scenario's session has an exam of its own: a candidate holds one live attempt per exam.
    const putExam = await admin('PUT', `/admin/exams/${EXAM.id}-${sessionId}`, {
      ...exam,
      occupationCode: occupation.code,
      policy: { version: policy.version },
    });
    expect(putExam.status).toBe(200);
    const session = await admin('PUT', `/admin/sessions/${sessionId}`, {
      examId: `${EXAM.id}-${sessionId}`,
      opensAt: new Date(now - 60_000).toISOString(),
      closesAt: new Date(now + 3_600_000).toISOString(),
      seatLimit: 30,
      location: '内江职业技术学院 实训楼 A204',
    });
    expect(session.status).toBe(200);
  }
  const person = (username: string, roles: string[], extra: Record<string, unknown> = {}) =>
    admin('PUT', `/admin/people/${subs.get(username)}`, {
      name: username,
      employer: extra.employer,
      trainingOrg: extra.trainingOrg,
      roles,
      senior: extra.senior ?? false,
      ...(extra.nationalId ? { nationalId: extra.nationalId } : {}),
      yearsOfWork: extra.yearsOfWork ?? {},
    });
  expect(
    (
      await person('zhangwei', ['candidate'], {
        employer: '内江机械厂',
        trainingOrg: '内江职业技术学院',
        nationalId: '11010519491231002X',
        yearsOfWork: { [EXAM.occupation.code]: 6 },
      })
    ).status,
  ).toBe(200);
  await person('liqiang', ['assessor'], {
    employer: '自贡机床厂',
    trainingOrg: '自贡技师学院',
    senior: true,
  });
  await person('wangfang', ['assessor'], {
    employer: '宜宾重工',
    trainingOrg: '宜宾职业技术学院',
    senior: true,
  });
  await person('chengang', ['assessor'], {
    employer: '内江机械厂',
    trainingOrg: '泸州职业技术学院',
    senior: true,
  });
  await person('zhaolei', ['assessor'], {
    employer: '泸州化工机械厂',
    trainingOrg: '四川工程职业技术学院',
    senior: true,
  });
}, 180_000);

afterAll(async () => {
  await cloud?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('certification', () => {
  it('issues a signed certificate to a candidate who passes, marked blind by two assessors without a conflict', async () => {
    const attemptId = await sit('s-pass', 'right');
    const reviews = await markAll(attemptId, { A: [36, 27, 28], B: [38, 26, 27] }, 2);
    expect(reviews.map((r) => r.user)).not.toContain('chengang'); // same employer as the candidate
    const result = await decided(attemptId);
    expect(result).toMatchObject({ status: 'passed', result: { passed: true } });
    expect(result.certificateNumber).toMatch(/^NJ-\d{4}-4-\d{6}-[0-9A-Z]$/);

    const { body } = await call('zhangwei', 'GET', '/me/certificates');
    const [certificate] = body.certificates as {
      number: string;
      jws: string;
      credential: Record<string, unknown>;
    }[];
    expect(certificate?.number).toBe(result.certificateNumber);
    // Independent check: the JWS verifies against the region's published key set with jose.
    const jwks = await (await fetch(`${cloud.endpoints.api}/.well-known/jwks.json`)).json();
    const verified = await compactVerify(certificate?.jws as string, createLocalJWKSet(jwks as never));
    const payload = JSON.parse(new TextDecoder().decode(verified.payload));
    expect(payload.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(payload.credentialSubject.result.map((r: { value: string }) => r.value)).toEqual(['100', '91']);
    expect(JSON.stringify(payload)).not.toContain('11010519491231002X');
  });

  it('records a fail as a normal ending, without a certificate', async () => {
    const attemptId = await sit('s-fail', 'wrong');
    await markAll(attemptId, {}, 2);
    const result = await decided(attemptId);
    expect(result).toMatchObject({
      status: 'failed',
      result: { passed: false, reasons: ['theory 0 is below the pass mark 60'] },
    });
    expect(result).not.toHaveProperty('certificateNumber');
  });

  it('sends diverging marks to a senior moderator, whose mark decides', async () => {
    const attemptId = await sit('s-moderate', 'right');
    const first = await markAll(attemptId, { A: [40, 30, 30], B: [20, 15, 15] }, 2);
    const moderation = await eventually(async () => {
      const open = (await openReviews(attemptId)).filter((r) => r.moderation);
      return open.length > 0 ? open : undefined;
    }, 'a moderation review');
    expect(first.map((r) => r.user)).not.toContain(moderation[0]?.user);
    await markAll(attemptId, { moderator: [30, 20, 20] }, 1);
    const result = await decided(attemptId);
    expect(result).toMatchObject({ status: 'passed' });
    expect(
      (result.result as { components: { component: string; score: number }[] }).components,
    ).toContainEqual({
      component: 'practical',
      score: 70,
      passMark: 60,
    });
  });

  it('gives the work to another assessor when a marker never answers', async () => {
    const attemptId = await sit('s-timeout', 'right');
    const [silent, ...others] = await eventually(async () => {
      const open = await openReviews(attemptId);
      return open.length >= 2 ? open : undefined;
    }, 'two open reviews');
    const [answering] = others;
    const marked = await whenReady(
      answering?.user as string,
      `/assessor/reviews/${attemptId}/${answering?.slot}/marks`,
      marks([30, 25, 25]),
      'the answering review to be ready',
    );
    expect(marked.status).toBe(200);
    // After the marking timeout, a third assessor gets a new review of the same slot.
    const replacement = await eventually(
      async () => (await openReviews(attemptId)).find((r) => r.slot.length > 1),
      'a replacement review',
      MARKING_TIMEOUT_SECONDS * 1000 + 20_000,
    );
    expect(replacement.user).not.toBe('chengang');
    expect([silent?.user, answering?.user]).not.toContain(replacement.user);
    const replaced = await whenReady(
      replacement.user,
      `/assessor/reviews/${attemptId}/${replacement.slot}/marks`,
      marks([30, 25, 25]),
      'the replacement review to be ready',
    );
    expect(replaced.status).toBe(200);
    expect(await decided(attemptId)).toMatchObject({ status: 'passed' });
    // The silent assessor's review is closed: marking it now is refused.
    const late = await call(
      silent?.user as string,
      'POST',
      `/assessor/reviews/${attemptId}/${silent?.slot}/marks`,
      marks([30, 25, 25]),
    );
    expect(late.status).toBe(409);
  });
});

describe('returning work', () => {
  it('gives returned work, with its documented reason, to another assessor', async () => {
    const attemptId = await sit('s-return', 'right');
    const [returning, other] = await eventually(async () => {
      const open = await openReviews(attemptId);
      return open.length >= 2 ? open : undefined;
    }, 'two open reviews');
    const tooShort = await call(
      returning?.user as string,
      'POST',
      `/assessor/reviews/${attemptId}/${returning?.slot}/return`,
      { reason: 'no' },
    );
    expect(tooShort.status).toBe(400);
    const returned = await whenReady(
      returning?.user as string,
      `/assessor/reviews/${attemptId}/${returning?.slot}/return`,
      {
        reason: 'The photographs of the measured shaft are unreadable',
      },
      'the review to be ready',
    );
    expect(returned.status).toBe(200);
    const replacement = await eventually(
      async () => (await openReviews(attemptId)).find((r) => r.slot.length > 1),
      'a replacement review',
    );
    expect([returning?.user, other?.user]).not.toContain(replacement.user);
    for (const review of [other, replacement]) {
      const r = await whenReady(
        review?.user as string,
        `/assessor/reviews/${attemptId}/${review?.slot}/marks`,
        marks([30, 25, 25]),
        'a review to be ready',
      );
      expect(r.status).toBe(200);
    }
    expect(await decided(attemptId)).toMatchObject({ status: 'passed' });
  });
});

describe('the candidate API refuses what it must and changes nothing', () => {
  const sfn = () =>
    new SFNClient({
      endpoint: cloud.endpoints.stepFunctions,
      region: cloud.region,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
  async function executionsNamed(name: string) {
    const { executions } = await sfn().send(
      new ListExecutionsCommand({
        stateMachineArn: cloud.model.stateMachines[0]?.arn as string,
        maxResults: 1000,
      }),
    );
    return (executions ?? []).filter((e) => e.name === name);
  }

  it('returns the same attempt when a candidate starts twice, with no answer key in any response', async () => {
    const first = await call('zhangwei', 'POST', '/sessions/s-rules/attempts');
    const again = await call('zhangwei', 'POST', '/sessions/s-rules/attempts');
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.attemptId).toBe(first.body.attemptId);
    const responses = [
      first,
      again,
      await call('zhangwei', 'GET', `/attempts/${first.body.attemptId}`),
      await call('zhangwei', 'GET', '/sessions'),
    ];
    for (const r of responses) {
      const text = JSON.stringify(r.body);
      expect(text).not.toMatch(/"answer"|"accepted"/);
      expect(text).not.toContain('速度');
    }
  });

  it('refuses malformed bodies with 400 and keeps the saved answers', async () => {
    const { body } = await call('zhangwei', 'POST', '/sessions/s-rules/attempts');
    const attemptId = body.attemptId as string;
    const [firstItem] = body.paper as { id: string }[];
    const saved = await call('zhangwei', 'PUT', `/attempts/${attemptId}/answers`, {
      answers: rightAnswers([firstItem as { id: string }]),
    });
    expect(saved.status).toBe(200);
    for (const bad of [
      '{not json',
      { answers: 'all of them' },
      { answers: { zz: 'a' } },
      { answers: { [firstItem?.id as string]: 42 } },
    ]) {
      const refused = await call('zhangwei', 'PUT', `/attempts/${attemptId}/answers`, bad);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toEqual(expect.any(String));
    }
    const after = await call('zhangwei', 'GET', `/attempts/${attemptId}`);
    expect(after.body.answers).toEqual(rightAnswers([firstItem as { id: string }]));
  });

  it('hides one candidate’s attempt from another, and the candidate routes from assessors', async () => {
    const { body } = await call('zhangwei', 'POST', '/sessions/s-rules/attempts');
    expect((await call('liuyang', 'GET', `/attempts/${body.attemptId}`)).status).toBe(404);
    expect((await call('liuyang', 'POST', `/attempts/${body.attemptId}/submit`, {})).status).toBe(404);
    expect((await call('liqiang', 'GET', `/attempts/${body.attemptId}`)).status).toBe(403);
  });

  it('refuses a submit after the deadline and the grace, with nothing changed', async () => {
    const { body } = await call('zhangwei', 'POST', '/sessions/s-late/attempts');
    const attemptId = body.attemptId as string;
    // The attempt started two hours ago (the exam allows 90 minutes and 30 s of grace).
    await cloud.dynamoClient.send(
      new UpdateItemCommand({
        TableName: cloud.model.tables[0]?.tableName,
        Key: { pk: { S: `ATTEMPT#${attemptId}` }, sk: { S: 'ATTEMPT' } },
        UpdateExpression: 'SET startedAt = :t',
        ExpressionAttributeValues: { ':t': { S: new Date(Date.now() - 2 * 3_600_000).toISOString() } },
      }),
    );
    const late = await call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, { answers: {} });
    expect(late).toMatchObject({ status: 409, body: { error: 'attempt-closed' } });
    expect((await call('zhangwei', 'GET', `/attempts/${attemptId}`)).body.status).toBe('in-progress');
    expect(await executionsNamed(attemptId)).toEqual([]);
  });

  it('runs one execution and issues at most one certificate for two concurrent submits', async () => {
    const { body } = await call('zhangwei', 'POST', '/sessions/s-concurrent/attempts');
    const attemptId = body.attemptId as string;
    const answers = rightAnswers(body.paper as { id: string }[]);
    const both = await Promise.all([
      call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, { answers, practicalEvidence: 'Ø40h7' }),
      call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, { answers, practicalEvidence: 'Ø40h7' }),
    ]);
    // One submits (202); the other finds it submitted and says nothing changed (200).
    expect(both.map((r) => r.status).sort()).toEqual([200, 202]);
    await markAll(attemptId, {}, 2);
    const result = await decided(attemptId);
    expect(result.status).toBe('passed');
    expect(await executionsNamed(attemptId)).toHaveLength(1);
    const { body: mine } = await call('zhangwei', 'GET', '/me/certificates');
    const fromThisAttempt = (mine.certificates as { number: string }[]).filter(
      (c) => c.number === result.certificateNumber,
    );
    expect(fromThisAttempt).toHaveLength(1);
  });
});

describe('the assessor API', () => {
  it('shows no candidate identity and refuses to act on a review that is not the caller’s', async () => {
    const attemptId = await sit('s-assessor', 'right');
    const reviews = await eventually(async () => {
      const open = await openReviews(attemptId);
      return open.length >= 2 ? open : undefined;
    }, 'two reviews');
    const [mine] = reviews;
    const stranger = ASSESSORS.find((a) => !reviews.some((r) => r.user === a)) as string;
    const queue = await call(mine?.user as string, 'GET', '/assessor/reviews');
    const review = await call(mine?.user as string, 'GET', `/assessor/reviews/${attemptId}/${mine?.slot}`);
    for (const r of [queue, review]) {
      const text = JSON.stringify(r.body);
      expect(text).not.toMatch(/zhangwei|张伟|11010519491231002X|内江机械厂/);
    }
    expect(review.body.practicalEvidence).toEqual(expect.any(String));
    const foreign = await call(
      stranger,
      'POST',
      `/assessor/reviews/${attemptId}/${mine?.slot}/marks`,
      marks([30, 25, 25]),
    );
    expect(foreign.status).toBe(404);
    const overMax = await call(
      mine?.user as string,
      'POST',
      `/assessor/reviews/${attemptId}/${mine?.slot}/marks`,
      marks([41, 25, 25]),
    );
    expect(overMax.status).toBe(400);
    expect(overMax.body.message).toMatch(/between 0 and 40/);
  });
});
