// Where executions live: in memory for tests, as one JSON file per execution for `npm start`, written
// atomically (temp file + rename) so a crash never leaves half a record.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  details?: Record<string, unknown>;
}

export interface PendingTask {
  token: string;
  stateName: string;
  /** Memo key: the task's state and input, so a resumed run finds the same task again. */
  key: string;
  timeoutAt: number;
  heartbeatSeconds?: number;
  heartbeatAt?: number;
}

export interface MemoizedTask {
  key: string;
  outcome: { ok: true; output: unknown } | { ok: false; error: string; cause: string };
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  /** The top-level state being run and its input: where a restart resumes, and a redrive continues. */
  current?: { stateName: string; input: unknown };
  /** Callback tasks waiting for SendTask*. */
  pending: PendingTask[];
  /** Finished tasks inside the current top-level state, replayed instead of re-run on resume or redrive. */
  memo: MemoizedTask[];
  /** Tokens that were answered, timed out or cancelled: SendTask* on them gets TaskTimedOut/TaskDoesNotExist. */
  closedTokens: Record<string, 'done' | 'timed-out'>;
  /** RedriveExecution: how often, when last, and the client tokens of the last ten redrives. */
  redriveCount?: number;
  redriveDate?: number;
  redrives?: { clientToken: string; at: number }[];
}

export interface ExecutionStore {
  save(record: ExecutionRecord): Promise<void>;
  /** Every stored execution; a file that cannot be read is reported through onUnreadable and skipped. */
  loadAll(onUnreadable?: (file: string, error: Error) => void): Promise<ExecutionRecord[]>;
  /** Resolves when every write started so far has reached the disk. */
  flush(): Promise<void>;
}

export class MemoryExecutionStore implements ExecutionStore {
  async save(): Promise<void> {}
  async loadAll(): Promise<ExecutionRecord[]> {
    return [];
  }
  async flush(): Promise<void> {}
}

export class FileExecutionStore implements ExecutionStore {
  private readonly queues = new Map<string, Promise<void>>();
  constructor(private readonly dir: string) {}

  private fileOf(arn: string): string {
    return join(this.dir, `${createHash('sha256').update(arn).digest('hex').slice(0, 32)}.json`);
  }

  save(record: ExecutionRecord): Promise<void> {
    // Serialise writes per execution so an older snapshot never overwrites a newer one.
    const text = JSON.stringify(record);
    const file = this.fileOf(record.executionArn);
    const previous = this.queues.get(file) ?? Promise.resolve();
    const next = previous.then(async () => {
      await mkdir(this.dir, { recursive: true });
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temp, text);
      await rename(temp, file);
    });
    this.queues.set(
      file,
      next.catch(() => {}),
    );
    return next;
  }

  async loadAll(onUnreadable?: (file: string, error: Error) => void): Promise<ExecutionRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: ExecutionRecord[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = join(this.dir, name);
      try {
        // Only complete files ever carry the .json name (temp + rename), so a parse error means the file
        // was edited or damaged by hand: skip it loudly rather than refuse to start.
        records.push(JSON.parse(await readFile(file, 'utf8')) as ExecutionRecord);
      } catch (error) {
        onUnreadable?.(file, error as Error);
      }
    }
    return records;
  }

  async flush(): Promise<void> {
    await Promise.all(this.queues.values());
  }
}
