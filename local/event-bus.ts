// The local EventBridge: PutEvents over the real protocol (awsJson1_1, so @aws-sdk/client-eventbridge
// works in Lambda sandboxes) and in-process (for the Step Functions events:putEvents integration).
// Events are recorded in memory and, with a dataDir, appended to events.jsonl. Listeners are the seam
// partner webhooks plug into (a later issue): subscribe(listener) → unsubscribe.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AwsServiceError, startAwsJsonServer } from './aws-json-server.js';
import type { LocalEventBusPort, PutEventsEntry, PutEventsResult, RecordedEvent } from './contracts.js';
import type { JsonProtocolGuard } from './iam/json-protocol.js';
import type { SignedRequest } from './iam/sigv4.js';
import type { LocalEventBus } from './model.js';

export interface EventBusOptions {
  port?: number;
  buses: LocalEventBus[];
  /** With a folder, every accepted event is also appended to `${dataDir}/events.jsonl`. */
  dataDir?: string;
  logger?: (line: string) => void;
  /** Authorises PutEvents over HTTP by its signer (local/iam): events:PutEvents on each entry's bus. */
  guard?: JsonProtocolGuard;
  /** For the default bus's ARN. */
  region?: string;
  account?: string;
}

/** Hears every accepted event after it is recorded; its failure never reaches the sender. */
export type EventListener = (event: RecordedEvent) => void | Promise<void>;

export interface LocalEventBusService extends LocalEventBusPort {
  /** The EventBridge endpoint for SDK clients (`endpoint` / AWS_ENDPOINT_URL_EVENTBRIDGE). */
  endpoint: string;
  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener): () => void;
  stop(): Promise<void>;
}

/** EventBridge's PutEvents limits. */
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

export type EntryVerdict =
  | { ok: true; busName: string; time: Date }
  | { ok: false; errorCode: string; errorMessage: string };

/** Resolves a bus by name or ARN; "default" exists in every account. */
export function busLookup(buses: LocalEventBus[]): (nameOrArn: string | undefined) => string | undefined {
  const known = new Map<string, string>([['default', 'default']]);
  for (const bus of buses) {
    known.set(bus.name, bus.name);
    known.set(bus.arn, bus.name);
  }
  return (nameOrArn) => known.get(nameOrArn === undefined || nameOrArn === '' ? 'default' : nameOrArn);
}

/**
 * An entry's time: a Date, an ISO string, or, over the JSON protocol, epoch seconds (the SDK serialises
 * timestamps so). Missing or unreadable → now, as EventBridge does.
 */
export function entryTime(time: unknown, now: Date = new Date()): Date {
  const date =
    typeof time === 'number'
      ? new Date(time * 1000)
      : typeof time === 'string' || time instanceof Date
        ? new Date(time)
        : now;
  return Number.isNaN(date.getTime()) ? now : date;
}

/** Validates one PutEvents entry as EventBridge does, with its per-entry error codes. */
export function validateEntry(
  entry: PutEventsEntry,
  findBus: (nameOrArn: string | undefined) => string | undefined,
): EntryVerdict {
  const invalid = (member: string, reason: string): EntryVerdict => ({
    ok: false,
    errorCode: 'InvalidArgument',
    errorMessage: `Parameter ${member} is not valid. Reason: ${reason}`,
  });
  if (entry === null || typeof entry !== 'object') return invalid('Entry', 'Entry must be an object.');
  if (typeof entry.Source !== 'string' || entry.Source === '') {
    return invalid('Source', 'Source is a required argument.');
  }
  if (typeof entry.DetailType !== 'string' || entry.DetailType === '') {
    return invalid('DetailType', 'DetailType is a required argument.');
  }
  if (typeof entry.Detail !== 'string' || entry.Detail === '') {
    return invalid('Detail', 'Detail is a required argument.');
  }
  if (entry.Resources !== undefined) {
    if (!Array.isArray(entry.Resources) || entry.Resources.some((r) => typeof r !== 'string')) {
      return invalid('Resources', 'Resources must be a list of strings.');
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    return { ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  const busName = findBus(entry.EventBusName);
  if (!busName) {
    return {
      ok: false,
      errorCode: 'NotFoundException',
      errorMessage: `Event bus ${entry.EventBusName} does not exist.`,
    };
  }
  return { ok: true, busName, time: entryTime(entry.Time as unknown) };
}

export async function startEventBus(options: EventBusOptions): Promise<LocalEventBusService> {
  const log = options.logger ?? (() => {});
  const recorded: RecordedEvent[] = [];
  const listeners = new Set<EventListener>();
  const findBus = busLookup(options.buses);
  const file = options.dataDir ? join(options.dataDir, 'events.jsonl') : undefined;
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });

  async function putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult> {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    if (Buffer.byteLength(JSON.stringify(entries)) > MAX_REQUEST_BYTES) {
      throw new AwsServiceError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    const results: PutEventsResult['Entries'] = [];
    for (const entry of entries) {
      const verdict = validateEntry(entry, findBus);
      if (!verdict.ok) {
        results.push({ ErrorCode: verdict.errorCode, ErrorMessage: verdict.errorMessage });
        continue;
      }
      const event: RecordedEvent = {
        id: randomUUID(),
        eventBusName: verdict.busName,
        source: entry.Source as string,
        detailType: entry.DetailType as string,
        detail: JSON.parse(entry.Detail as string),
        resources: entry.Resources ?? [],
        time: verdict.time.toISOString(),
      };
      recorded.push(event);
      if (file) await appendFile(file, `${JSON.stringify(event)}\n`);
      log(`event ${event.source} ${event.detailType} on ${event.eventBusName}`);
      for (const listener of listeners) {
        // A listener's failure is its own business (webhook delivery retries on its own); never the sender's.
        Promise.resolve()
          .then(() => listener(event))
          .catch((error: Error) => log(`event listener failed: ${error.message}`));
      }
      results.push({ EventId: event.id });
    }
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }

  const busArn = (nameOrArn: unknown) => {
    const name = typeof nameOrArn === 'string' && nameOrArn !== '' ? nameOrArn : 'default';
    if (name.startsWith('arn:')) return name;
    return (
      options.buses.find((b) => b.name === name)?.arn ??
      `arn:aws:events:${options.region ?? 'ap-southeast-1'}:${options.account ?? '000000000000'}:event-bus/${name}`
    );
  };
  const guard = options.guard;
  const server = await startAwsJsonServer({
    ...(guard
      ? {
          authorize: (_operation: string, input: Record<string, unknown>, request: SignedRequest) => {
            const entries = Array.isArray(input.Entries) ? (input.Entries as PutEventsEntry[]) : [];
            const arns = [...new Set(entries.map((e) => busArn(e?.EventBusName)))];
            return guard(
              request,
              arns.map((resource) => ({ action: 'events:PutEvents', resource })),
            );
          },
        }
      : {}),
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    ...(options.port ? { port: options.port } : {}),
    logger: log,
    operations: {
      PutEvents: (input) => putEvents(input.Entries as PutEventsEntry[]),
    },
  });

  return {
    endpoint: server.endpoint,
    putEvents,
    recorded: () => [...recorded],
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    stop: server.stop,
  };
}
