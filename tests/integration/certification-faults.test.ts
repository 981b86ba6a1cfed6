// The certification workflow on the local cloud when things go wrong (issue 9): a step that times out
// after its work committed, a DynamoDB transaction conflict, a mark that races the marking timeout or
// whose SendTaskSuccess is lost, a reassignment that runs twice, and an attempt stopped by an error that
// an admin resumes — with faults injected where AWS would produce them.
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local/cloud.js';
import { synthesizeRegion } from '../../local/synth.js';
import { CertificationApi } from '../support/certification-api.js';
import { eventually } from '../support/eventually.js';

const MARKING_TIMEOUT_SECONDS = 4;
const SESSIONS = ['f-late', 'f-conflict', 'f-race', 'f-lost', 'f-twice', 'f-aborted', 'f-resume'];

let cloud: LocalCloud;
let api: CertificationApi;

beforeAll(async () => {
  // The same options as certification.test.ts and the partner tests' Neijiang: one synthesis serves all.
  const stack = synthesizeRegion({
    region: 'neijiang',
    markingTimeoutSeconds: MARKING_TIMEOUT_SECONDS,
    noticeRetrySeconds: 1,
  });
  cloud = await startLocalCloud({
    assemblyDir: stack.assemblyDir,
    stackArtifactId: stack.stackArtifactId,
    storage: { kind: 'memory' },
    faults: true,
  });
  api = new CertificationApi(cloud);
  await api.signIn();
  await api.setUp(SESSIONS);
}, 180_000);

afterAll(async () => {
  await cloud?.stop();
});

beforeEach(() => cloud.faults?.clear());

const faults = () => {
  if (!cloud.faults) throw new Error('the cloud runs without faults');
  return cloud.faults;
};

function eventsFor(attemptId: string, detailType: string) {
  return cloud.eventBus
    .recorded()
    .filter(
      (e) => e.detailType === detailType && (e.detail as { attemptId?: string }).attemptId === attemptId,
    );
}

async function markBoth(attemptId: string, scores: [number, number]) {
  const queued = await api.queuedAtLeast(attemptId, 2);
  for (const [i, review] of queued.entries()) {
    const marked = await api.mark(review.user, attemptId, review.slot, scores[i] as number);
    expect(marked.status).toBe(200);
  }
  return queued;
}

describe('retries that happen, and errors that never overwrite a decision (issue 9)', () => {
  it('keeps a pass whose DecideResult timed out after the certificate committed, and publishes CertificateIssued', async () => {
    const attemptId = await api.sit('f-late');
    // DecideResult issues the certificate, then its answer is lost as if the function had timed out.
    const late = faults().inject({
      service: 'lambda',
      function: 'CertificationDecideResultFunction',
      at: 'after',
      error: 'Sandbox.Timedout',
      match: attemptId,
    });
    await markBoth(attemptId, [90, 86]);
    const result = await api.settled(attemptId);
    // The pass is visible as soon as DecideResult commits; its (lost) answer comes back a moment later.
    await eventually(async () => (late.hits() === 1 ? true : undefined), 'the timed-out DecideResult');
    expect(result).toMatchObject({ status: 'passed', certificateNumber: expect.any(String) });
    const issued = await eventually(
      async () => (eventsFor(attemptId, 'CertificateIssued').length > 0 ? true : undefined),
      'the CertificateIssued event',
    );
    expect(issued).toBe(true);
    const { body } = await api.call('zhangwei', 'GET', '/me/certificates');
    const mine = (body.certificates as { number: string; status: string }[]).filter(
      (c) => c.number === result.certificateNumber,
    );
    expect(mine).toEqual([expect.objectContaining({ status: 'active' })]);
  });

  it('retries an issuance cancelled by a DynamoDB TransactionConflict instead of stopping the attempt', async () => {
    const attemptId = await api.sit('f-conflict');
    const conflict = faults().inject({
      service: 'dynamodb',
      operation: 'TransactWriteItems',
      match: 'COUNTER#CERT#',
      error: 'TransactionConflict',
    });
    await markBoth(attemptId, [80, 84]);
    const result = await api.settled(attemptId);
    expect(conflict.hits()).toBe(1);
    expect(result).toMatchObject({ status: 'passed' });
  });
});

describe('a mark racing the marking timeout (issue 9)', () => {
  it('keeps A = 90 that lands as A’s wait times out, opens no third review, and sends A = 90 / B = 40 to moderation', async () => {
    const attemptId = await api.sit('f-race');
    const [first, second] = await api.queuedAtLeast(attemptId, 2);
    expect(await api.mark(second?.user as string, attemptId, second?.slot as string, 40)).toMatchObject({
      status: 200,
    });
    // The mark is saved at once; its SendTaskSuccess reaches Step Functions only after the wait timed out.
    faults().inject({
      service: 'stepfunctions',
      operation: 'SendTaskSuccess',
      delayMs: (MARKING_TIMEOUT_SECONDS + 1) * 1000,
    });
    const raced = await api.mark(first?.user as string, attemptId, first?.slot as string, 90);
    expect(raced).toMatchObject({ status: 200, body: { score: 90 } });
    const moderation = await eventually(
      async () => (await api.queued(attemptId)).find((r) => r.moderation),
      'a moderation review',
    );
    expect((await api.reviews(attemptId)).map((r) => r.slot).sort()).toEqual(['A', 'B', 'M']);
    expect(await api.mark(moderation.user, attemptId, moderation.slot, 70)).toMatchObject({ status: 200 });
    const result = await api.settled(attemptId);
    expect(result).toMatchObject({ status: 'passed' });
    expect(
      (result.result as { components: { component: string; score: number }[] }).components,
    ).toContainEqual(expect.objectContaining({ component: 'practical', score: 70 }));
  });

  it('keeps a mark whose SendTaskSuccess was lost; at the timeout the workflow finds it and opens no third review', async () => {
    const attemptId = await api.sit('f-lost');
    const [first, second] = await api.queuedAtLeast(attemptId, 2);
    // Every try of the assessor function's SDK fails: Step Functions never hears of the mark.
    const lost = faults().inject(
      { service: 'stepfunctions', operation: 'SendTaskSuccess', error: 'ServiceUnavailable' },
      10,
    );
    const kept = await api.mark(first?.user as string, attemptId, first?.slot as string, 82);
    expect(kept.status).toBe(200);
    lost.remove();
    expect(await api.mark(second?.user as string, attemptId, second?.slot as string, 86)).toMatchObject({
      status: 200,
    });
    const result = await api.settled(attemptId, ['passed', 'failed', 'error'], 60_000);
    expect(result).toMatchObject({ status: 'passed' });
    expect((await api.reviews(attemptId)).map((r) => [r.slot, r.status]).sort()).toEqual([
      ['A', 'marked'],
      ['B', 'marked'],
    ]);
  });

  it('opens one replacement when ReassignMarker is retried after its answer was lost', async () => {
    const attemptId = await api.sit('f-twice');
    const [silent, answering] = await api.queuedAtLeast(attemptId, 2);
    expect(await api.mark(answering?.user as string, attemptId, answering?.slot as string, 80)).toMatchObject(
      {
        status: 200,
      },
    );
    const lostAnswer = faults().inject({
      service: 'lambda',
      function: 'CertificationReassignReviewFunction',
      at: 'after',
      error: 'Sandbox.Timedout',
      match: attemptId,
    });
    // After the marking timeout the silent review is replaced — once, although the step ran twice.
    const replacement = await eventually(
      async () => (await api.queued(attemptId)).find((r) => r.slot.length > 1),
      'a replacement review',
      MARKING_TIMEOUT_SECONDS * 1000 + 30_000,
    );
    expect(lostAnswer.hits()).toBe(1);
    expect([silent?.user, answering?.user]).not.toContain(replacement.user);
    expect(await api.mark(replacement.user, attemptId, replacement.slot, 84)).toMatchObject({ status: 200 });
    expect(await api.settled(attemptId)).toMatchObject({ status: 'passed' });
    expect((await api.reviews(attemptId)).map((r) => [r.slot, r.status]).sort()).toEqual(
      [
        [silent?.slot, 'expired'],
        [answering?.slot, 'marked'],
        [replacement.slot, 'marked'],
      ].sort(),
    );
  });
});

const sfn = () =>
  new SFNClient({
    endpoint: cloud.endpoints.stepFunctions,
    region: cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
const executionOf = (attemptId: string) =>
  `${cloud.model.stateMachines[0]?.arn.replace(':stateMachine:', ':execution:')}:${attemptId}`;

describe('an attempt stopped by an error (issue 9)', () => {
  it('resumes an attempt whose execution an operator aborted, keeping a mark given meanwhile', async () => {
    const attemptId = await api.sit('f-aborted');
    const [first, second] = await api.queuedAtLeast(attemptId, 2);
    await sfn().send(new StopExecutionCommand({ executionArn: executionOf(attemptId), error: 'Operator' }));
    // The token died with the execution; the mark is kept all the same.
    expect(await api.mark(first?.user as string, attemptId, first?.slot as string, 82)).toMatchObject({
      status: 200,
    });
    const tokenOf = async () =>
      (await api.reviews(attemptId)).find((r) => r.slot === second?.slot)?.taskToken;
    const dead = await tokenOf();
    const resumed = await api.call('liumin', 'POST', `/admin/attempts/${attemptId}/resume`);
    expect(resumed.status).toBe(202);
    // The redriven wait hands the unmarked review a new, live token.
    await eventually(async () => ((await tokenOf()) !== dead ? true : undefined), 'a new token');
    expect(await api.mark(second?.user as string, attemptId, second?.slot as string, 86)).toMatchObject({
      status: 200,
    });
    expect(await api.settled(attemptId)).toMatchObject({
      status: 'passed',
      resumes: [{ at: expect.any(String) }],
    });
    expect((await api.reviews(attemptId)).map((r) => r.slot).sort()).toEqual(['A', 'B']);
  });

  it('says so on a re-submit, closes the waiting review’s token, and resumes where it stopped when an admin redrives it', async () => {
    const attemptId = await api.sit('f-resume');
    await api.queuedAtLeast(attemptId, 2);
    // Nobody marks. At the timeout both reviews are reassigned, and only one assessor without a conflict
    // is left for the two replacements: the workflow stops with NoAssessorAvailable.
    const stopped = await api.settled(attemptId, ['error'], MARKING_TIMEOUT_SECONDS * 1000 + 40_000);
    expect(stopped).toMatchObject({
      status: 'error',
      notice: { zh: expect.any(String), en: expect.any(String) },
    });
    expect(JSON.stringify(stopped)).not.toMatch(/NoAssessorAvailable|Needs 1/);

    const again = await api.call('zhangwei', 'POST', `/attempts/${attemptId}/submit`, {});
    expect(again).toMatchObject({ status: 409, body: { error: 'AttemptStopped' } });
    expect(String(again.body.message)).toMatch(/stopped/);

    // The replacement that was waiting for its mark left its assessor's queue: its token died with the run.
    const open = (await api.reviews(attemptId)).filter((r) => r.status === 'open');
    expect(open).toHaveLength(1);
    expect(open[0]?.taskToken).toBeUndefined();
    expect(await api.queued(attemptId)).toEqual([]);
    const waitingUser = [...api.subs].find(([, sub]) => sub === open[0]?.assessorSub)?.[0] as string;
    const refused = await api.mark(waitingUser, attemptId, open[0]?.slot as string, 80);
    expect(refused.status).toBe(409);
    expect(String(refused.body.message)).toMatch(/stopped/);

    // The admin makes 陈刚 eligible (he changed employer) and resumes the attempt.
    await api.person('chengang', ['assessor'], { employer: '乐山机械厂', trainingOrg: '泸州职业技术学院' });
    const resumed = await api.call('liumin', 'POST', `/admin/attempts/${attemptId}/resume`);
    expect(resumed).toMatchObject({ status: 202, body: { attemptId } });
    const twice = await api.call('liumin', 'POST', `/admin/attempts/${attemptId}/resume`);
    expect([202, 409]).toContain(twice.status);

    expect(
      (await sfn().send(new DescribeExecutionCommand({ executionArn: executionOf(attemptId) }))).redriveCount,
    ).toBe(1);

    const back = await api.queuedAtLeast(attemptId, 2, 'both reviews back in queues');
    expect(back).toContainEqual(expect.objectContaining({ user: waitingUser, slot: open[0]?.slot }));
    expect(back.map((r) => r.user)).toContain('chengang');
    for (const review of back)
      expect((await api.mark(review.user, attemptId, review.slot, 84)).status).toBe(200);
    const result = await api.settled(attemptId, ['passed', 'failed']);
    expect(result).toMatchObject({ status: 'passed', resumes: [{ at: expect.any(String) }] });

    const admin = await api.call('liumin', 'GET', `/admin/attempts/${attemptId}`);
    expect(admin).toMatchObject({
      status: 200,
      body: {
        attemptId,
        status: 'passed',
        resumes: [{ by: api.subs.get('liumin'), at: expect.any(String) }],
        errors: [expect.objectContaining({ error: 'NoAssessorAvailable' })],
        execution: { status: 'SUCCEEDED', redriveCount: 1 },
      },
    });
  });
});
