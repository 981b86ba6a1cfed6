// The local cloud's data survives a restart: an attempt waiting for marks is still waiting afterwards,
// and still completes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { DEV_USERS } from '../../local/dev-identities.js';
import { synthesizeRegion } from '../../local/synth.js';
import { EXAM_BODY, EXAM_ID, OCCUPATION } from '../../scripts/demo-exam.js';
import { eventually } from '../support/eventually.js';

let root: string;
let stack: ReturnType<typeof synthesizeRegion>;
let cloud: LocalCloud;

async function up() {
  return startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'disk', dataDir: join(root, 'data') },
  });
}

async function token(c: LocalCloud, username: string) {
  const [pool] = c.model.userPools;
  const response = await fetch(`${pool?.issuer}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: pool?.clients.find((x) => !x.generateSecret)?.clientId as string,
      username,
      password: DEV_USERS.find((u) => u.username === username)?.password as string,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function call(c: LocalCloud, user: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${c.endpoints.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token(c, user)}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const ASSESSORS = ['liqiang', 'wangfang', 'zhaolei'];

async function openReviews(c: LocalCloud, attemptId: string) {
  const found: { user: string; slot: string }[] = [];
  for (const user of ASSESSORS) {
    const { body } = await call(c, user, 'GET', '/assessor/reviews');
    for (const r of body.reviews as { attemptId: string; slot: string }[])
      if (r.attemptId === attemptId) found.push({ user, slot: r.slot });
  }
  return found;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'skillcert-restart-'));
  stack = synthesizeRegion({ region: 'neijiang' });
  cloud = await up();
}, 120_000);

afterAll(async () => {
  await cloud?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('a restart of the local cloud', () => {
  it('keeps an attempt waiting for marks, which then completes', async () => {
    const me = async (user: string) => String((await call(cloud, user, 'GET', '/me')).body.sub);
    await call(cloud, 'liumin', 'PUT', `/admin/occupations/${OCCUPATION.code}`, {
      nameZh: OCCUPATION.nameZh,
      nameEn: OCCUPATION.nameEn,
    });
    expect((await call(cloud, 'liumin', 'PUT', `/admin/exams/${EXAM_ID}`, EXAM_BODY)).status).toBe(200);
    await call(cloud, 'liumin', 'PUT', '/admin/sessions/restart', {
      examId: EXAM_ID,
      opensAt: new Date(Date.now() - 60_000).toISOString(),
      closesAt: new Date(Date.now() + 3_600_000).toISOString(),
      seatLimit: 5,
      location: 'A204',
    });
    for (const username of ['zhangwei', ...ASSESSORS]) {
      const dev = DEV_USERS.find((u) => u.username === username);
      const candidate = username === 'zhangwei';
      await call(cloud, 'liumin', 'PUT', `/admin/people/${await me(username)}`, {
        name: dev?.name,
        employer: dev?.employer,
        trainingOrg: dev?.trainingOrg,
        roles: [candidate ? 'candidate' : 'assessor'],
        senior: true,
        yearsOfWork: { [OCCUPATION.code]: 6 },
        ...(candidate ? { nationalId: '51100219900307123X' } : {}),
      });
    }
    const attempt = await call(cloud, 'zhangwei', 'POST', '/sessions/restart/attempts');
    const attemptId = attempt.body.attemptId as string;
    expect(
      (
        await call(cloud, 'zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
          answers: {},
          practicalEvidence: 'shaft',
        })
      ).status,
    ).toBe(202);
    const before = await eventually(async () => {
      const open = await openReviews(cloud, attemptId);
      return open.length === 2 ? open : undefined;
    }, 'two open reviews');
    // Give the workflow a moment to hand its tokens to the reviews, then restart everything.
    await new Promise((r) => setTimeout(r, 500));
    await cloud.stop();
    cloud = await up();

    expect((await call(cloud, 'zhangwei', 'GET', `/attempts/${attemptId}`)).body.status).toBe('marking');
    expect(await openReviews(cloud, attemptId)).toEqual(before);
    for (const review of before) {
      const marked = await eventually(async () => {
        const r = await call(
          cloud,
          review.user,
          'POST',
          `/assessor/reviews/${attemptId}/${review.slot}/marks`,
          {
            criteria: EXAM_BODY.rubric.map((c) => ({ criterionId: c.id, points: c.maxPoints })),
          },
        );
        return r.status === 200 ? r : undefined;
      }, `review ${review.slot} to accept its mark after the restart`);
      expect(marked.body.score).toBe(100);
    }
    const done = await eventually(async () => {
      const { body } = await call(cloud, 'zhangwei', 'GET', `/attempts/${attemptId}`);
      return body.status === 'marking' ? undefined : body;
    }, 'the decision');
    // Theory was left blank, so the result is a fail — decided after the restart, as a normal ending.
    expect(done).toMatchObject({
      status: 'failed',
      result: { reasons: ['theory 0 is below the pass mark 60'] },
    });
  });
});
