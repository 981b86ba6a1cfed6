import { describe, expect, it } from 'vitest';
import type { InvokeOutcome, LambdaInvoker } from '../../../local/contracts.js';
import type { LocalSchedule, LocalScheduleTarget } from '../../../local/model.js';
import {
  LOCAL_MAX_RETRY_ATTEMPTS,
  nextCronTime,
  nextRunTime,
  parseScheduleExpression,
  ScheduleExpressionError,
  type SchedulerClock,
  startScheduler,
} from '../../../local/scheduler.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 2, 10, 9, 0, 30); // Tuesday 10 March 2026, 09:00:30 UTC

/** A clock that only moves when the test says so; due timers fire in time order. */
class FakeClock implements SchedulerClock {
  private time: number;
  private sequence = 0;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const handle = ++this.sequence;
    this.timers.set(handle, { at: this.time + delayMs, callback });
    return handle;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  pending(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing every timer that falls due, and lets the work they start settle. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    await settle();
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
      if (!due) break;
      const [handle, timer] = due;
      this.timers.delete(handle);
      this.time = timer.at;
      timer.callback();
      await settle();
    }
    this.time = until;
  }
}

/** Lets every promise chain started so far run to its end (the fake invoker answers at once). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Call {
  target: string;
  payload: unknown;
  at: number;
}

function fakeInvoker(
  clock: FakeClock,
  answer: (call: Call, n: number) => InvokeOutcome | Promise<InvokeOutcome>,
) {
  const calls: Call[] = [];
  const invoker: LambdaInvoker = {
    invoke: async (target, payload) => {
      const call = { target, payload, at: clock.now() };
      calls.push(call);
      return answer(call, calls.length);
    },
  };
  return { invoker, calls };
}

const OK: InvokeOutcome = { ok: true, payload: null };
const FAIL: InvokeOutcome = { ok: false, errorType: 'SweepFailed', errorMessage: 'table unavailable' };

function target(overrides: Partial<LocalScheduleTarget> = {}): LocalScheduleTarget {
  return {
    id: 'Target0',
    functionLogicalId: 'SweepFn',
    functionName: 'Stack-SweepFn',
    functionArn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:Stack-SweepFn',
    input: { kind: 'event' },
    maximumRetryAttempts: 2,
    maximumEventAgeSeconds: 86_400,
    ...overrides,
  };
}

function rule(overrides: Partial<LocalSchedule> = {}): LocalSchedule {
  return {
    logicalId: 'SweepSchedule',
    name: 'Stack-SweepSchedule',
    arn: 'arn:aws:events:ap-southeast-1:000000000000:rule/Stack-SweepSchedule',
    expression: 'rate(5 minutes)',
    schedule: { kind: 'rate', periodMs: 5 * MINUTE },
    enabled: true,
    targets: [target()],
    ...overrides,
  };
}

function scheduler(
  schedules: LocalSchedule[],
  answer: (call: Call, n: number) => InvokeOutcome | Promise<InvokeOutcome> = () => OK,
  extra: { paused?: boolean; maxRetryAttempts?: number } = {},
) {
  const clock = new FakeClock(START);
  const { invoker, calls } = fakeInvoker(clock, answer);
  const lines: string[] = [];
  let ids = 0;
  const instance = startScheduler({
    schedules,
    invoker,
    region: 'ap-southeast-1',
    account: '000000000000',
    clock,
    logger: (line) => lines.push(line),
    newId: () => `event-${++ids}`,
    ...extra,
  });
  return { clock, calls, lines, instance };
}

describe('parseScheduleExpression: rate', () => {
  it.each([
    ['rate(1 minute)', MINUTE],
    ['rate(5 minutes)', 5 * MINUTE],
    ['rate(1 hour)', 60 * MINUTE],
    ['rate(12 hours)', 12 * 60 * MINUTE],
    ['rate(1 day)', 24 * 60 * MINUTE],
    ['rate(7 days)', 7 * 24 * 60 * MINUTE],
  ])('%s runs every %d ms', (expression, periodMs) => {
    expect(parseScheduleExpression(expression)).toEqual({ kind: 'rate', periodMs });
  });

  it.each([
    'rate(1 minutes)',
    'rate(5 minute)',
    'rate(0 minutes)',
    'rate(-5 minutes)',
    'rate(1.5 hours)',
    'rate(30 seconds)',
    'rate(2 weeks)',
    'rate(5minutes)',
    'rate()',
    'at(2026-03-10T09:00:00)',
    'every 5 minutes',
  ])('refuses %s as EventBridge does', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ScheduleExpressionError);
  });
});

describe('parseScheduleExpression: cron (six fields, UTC)', () => {
  const next = (expression: string, after: number) => {
    const spec = parseScheduleExpression(expression);
    if (spec.kind !== 'cron') throw new Error('not cron');
    const at = nextCronTime(spec.cron, after);
    return at === undefined ? undefined : new Date(at).toISOString();
  };

  it('finds the next minute the fields name', () => {
    expect(next('cron(0 12 * * ? *)', START)).toBe('2026-03-10T12:00:00.000Z');
    expect(next('cron(0 12 * * ? *)', Date.UTC(2026, 2, 10, 12, 0))).toBe('2026-03-11T12:00:00.000Z');
    expect(next('cron(0/15 * * * ? *)', START)).toBe('2026-03-10T09:15:00.000Z');
    expect(next('cron(5,35 8-10 ? * MON-FRI *)', Date.UTC(2026, 2, 13, 10, 40))).toBe(
      '2026-03-16T08:05:00.000Z',
    );
    expect(next('cron(0 0 1 JAN,JUL ? *)', START)).toBe('2026-07-01T00:00:00.000Z');
    expect(next('cron(30 6 ? * SUN 2027)', START)).toBe('2027-01-03T06:30:00.000Z');
  });

  it('understands L, W and # in the day fields', () => {
    expect(next('cron(0 0 L * ? *)', START)).toBe('2026-03-31T00:00:00.000Z');
    expect(next('cron(0 0 L 2 ? *)', START)).toBe('2027-02-28T00:00:00.000Z');
    // 31 May 2026 is a Sunday: the last weekday is Friday the 29th.
    expect(next('cron(0 0 LW 5 ? *)', START)).toBe('2026-05-29T00:00:00.000Z');
    // 15 March 2026 is a Sunday: the nearest weekday is Monday the 16th.
    expect(next('cron(0 0 15W * ? *)', START)).toBe('2026-03-16T00:00:00.000Z');
    // 1 August 2026 is a Saturday: the nearest weekday in August is Monday the 3rd.
    expect(next('cron(0 0 1W 8 ? *)', START)).toBe('2026-08-03T00:00:00.000Z');
    expect(next('cron(0 9 ? * 6L *)', START)).toBe('2026-03-27T09:00:00.000Z');
    expect(next('cron(0 9 ? * MON#1 *)', START)).toBe('2026-04-06T09:00:00.000Z');
    expect(next('cron(0 9 ? * 2#2 *)', START)).toBe('2026-04-13T09:00:00.000Z');
  });

  it('has no next run once its years are past', () => {
    expect(next('cron(0 0 1 1 ? 2020)', START)).toBeUndefined();
  });

  it.each([
    ['cron(0 12 * * ?)', /six fields/],
    ['cron(0 12 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 12 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(60 12 * * ? *)', /minutes: '60'/],
    ['cron(0 24 * * ? *)', /hours: '24'/],
    ['cron(0 12 32 * ? *)', /day-of-month/],
    ['cron(0 12 * 13 ? *)', /month/],
    ['cron(0 12 ? * 8 *)', /day-of-week/],
    ['cron(0 12 ? * FRI-MON *)', /runs backwards/],
    ['cron(0/0 12 * * ? *)', /step/],
    ['cron(0 12 * * ? 1969)', /year/],
  ])('refuses %s', (expression, reason) => {
    expect(() => parseScheduleExpression(expression)).toThrow(reason);
  });
});

describe('nextRunTime', () => {
  it('counts whole rate periods from the start: the first run is one period in, not at the start', () => {
    const spec = { kind: 'rate', periodMs: 5 * MINUTE } as const;
    expect(nextRunTime(spec, START, START)).toBe(START + 5 * MINUTE);
    expect(nextRunTime(spec, START, START + 5 * MINUTE)).toBe(START + 10 * MINUTE);
    // Late timers do not cause a burst of catch-up runs.
    expect(nextRunTime(spec, START, START + 23 * MINUTE)).toBe(START + 25 * MINUTE);
  });
});

describe('startScheduler', () => {
  it('first runs one full period after it starts, then every period', async () => {
    const { clock, calls, instance } = scheduler([rule()]);
    expect(instance.nextRuns()).toEqual({ SweepSchedule: START + 5 * MINUTE });
    await clock.advance(5 * MINUTE - 1);
    expect(calls).toHaveLength(0);
    await clock.advance(1);
    expect(calls.map((c) => c.at)).toEqual([START + 5 * MINUTE]);
    await clock.advance(10 * MINUTE);
    expect(calls.map((c) => c.at)).toEqual([START + 5 * MINUTE, START + 10 * MINUTE, START + 15 * MINUTE]);
    await instance.stop();
  });

  it('invokes each target with a Scheduled Event shaped like AWS’s', async () => {
    const { clock, calls, instance } = scheduler([rule()]);
    await clock.advance(5 * MINUTE);
    expect(calls).toEqual([
      {
        target: 'arn:aws:lambda:ap-southeast-1:000000000000:function:Stack-SweepFn',
        at: START + 5 * MINUTE,
        payload: {
          version: '0',
          id: 'event-1',
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: '000000000000',
          time: '2026-03-10T09:05:30Z',
          region: 'ap-southeast-1',
          resources: ['arn:aws:events:ap-southeast-1:000000000000:rule/Stack-SweepSchedule'],
          detail: {},
        },
      },
    ]);
    await instance.stop();
  });

  it('gives every target of a rule the same event, or its constant Input or InputPath selection', async () => {
    const { clock, calls, instance } = scheduler([
      rule({
        targets: [
          target(),
          target({ id: 'Constant', input: { kind: 'constant', value: { sweep: 'all' } } }),
          target({ id: 'Path', input: { kind: 'path', path: ['resources'] } }),
        ],
      }),
    ]);
    await clock.advance(5 * MINUTE);
    expect(calls.map((c) => c.payload)).toEqual([
      expect.objectContaining({ id: 'event-1', 'detail-type': 'Scheduled Event' }),
      { sweep: 'all' },
      ['arn:aws:events:ap-southeast-1:000000000000:rule/Stack-SweepSchedule'],
    ]);
    await instance.stop();
  });

  it('runs cron rules at the minutes they name', async () => {
    const { clock, calls, instance } = scheduler([
      rule({ expression: 'cron(0 10 * * ? *)', schedule: parseScheduleExpression('cron(0 10 * * ? *)') }),
    ]);
    await clock.advance(24 * 60 * MINUTE);
    expect(calls.map((c) => new Date(c.at).toISOString())).toEqual(['2026-03-10T10:00:00.000Z']);
    expect(calls[0]?.payload).toMatchObject({ time: '2026-03-10T10:00:00Z' });
    await instance.stop();
  });

  it('never runs a DISABLED rule', async () => {
    const { clock, calls, lines, instance } = scheduler([rule({ enabled: false })]);
    await clock.advance(60 * MINUTE);
    expect(calls).toHaveLength(0);
    expect(lines.join('\n')).toMatch(/DISABLED/);
    await instance.stop();
  });

  it('retries a failed invocation with the same event, backing off, up to MaximumRetryAttempts', async () => {
    const { clock, calls, lines, instance } = scheduler([rule()], () => FAIL);
    await clock.advance(5 * MINUTE);
    expect(calls).toHaveLength(1);
    await clock.advance(1_000);
    expect(calls).toHaveLength(2);
    await clock.advance(2_000);
    expect(calls).toHaveLength(3);
    // MaximumRetryAttempts 2: three attempts in all, then nothing until the next period.
    await clock.advance(4 * MINUTE);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.at - (START + 5 * MINUTE))).toEqual([0, 1_000, 3_000]);
    expect(new Set(calls.map((c) => (c.payload as { id: string }).id))).toEqual(new Set(['event-1']));
    expect(lines.join('\n')).toMatch(/SweepFailed: table unavailable.*gave up after 3 attempts/);
    await instance.stop();
  });

  it('stops retrying once an attempt succeeds, and treats a rejected invoke as a failure', async () => {
    const { clock, calls, lines, instance } = scheduler([rule()], (_call, n) => {
      if (n === 1) throw Object.assign(new Error('no such function'), { name: 'ResourceNotFoundException' });
      return OK;
    });
    await clock.advance(5 * MINUTE + 60_000);
    expect(calls).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/ResourceNotFoundException: no such function/);
    expect(lines.join('\n')).toMatch(/ok \(attempt 2\)/);
    await instance.stop();
  });

  it('caps AWS’s default of 185 retries for local runs', async () => {
    const { clock, calls, instance } = scheduler(
      [rule({ targets: [target({ maximumRetryAttempts: 185 })] })],
      () => FAIL,
    );
    await clock.advance(5 * MINUTE + 4 * MINUTE);
    expect(calls).toHaveLength(LOCAL_MAX_RETRY_ATTEMPTS + 1);
    await instance.stop();
  });

  it('does not retry an event older than MaximumEventAgeInSeconds', async () => {
    const { clock, calls, instance } = scheduler(
      [rule({ targets: [target({ maximumEventAgeSeconds: 2 })] })],
      () => FAIL,
    );
    await clock.advance(5 * MINUTE + MINUTE);
    // Attempt at 0 s, retry at 1 s; the next retry would be at 3 s, past the 2 s age limit.
    expect(calls).toHaveLength(2);
    await instance.stop();
  });

  it('stop() clears every timer and waits for invocations in flight', async () => {
    let finish: (outcome: InvokeOutcome) => void = () => {};
    const { clock, calls, instance } = scheduler(
      [rule()],
      () => new Promise((resolve) => (finish = resolve)),
    );
    await clock.advance(5 * MINUTE);
    expect(calls).toHaveLength(1);
    let stopped = false;
    const stopping = instance.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    expect(clock.pending()).toBe(0);
    finish(OK);
    await stopping;
    expect(stopped).toBe(true);
    await clock.advance(60 * MINUTE);
    expect(calls).toHaveLength(1);
  });

  it('stop() abandons a retry that is waiting for its backoff', async () => {
    const { clock, calls, lines, instance } = scheduler([rule()], () => FAIL);
    await clock.advance(5 * MINUTE);
    expect(calls).toHaveLength(1);
    await instance.stop();
    expect(clock.pending()).toBe(0);
    await clock.advance(60 * MINUTE);
    expect(calls).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/retry abandoned/);
  });

  it('paused: runs nothing by itself, but trigger() runs a rule now and resolves when it is done', async () => {
    const { clock, calls, instance } = scheduler([rule()], (_call, n) => (n === 1 ? FAIL : OK), {
      paused: true,
    });
    await clock.advance(60 * MINUTE);
    expect(calls).toHaveLength(0);
    const run = instance.trigger('Stack-SweepSchedule');
    await clock.advance(1_000);
    await run;
    expect(calls).toHaveLength(2);
    await expect(instance.trigger('Unknown')).rejects.toThrow(/no scheduled rule 'Unknown'/);
    await instance.stop();
  });
});
