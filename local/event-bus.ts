// The local EventBridge: PutEvents over the real protocol (so @aws-sdk/client-eventbridge works in
// Lambda sandboxes) and in-process (for the Step Functions events:putEvents integration). Events are
// recorded in memory and, for `npm start`, appended to a JSONL file. Listeners are the seam partner
// webhooks plug into.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AwsServiceError, startAwsJsonServer } from './aws-json-server.js';
import type { LocalEventBusPort, PutEventsEntry, PutEventsResult, RecordedEvent } from './contracts.js';
import type { LocalEventBus } from './model.js';

export interface EventBusOptions {
  port?: number;
  buses: LocalEventBus[];
  dataDir?: string;
  logger?: (line: string) => void;
}

export type EventListener = (event: RecordedEvent) => void | Promise<void>;

const MAX_ENTRIES = 10;
const MAX_ENTRY_BYTES = 256 * 1024;

export async function startEventBus(options: EventBusOptions) {
  const log = options.logger ?? (() => {});
  const recorded: RecordedEvent[] = [];
  const listeners = new Set<EventListener>();
  // A bus may be named by name or ARN; "default" always exists, as in every AWS account.
  const known = new Map<string, string>([['default', 'default']]);
  for (const bus of options.buses) {
    known.set(bus.name, bus.name);
    known.set(bus.arn, bus.name);
  }
  const file = options.dataDir ? join(options.dataDir, 'events.jsonl') : undefined;
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });

  function validate(entry: PutEventsEntry): string | undefined {
    if (!entry.Source) return 'Parameter Source is not valid. Reason: Source is a required argument.';
    if (!entry.DetailType)
      return 'Parameter DetailType is not valid. Reason: DetailType is a required argument.';
    if (entry.Detail === undefined)
      return 'Parameter Detail is not valid. Reason: Detail is a required argument.';
    try {
      const detail = JSON.parse(entry.Detail);
      if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
        throw new Error('not an object');
    } catch {
      return 'Detail is malformed.';
    }
    if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) return 'Entry is larger than 256 KB.';
    return undefined;
  }

  async function putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult> {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new AwsServiceError('ValidationException', `Entries must hold 1 to ${MAX_ENTRIES} events`);
    }
    const results: PutEventsResult['Entries'] = [];
    for (const entry of entries) {
      const busName = known.get(entry.EventBusName ?? 'default');
      const problem = busName ? validate(entry) : `Event bus ${entry.EventBusName} does not exist.`;
      if (problem || !busName) {
        results.push({
          ErrorCode: busName ? 'MalformedDetail' : 'NotFoundException',
          ErrorMessage: problem ?? 'Unknown bus',
        });
        continue;
      }
      const event: RecordedEvent = {
        id: randomUUID(),
        eventBusName: busName,
        source: entry.Source as string,
        detailType: entry.DetailType as string,
        detail: JSON.parse(entry.Detail as string),
        resources: entry.Resources ?? [],
        time: new Date(entry.Time ?? Date.now()).toISOString(),
      };
      recorded.push(event);
      if (file) await appendFile(file, `${JSON.stringify(event)}\n`);
      log(`event ${event.source} ${event.detailType} on ${busName}`);
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

  const server = await startAwsJsonServer({
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    ...(options.port ? { port: options.port } : {}),
    logger: log,
    operations: {
      PutEvents: (input) => putEvents(input.Entries as PutEventsEntry[]),
    },
  });

  const bus: LocalEventBusPort & {
    endpoint: string;
    subscribe(listener: EventListener): () => void;
    stop(): Promise<void>;
  } = {
    endpoint: server.endpoint,
    putEvents,
    recorded: () => [...recorded],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: server.stop,
  };
  return bus;
}
