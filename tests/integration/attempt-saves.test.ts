// The exam runner's backend through the real HTTP API on the local cloud: per-item versioned saves that a
// retry can never undo, the server's clock and deadline in every attempt, the deadline timer that submits
// when time is up (and its race with the candidate's own submit), practical evidence required and kept,
// a repeated submit that says it changed nothing, and one live attempt per exam.
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { synthesizeRegion } from '../../local/synth.js';
import { CertificationApi } from '../support/certification-api.js';
import { eventually } from '../support/eventually.js';
import { TEST_STACK_OPTIONS } from '../support/regions.js';
import { EXAM } from '../unit/domain/fixtures.js';

let cloud: LocalCloud;
let api: CertificationApi;

type Paper = { id: string; kind: string; options?: { id: string }[] }[];

/** An exam of its own per scenario (one live attempt per exam), theory only unless practical. */
async function exam(id: string, options: { practical?: boolean; graceSeconds?: number } = {}) {
  const { id: _id, occupation, policy, ...body } = EXAM;
  const put = await api.call('liumin', 'PUT', `/admin/exams/${id}`, {
    ...body,
    occupationCode: occupation.code,
    policy: { version: policy.version },
    ...(options.practical ? {} : { rubric: [], level: 5 }),
    graceSeconds: options.graceSeconds ?? 30,
  });
  if (put.status !== 200) throw new Error(`exam: ${JSON.stringify(put.body)}`);
}

async function session(id: string, examId: string) {
  const now = Date.now();
  const put = await api.call('liumin', 'PUT', `/admin/sessions/${id}`, {
    examId,
    opensAt: new Date(now - 3 * 3_600_000).toISOString(),
    closesAt: new Date(now + 3_600_000).toISOString(),
    seatLimit: 30,
    location: '内江职业技术学院 实训楼 A204',
  });
  if (put.status !== 200) throw new Error(`session: ${JSON.stringify(put.body)}`);
}

async function start(sessionId: string, user = 'zhangwei') {
  const started = await api.call(user, 'POST', `/sessions/${sessionId}/attempts`);
  if (started.status !== 201) throw new Error(`start: ${JSON.stringify(started.body)}`);
  return {
    attemptId: started.body.attemptId as string,
    paper: started.body.paper as Paper,
    body: started.body,
  };
}

/** A valid answer for an item of the paper (the first option, true, or some text). */
function someAnswer(item: Paper[number], n = 0): string | string[] | boolean {
  if (item.kind === 'true-false') return n % 2 === 0;
  if (item.kind === 'fill-in') return `answer ${n}`;
  const option = item.options?.[n % (item.options?.length ?? 1)]?.id as string;
  return item.kind === 'multiple' ? [option] : option;
}

const save = (attemptId: string, itemId: string, body: unknown) =>
  api.call('zhangwei', 'PUT', `/attempts/${attemptId}/items/${encodeURIComponent(itemId)}`, body);

function sfn() {
  return new SFNClient({
    endpoint: cloud.endpoints.stepFunctions,
    region: cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Executions of a state machine (by logical id part) named after the attempt. */
async function executions(machine: 'Workflow' | 'DeadlineTimer', attemptId: string) {
  const arn = cloud.model.stateMachines.find((m) => m.logicalId.includes(`${machine}StateMachine`))?.arn;
  if (!arn)
    throw new Error(`no ${machine} state machine in ${cloud.model.stateMachines.map((m) => m.logicalId)}`);
  const { executions: found } = await sfn().send(
    new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1000 }),
  );
  return (found ?? []).filter((e) => e.name === attemptId);
}

beforeAll(async () => {
  const stack = synthesizeRegion(TEST_STACK_OPTIONS);
  cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    schedules: 'off',
  });
  api = new CertificationApi(cloud);
  await api.signIn();
  await api.setUp([]);
});

afterEach(() => cloud?.clock.release());

afterAll(async () => {
  await cloud?.stop();
});

describe('per-item saves', () => {
  it('keep the highest version per item: a late or repeated older save changes nothing', async () => {
    await exam('saves-order');
    await session('s-saves-order', 'saves-order');
    const { attemptId, paper } = await start('s-saves-order');
    const item = paper[0] as Paper[number];
    const first = await save(attemptId, item.id, { answer: someAnswer(item, 0), flagged: false, version: 1 });
    expect(first).toMatchObject({
      status: 200,
      body: { itemId: item.id, version: 1, acknowledgedAt: expect.any(String) },
    });
    const second = await save(attemptId, item.id, { answer: someAnswer(item, 1), flagged: true, version: 2 });
    expect(second).toMatchObject({ status: 200, body: { version: 2 } });
    // The first request, retried late, and a repeat of the second: nothing changes.
    const late = await save(attemptId, item.id, { answer: someAnswer(item, 0), flagged: false, version: 1 });
    expect(late).toMatchObject({ status: 200, body: { itemId: item.id, version: 2, stale: true } });
    expect(late.body.acknowledgedAt).toBeUndefined();
    const repeat = await save(attemptId, item.id, {
      answer: someAnswer(item, 3),
      flagged: false,
      version: 2,
    });
    expect(repeat.body).toMatchObject({ stale: true, version: 2 });
    const { body } = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    expect((body.saved as Record<string, unknown>)[item.id]).toEqual({
      answer: someAnswer(item, 1),
      flagged: true,
      version: 2,
    });
  });

  it('keep the highest version when saves of one item race in any order', async () => {
    await exam('saves-race');
    await session('s-saves-race', 'saves-race');
    const { attemptId, paper } = await start('s-saves-race');
    const item = paper.find((p) => p.kind === 'fill-in') as Paper[number];
    const versions = [3, 1, 5, 2, 4];
    const replies = await Promise.all(
      versions.map((v) => save(attemptId, item.id, { answer: `v${v}`, flagged: false, version: v })),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const { body } = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    expect((body.saved as Record<string, unknown>)[item.id]).toEqual({
      answer: 'v5',
      flagged: false,
      version: 5,
    });
    expect((body.answers as Record<string, unknown>)[item.id]).toBe('v5');
  });

  it('give the page the server’s clock, deadline, grace and closing time, and clear an item with null', async () => {
    await exam('saves-clock', { graceSeconds: 45 });
    await session('s-saves-clock', 'saves-clock');
    const { attemptId, paper } = await start('s-saves-clock');
    const item = paper[1] as Paper[number];
    await save(attemptId, item.id, { answer: someAnswer(item), flagged: true, version: 1 });
    await save(attemptId, item.id, { answer: null, flagged: true, version: 2 });
    const response = await fetch(`${cloud.endpoints.api}/attempts/${attemptId}`, {
      headers: {
        authorization: `Bearer ${(api as unknown as { tokens: Map<string, string> }).tokens.get('zhangwei')}`,
      },
    });
    expect(Math.abs(Date.parse(response.headers.get('date') as string) - Date.now())).toBeLessThan(5_000);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Math.abs(Date.parse(body.serverTime as string) - Date.now())).toBeLessThan(5_000);
    expect(body.graceSeconds).toBe(45);
    expect(Date.parse(body.deadline as string) - Date.parse(body.startedAt as string)).toBe(
      EXAM.timeLimitMinutes * 60_000,
    );
    expect(Date.parse(body.closesAt as string) - Date.parse(body.deadline as string)).toBe(45_000);
    expect((body.saved as Record<string, unknown>)[item.id]).toEqual({
      answer: null,
      flagged: true,
      version: 2,
    });
    expect(body.answers).toEqual({});
  });

  it('refuse bad input with a 400 naming the field, changing nothing', async () => {
    await exam('saves-bad');
    await session('s-saves-bad', 'saves-bad');
    const { attemptId, paper } = await start('s-saves-bad');
    const single = paper.find((p) => p.kind === 'single') as Paper[number];
    const cases: [string, unknown, string][] = [
      [single.id, { answer: 'no-such-option', flagged: false, version: 1 }, 'answer'],
      [single.id, { answer: true, flagged: false, version: 1 }, 'answer'],
      [single.id, { answer: single.options?.[0]?.id, flagged: false, version: 0 }, 'version'],
      [single.id, { answer: single.options?.[0]?.id, flagged: false, version: 1.5 }, 'version'],
      [single.id, { answer: single.options?.[0]?.id, version: 1 }, 'flagged'],
      [single.id, { answer: single.options?.[0]?.id, flagged: false, version: 1, extra: 1 }, ''],
      ['not-on-my-paper', { answer: null, flagged: false, version: 1 }, 'itemId'],
    ];
    for (const [itemId, body, field] of cases) {
      const r = await save(attemptId, itemId, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      if (field) expect(JSON.stringify(r.body.details), JSON.stringify(body)).toContain(`"field":"${field}`);
    }
    expect((await api.call('zhangwei', 'GET', `/attempts/${attemptId}`)).body.saved).toEqual({});
  });

  it('make the whole-set route refuse once items are saved one by one, so it cannot undo them', async () => {
    await exam('saves-whole');
    await session('s-saves-whole', 'saves-whole');
    const { attemptId, paper } = await start('s-saves-whole');
    const item = paper[0] as Paper[number];
    // Before any per-item save the older route still works (npm run demo uses it).
    const whole = await api.call('zhangwei', 'PUT', `/attempts/${attemptId}/answers`, {
      answers: { [item.id]: someAnswer(item) },
    });
    expect(whole).toMatchObject({ status: 200, body: { saved: 1 } });
    await save(attemptId, item.id, { answer: someAnswer(item, 1), flagged: false, version: 1 });
    const refused = await api.call('zhangwei', 'PUT', `/attempts/${attemptId}/answers`, { answers: {} });
    expect(refused).toMatchObject({
      status: 409,
      body: { error: 'item-saves-in-use', messageZh: expect.any(String) },
    });
    const submitWithSet = await api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
      answers: {},
    });
    expect(submitWithSet).toMatchObject({ status: 409, body: { error: 'item-saves-in-use' } });
    const { body } = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    expect((body.answers as Record<string, unknown>)[item.id]).toEqual(someAnswer(item, 1));
    expect(body.status).toBe('in-progress');
  });

  it('are refused after deadline + grace with 409 attempt-closed', async () => {
    await exam('saves-late', { graceSeconds: 30 });
    await session('s-saves-late', 'saves-late');
    const { attemptId, paper, body } = await start('s-saves-late');
    const item = paper[0] as Paper[number];
    cloud.clock.pin(new Date(Date.parse(body.closesAt as string) + 1));
    const late = await save(attemptId, item.id, { answer: someAnswer(item), flagged: false, version: 1 });
    expect(late).toMatchObject({
      status: 409,
      body: {
        error: 'attempt-closed',
        message: expect.stringMatching(/over/),
        messageZh: expect.stringMatching(/时间已到/),
      },
    });
    cloud.clock.pin(body.closesAt as string);
    const last = await save(attemptId, item.id, { answer: someAnswer(item), flagged: false, version: 1 });
    expect(last.status).toBe(200);
  });
});

describe('the server submits when time is up', () => {
  it('submits the acknowledged answers at deadline + grace and grades as usual; later saves are refused', async () => {
    await exam('timer-auto', { graceSeconds: 0 });
    await session('s-timer-auto', 'timer-auto');
    // Started (by the functions' clock) so that it closes five seconds from now.
    cloud.clock.pin(new Date(Date.now() - EXAM.timeLimitMinutes * 60_000 + 5_000));
    const { attemptId, paper } = await start('s-timer-auto');
    cloud.clock.release();
    const acknowledged = paper.slice(0, 3);
    for (const [n, item] of acknowledged.entries()) {
      expect(
        (await save(attemptId, item.id, { answer: someAnswer(item, n), flagged: false, version: 1 })).status,
      ).toBe(200);
    }
    expect(await executions('DeadlineTimer', attemptId)).toHaveLength(1);
    const decided = await api.settled(attemptId, ['passed', 'failed', 'error'], 60_000);
    expect(decided).toMatchObject({
      status: expect.stringMatching(/passed|failed/),
      submittedBy: 'deadline',
    });
    expect(Object.keys(decided.answers as object).sort()).toEqual(acknowledged.map((i) => i.id).sort());
    expect(Date.parse(decided.submittedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(decided.closesAt as string),
    );
    expect(await executions('Workflow', attemptId)).toHaveLength(1);
    const after = await save(attemptId, (paper[4] as Paper[number]).id, {
      answer: someAnswer(paper[4] as Paper[number]),
      flagged: false,
      version: 1,
    });
    expect(after).toMatchObject({ status: 409, body: { error: 'attempt-submitted' } });
  });

  it('races the candidate’s own submit at the closing instant: one submission, one workflow', async () => {
    await exam('timer-race', { graceSeconds: 0 });
    await session('s-timer-race', 'timer-race');
    const { attemptId, body } = await start('s-timer-race');
    const deadlineFn = cloud.model.functions.find((f) => f.logicalId.includes('SubmitAtDeadline'));
    // Both at exactly closesAt, which each may still act at.
    cloud.clock.pin(body.closesAt as string);
    const [candidate, timer] = await Promise.all([
      api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {}),
      cloud.lambda.invoke(deadlineFn?.functionName as string, { attemptId }),
    ]);
    const timerOutcome = (timer as { payload?: { outcome: string } }).payload?.outcome;
    // Exactly one of them submitted.
    expect([candidate.status === 202, timerOutcome === 'submitted-at-deadline'].filter(Boolean)).toHaveLength(
      1,
    );
    cloud.clock.release();
    const settled = await api.settled(attemptId, ['passed', 'failed'], 60_000);
    expect(settled.submittedBy).toBe(candidate.status === 202 ? 'candidate' : 'deadline');
    expect(await executions('Workflow', attemptId)).toHaveLength(1);
  });
});

describe('work silently ignored, no more', () => {
  it('requires practical evidence, saves it versioned, and a repeated submit says it changed nothing', async () => {
    await exam('evidence-exam', { practical: true });
    await session('s-evidence', 'evidence-exam');
    const { attemptId, paper } = await start('s-evidence');
    await save(attemptId, (paper[0] as Paper[number]).id, {
      answer: someAnswer(paper[0] as Paper[number]),
      flagged: false,
      version: 1,
    });
    const without = await api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {});
    expect(without).toMatchObject({
      status: 409,
      body: { error: 'evidence-required', messageZh: expect.stringMatching(/操作技能/) },
    });
    expect(JSON.stringify(without.body.details)).toContain('practicalEvidence');
    const blank = await api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
      practicalEvidence: '   ',
    });
    expect(blank.status).toBe(409);

    const ev = (evidence: string, version: number) =>
      api.call('zhangwei', 'PUT', `/attempts/${attemptId}/evidence`, { evidence, version });
    expect(await ev('Shaft Ø40h7: 39.988 / 39.991', 2)).toMatchObject({ status: 200, body: { version: 2 } });
    expect(await ev('an older draft', 1)).toMatchObject({ status: 200, body: { version: 2, stale: true } });
    expect((await ev('x', 0)).status).toBe(400);
    expect((await api.call('zhangwei', 'GET', `/attempts/${attemptId}`)).body).toMatchObject({
      practicalEvidence: 'Shaft Ø40h7: 39.988 / 39.991',
      evidenceVersion: 2,
    });

    const submitted = await api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {});
    expect(submitted).toMatchObject({ status: 202, body: { status: 'submitted', submittedBy: 'candidate' } });
    const again = await api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {});
    expect(again).toMatchObject({
      status: 200,
      body: {
        unchanged: true,
        message: expect.stringMatching(/changed nothing/),
        messageZh: expect.any(String),
      },
    });
    const different = await api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {
      practicalEvidence: 'new evidence',
    });
    expect(different).toMatchObject({ status: 409, body: { error: 'already-submitted' } });
    expect(await ev('too late', 3)).toMatchObject({ status: 409, body: { error: 'attempt-submitted' } });
    const kept = await api.call('zhangwei', 'GET', `/attempts/${attemptId}`);
    expect(kept.body.practicalEvidence).toBe('Shaft Ø40h7: 39.988 / 39.991');
    expect(await executions('Workflow', attemptId)).toHaveLength(1);
  });

  it('refuses evidence for an exam without a practical part', async () => {
    await exam('evidence-none');
    await session('s-evidence-none', 'evidence-none');
    const { attemptId } = await start('s-evidence-none');
    const r = await api.call('zhangwei', 'PUT', `/attempts/${attemptId}/evidence`, {
      evidence: 'x',
      version: 1,
    });
    expect(r).toMatchObject({ status: 409, body: { error: 'evidence-not-asked' } });
  });

  it('allows one live attempt per exam: another session of it is refused until the first has its result', async () => {
    await exam('live-exam');
    await session('s-live-1', 'live-exam');
    await session('s-live-2', 'live-exam');
    const { attemptId } = await start('s-live-1');
    const refused = await api.call('zhangwei', 'POST', '/sessions/s-live-2/attempts');
    expect(refused).toMatchObject({
      status: 409,
      body: {
        error: 'live-attempt',
        details: { attemptId, status: 'in-progress' },
        messageZh: expect.stringMatching(/尚未结束/),
      },
    });
    // Starting the same session again is the same attempt, as before.
    expect((await api.call('zhangwei', 'POST', '/sessions/s-live-1/attempts')).body.attemptId).toBe(
      attemptId,
    );
    // Submitted but not yet decided: still live. Decided: a new attempt may start.
    await api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {});
    await api.settled(attemptId, ['passed', 'failed'], 60_000);
    const next = await api.call('zhangwei', 'POST', '/sessions/s-live-2/attempts');
    expect(next.status).toBe(201);
    expect(next.body.attemptId).not.toBe(attemptId);
  });
});

describe('a route that takes no body', () => {
  it('refuses one when starting an attempt: 400 naming the body, no seat taken, no attempt made', async () => {
    await exam('no-body-exam');
    await session('s-no-body', 'no-body-exam');
    const seatsLeft = async () => {
      const open = await api.call('zhangwei', 'GET', '/sessions?limit=100');
      const entry = (open.body.sessions as { sessionId: string; seatsLeft: number }[]).find(
        (s) => s.sessionId === 's-no-body',
      );
      return entry?.seatsLeft;
    };
    expect(await seatsLeft()).toBe(30);
    const refused = await api.call('zhangwei', 'POST', '/sessions/s-no-body/attempts', {
      sessionId: 's-other',
    });
    expect(refused).toEqual({
      status: 400,
      body: {
        error: 'BadRequest',
        message: '(body) must be empty: this request takes no body',
        messageZh: '(body) 须为空：此请求不接受请求体',
        details: [
          {
            field: '(body)',
            message: 'must be empty: this request takes no body',
            messageZh: '须为空：此请求不接受请求体',
          },
        ],
      },
    });
    expect(await seatsLeft()).toBe(30);
    const mine = await api.call('zhangwei', 'GET', '/me/attempts?limit=100');
    expect(
      (mine.body.attempts as { sessionId: string }[]).filter((a) => a.sessionId === 's-no-body'),
    ).toEqual([]);
    // The same request without a body starts the attempt.
    const { attemptId } = await start('s-no-body');
    expect(await seatsLeft()).toBe(29);
    expect(await executions('DeadlineTimer', attemptId)).toHaveLength(1);
  });
});

describe('the deadline timer', () => {
  it('is one Standard execution per attempt, waiting for closesAt', async () => {
    await exam('timer-one');
    await session('s-timer-one', 'timer-one');
    const { attemptId } = await start('s-timer-one');
    await eventually(
      async () => ((await executions('DeadlineTimer', attemptId)).length === 1 ? true : undefined),
      'the timer',
    );
    const [timer] = await executions('DeadlineTimer', attemptId);
    expect(timer?.status).toBe('RUNNING');
  });
});
