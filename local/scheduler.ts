// The local EventBridge's scheduled rules: each enabled AWS::Events::Rule with a ScheduleExpression
// (see template.ts) invokes its Lambda targets with a Scheduled Event shaped like AWS's, on the rule's
// rate or cron schedule. As in AWS, a rate rule first runs one full period after it starts (here: after
// the local cloud starts), and a failed invocation is retried with exponential backoff up to the
// target's RetryPolicy, within a local cap (see LOCAL_MAX_RETRY_ATTEMPTS). Time is injectable, so tests
// drive the schedule without waiting.
import { randomUUID } from 'node:crypto';
import type { LambdaInvoker } from './contracts.js';
import type { CronSchedule, LocalSchedule, LocalScheduleTarget, ScheduleSpec } from './model.js';

/** A schedule expression EventBridge would refuse, or one the local cloud cannot run. */
export class ScheduleExpressionError extends Error {
  override name = 'ScheduleExpressionError';
}

/** AWS retries a failed delivery up to 185 times over 24 hours; locally that would hide a failure. */
export const LOCAL_MAX_RETRY_ATTEMPTS = 5;
/** First retry after 1 s, then 2, 4, 8… seconds, never more than 60 s apart. */
export const RETRY_BASE_DELAY_MS = 1_000;
export const RETRY_MAX_DELAY_MS = 60_000;

const MINUTE_MS = 60_000;
const RATE_UNITS: Record<string, number> = {
  minute: MINUTE_MS,
  hour: 60 * MINUTE_MS,
  day: 24 * 60 * MINUTE_MS,
};

// ---------------------------------------------------------------------------------------------------
// Expressions

/** Parses `rate(N unit)` or `cron(min hour day-of-month month day-of-week year)` as EventBridge does. */
export function parseScheduleExpression(expression: string): ScheduleSpec {
  const rate = /^rate\((.*)\)$/s.exec(expression);
  if (rate) return { kind: 'rate', periodMs: parseRate(rate[1] as string) };
  const cron = /^cron\((.*)\)$/s.exec(expression);
  if (cron) return { kind: 'cron', cron: parseCron(cron[1] as string) };
  throw new ScheduleExpressionError(
    `'${expression}' is neither rate(...) nor cron(...) (at(...) belongs to EventBridge Scheduler, not rules)`,
  );
}

function parseRate(body: string): number {
  const match = /^([1-9]\d*) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match) {
    throw new ScheduleExpressionError(
      `rate(${body}): expected rate(N minute|minutes|hour|hours|day|days) with N a positive integer`,
    );
  }
  const value = Number(match[1]);
  const unit = match[2] as string;
  const plural = unit.endsWith('s');
  // EventBridge insists: "rate(1 minute)" but "rate(5 minutes)".
  if ((value === 1) === plural) {
    throw new ScheduleExpressionError(
      `rate(${body}): use the ${value === 1 ? 'singular' : 'plural'} unit when the value is ${value === 1 ? '1' : 'greater than 1'}`,
    );
  }
  return value * (RATE_UNITS[plural ? unit.slice(0, -1) : unit] as number);
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** One comma-separated field of plain values, ranges and steps: `*`, `5`, `1-5`, `*​/10`, `0/15`, `MON-FRI`. */
function parseList(text: string, field: string, min: number, max: number, names: string[] = []): number[] {
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + min : /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!(n >= min && n <= max)) {
      throw new ScheduleExpressionError(`${field}: '${token}' is not a value from ${min} to ${max}`);
    }
    return n;
  };
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', stepText, ...rest] = item.split('/');
    if (rest.length > 0 || range === '') throw new ScheduleExpressionError(`${field}: cannot read '${item}'`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [from, to] = [value(a), value(b)];
      if (from > to) throw new ScheduleExpressionError(`${field}: range '${range}' runs backwards`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || !/^\d+$/.test(stepText ?? '1')) {
      throw new ScheduleExpressionError(`${field}: step '${stepText}' must be a positive integer`);
    }
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return [...values].sort((a, b) => a - b);
}

function parseCron(body: string): CronSchedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      `cron(${body}): EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleExpressionError(
      `cron(${body}): exactly one of day-of-month and day-of-week must be '?'`,
    );
  }
  const daysOfMonth = ((): CronSchedule['daysOfMonth'] => {
    if (dom === '?' || dom === '*') return { kind: 'any' };
    if (dom === 'L') return { kind: 'last' };
    if (dom === 'LW') return { kind: 'lastWeekday' };
    const nearest = /^(\d+)W$/.exec(dom);
    if (nearest)
      return {
        kind: 'nearestWeekday',
        day: parseList(nearest[1] as string, 'day-of-month', 1, 31)[0] as number,
      };
    return { kind: 'days', days: parseList(dom, 'day-of-month', 1, 31) };
  })();
  const daysOfWeek = ((): CronSchedule['daysOfWeek'] => {
    if (dow === '?' || dow === '*') return { kind: 'any' };
    const weekday = (token: string) => parseList(token, 'day-of-week', 1, 7, WEEKDAYS)[0] as number;
    if (dow === 'L') return { kind: 'days', days: [7] };
    const last = /^(\w+)L$/.exec(dow);
    if (last) return { kind: 'last', day: weekday(last[1] as string) };
    const nth = /^(\w+)#([1-5])$/.exec(dow);
    if (nth) return { kind: 'nth', day: weekday(nth[1] as string), n: Number(nth[2]) };
    return { kind: 'days', days: parseList(dow, 'day-of-week', 1, 7, WEEKDAYS) };
  })();
  return {
    minutes: parseList(minutes, 'minutes', 0, 59),
    hours: parseList(hours, 'hours', 0, 23),
    daysOfMonth,
    months: parseList(month, 'month', 1, 12, MONTHS),
    daysOfWeek,
    ...(year === '*' ? {} : { years: parseList(year, 'year', 1970, 2199) }),
  };
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** EventBridge's day of week: 1 = Sunday … 7 = Saturday. */
const weekdayOf = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
const isWeekday = (year: number, month: number, day: number) => {
  const d = weekdayOf(year, month, day);
  return d !== 1 && d !== 7;
};

function dayMatches(cron: CronSchedule, year: number, month: number, day: number): boolean {
  const last = daysIn(year, month);
  const dom = cron.daysOfMonth;
  switch (dom.kind) {
    case 'days':
      if (!dom.days.includes(day)) return false;
      break;
    case 'last':
      if (day !== last) return false;
      break;
    case 'lastWeekday': {
      let d = last;
      while (!isWeekday(year, month, d)) d--;
      if (day !== d) return false;
      break;
    }
    case 'nearestWeekday': {
      if (dom.day > last) return false;
      const w = weekdayOf(year, month, dom.day);
      let d = dom.day;
      // The nearest weekday in the same month: Saturday → Friday (Monday if it is the 1st), Sunday →
      // Monday (Friday if it is the last day).
      if (w === 7) d = dom.day === 1 ? 3 : dom.day - 1;
      else if (w === 1) d = dom.day === last ? dom.day - 2 : dom.day + 1;
      if (day !== d) return false;
      break;
    }
    case 'any':
      break;
  }
  const dow = cron.daysOfWeek;
  const weekday = weekdayOf(year, month, day);
  switch (dow.kind) {
    case 'days':
      return dow.days.includes(weekday);
    case 'last':
      return weekday === dow.day && day + 7 > last;
    case 'nth':
      return weekday === dow.day && Math.ceil(day / 7) === dow.n;
    case 'any':
      return true;
  }
}

/** The first minute strictly after `afterMs` that the cron expression names (UTC), or undefined. */
export function nextCronTime(cron: CronSchedule, afterMs: number): number | undefined {
  const start = new Date(Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let firstDay = true;
  const lastYear = Math.min(2199, cron.years ? (cron.years[cron.years.length - 1] as number) : 2199);
  const nextDay = () => {
    firstDay = false;
    day++;
    if (day > daysIn(year, month)) {
      day = 1;
      month++;
      if (month > 12) [month, year] = [1, year + 1];
    }
  };
  while (year <= lastYear) {
    if (cron.years && !cron.years.includes(year)) {
      [year, month, day, firstDay] = [year + 1, 1, 1, false];
      continue;
    }
    if (!cron.months.includes(month)) {
      firstDay = false;
      day = daysIn(year, month);
      nextDay();
      continue;
    }
    if (dayMatches(cron, year, month, day)) {
      const fromMinute = firstDay ? start.getUTCHours() * 60 + start.getUTCMinutes() : 0;
      for (const hour of cron.hours) {
        for (const minute of cron.minutes) {
          if (hour * 60 + minute >= fromMinute) return Date.UTC(year, month - 1, day, hour, minute);
        }
      }
    }
    nextDay();
  }
  return undefined;
}

/** The next run strictly after `afterMs`: rate schedules count whole periods from `startMs`. */
export function nextRunTime(spec: ScheduleSpec, startMs: number, afterMs: number): number | undefined {
  if (spec.kind === 'cron') return nextCronTime(spec.cron, afterMs);
  const periods = Math.max(0, Math.floor((afterMs - startMs) / spec.periodMs)) + 1;
  return startMs + periods * spec.periodMs;
}

// ---------------------------------------------------------------------------------------------------
// Events

export interface ScheduledEvent {
  version: '0';
  id: string;
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, never>;
}

/** The event EventBridge sends a scheduled rule's targets; `time` is in whole seconds, as AWS writes it. */
export function scheduledEvent(
  rule: Pick<LocalSchedule, 'arn'>,
  timeMs: number,
  context: { id: string; account: string; region: string },
): ScheduledEvent {
  return {
    version: '0',
    id: context.id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: context.account,
    time: new Date(Math.floor(timeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: context.region,
    resources: [rule.arn],
    detail: {},
  };
}

/** What a target receives for an event: the event, its constant Input, or its InputPath's selection. */
export function targetPayload(target: LocalScheduleTarget, event: ScheduledEvent): unknown {
  switch (target.input.kind) {
    case 'event':
      return event;
    case 'constant':
      return target.input.value;
    case 'path':
      return target.input.path.reduce<unknown>(
        (value, key) =>
          value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
        event,
      );
  }
}

// ---------------------------------------------------------------------------------------------------
// The scheduler

/** Time as the scheduler sees it; tests pass a fake one and advance it by hand. */
export interface SchedulerClock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** setTimeout cannot wait longer than about 24.8 days; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const realClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => {
    const timer = setTimeout(callback, Math.min(delayMs, MAX_TIMER_MS));
    // The servers keep the process alive; a pending schedule alone should not.
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface SchedulerOptions {
  schedules: LocalSchedule[];
  invoker: LambdaInvoker;
  region: string;
  account: string;
  logger?: (line: string) => void;
  clock?: SchedulerClock;
  /** Retries per failed delivery never exceed this, whatever the target's RetryPolicy says. */
  maxRetryAttempts?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** No rule runs on its own; `trigger` still runs one. */
  paused?: boolean;
  /** Event ids; random UUIDs unless a test fixes them. */
  newId?: () => string;
}

export interface LocalScheduler {
  /** When each enabled rule runs next (epoch ms), by logical id. */
  nextRuns(): Record<string, number>;
  /** Runs one occurrence of a rule now (by logical id or name), retries included; resolves when done. */
  trigger(rule: string): Promise<void>;
  /** Clears every timer, abandons pending retries and waits for invocations in flight. */
  stop(): Promise<void>;
}

export function startScheduler(options: SchedulerOptions): LocalScheduler {
  const log = options.logger ?? (() => {});
  const clock = options.clock ?? realClock;
  const retryCap = options.maxRetryAttempts ?? LOCAL_MAX_RETRY_ATTEMPTS;
  const baseDelay = options.retryBaseDelayMs ?? RETRY_BASE_DELAY_MS;
  const maxDelay = options.retryMaxDelayMs ?? RETRY_MAX_DELAY_MS;
  const newId = options.newId ?? randomUUID;
  const startedAt = clock.now();
  const timers = new Map<string, unknown>();
  const next = new Map<string, number>();
  /** Backoff waits in progress: stop() ends them early. */
  const sleeping = new Map<unknown, () => void>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const handle = clock.setTimer(() => {
        sleeping.delete(handle);
        resolve();
      }, ms);
      sleeping.set(handle, resolve);
    });

  const deliver = async (
    rule: LocalSchedule,
    target: LocalScheduleTarget,
    event: ScheduledEvent,
    scheduledMs: number,
  ) => {
    const retries = Math.min(target.maximumRetryAttempts, retryCap);
    const payload = targetPayload(target, event);
    const where = `rule ${rule.logicalId} → ${target.functionName}`;
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const outcome = await options.invoker.invoke(target.functionArn, payload);
        if (outcome.ok) {
          log(`${where}: ok${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
          return;
        }
        failure = `${outcome.errorType}: ${outcome.errorMessage}`;
      } catch (error) {
        failure = `${(error as Error).name}: ${(error as Error).message}`;
      }
      if (attempt > retries) {
        log(`${where}: failed (${failure}); gave up after ${attempt} attempt${attempt > 1 ? 's' : ''}`);
        return;
      }
      const delay = Math.min(baseDelay * 2 ** (attempt - 1), maxDelay);
      if (clock.now() + delay > scheduledMs + target.maximumEventAgeSeconds * 1000) {
        log(
          `${where}: failed (${failure}); the event is older than ${target.maximumEventAgeSeconds} s, dropped`,
        );
        return;
      }
      if (stopped) {
        log(`${where}: failed (${failure}); not retried, the scheduler is stopping`);
        return;
      }
      log(`${where}: failed (${failure}); retry ${attempt} of ${retries} in ${delay} ms`);
      await sleep(delay);
      if (stopped) {
        log(`${where}: retry abandoned, the scheduler is stopping`);
        return;
      }
    }
  };

  const runOnce = (rule: LocalSchedule, scheduledMs: number): Promise<void> => {
    const event = scheduledEvent(rule, scheduledMs, {
      id: newId(),
      account: options.account,
      region: options.region,
    });
    const run = Promise.all(rule.targets.map((target) => deliver(rule, target, event, scheduledMs))).then(
      () => {},
    );
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
    return run;
  };

  const arm = (rule: LocalSchedule, afterMs: number) => {
    if (stopped) return;
    const at = nextRunTime(rule.schedule, startedAt, afterMs);
    if (at === undefined) {
      next.delete(rule.logicalId);
      log(`rule ${rule.logicalId} (${rule.expression}) has no future run`);
      return;
    }
    next.set(rule.logicalId, at);
    const wait = () => {
      const delay = at - clock.now();
      timers.set(
        rule.logicalId,
        clock.setTimer(
          () => {
            if (stopped) return;
            // A chained long wait (beyond setTimeout's limit) that is not yet due waits again.
            if (clock.now() < at) return wait();
            void runOnce(rule, at);
            arm(rule, Math.max(at, clock.now()));
          },
          Math.max(0, delay),
        ),
      );
    };
    wait();
  };

  for (const rule of options.schedules) {
    if (options.paused) break;
    if (!rule.enabled) {
      log(`rule ${rule.logicalId} (${rule.expression}) is DISABLED: not scheduled`);
      continue;
    }
    arm(rule, startedAt);
    const at = next.get(rule.logicalId);
    if (at !== undefined) {
      log(
        `rule ${rule.logicalId} (${rule.expression}) → ${rule.targets.map((t) => t.functionName).join(', ')}; first run ${new Date(at).toISOString()}`,
      );
    }
  }

  return {
    nextRuns: () => Object.fromEntries(next),
    trigger: (name) => {
      const rule = options.schedules.find((r) => r.logicalId === name || r.name === name);
      if (!rule) return Promise.reject(new Error(`no scheduled rule '${name}'`));
      if (stopped) return Promise.reject(new Error('the scheduler is stopped'));
      return runOnce(rule, clock.now());
    },
    stop: async () => {
      stopped = true;
      for (const handle of timers.values()) clock.clearTimer(handle);
      timers.clear();
      next.clear();
      for (const [handle, wake] of sleeping) {
        clock.clearTimer(handle);
        wake();
      }
      sleeping.clear();
      await Promise.all([...inFlight]);
    },
  };
}
