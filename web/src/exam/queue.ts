// The exam runner's answers: every change gets the next version of its item, waits in a queue kept in
// IndexedDB (so it survives a reload or a dead phone) and is sent to PUT /attempts/{id}/items/{itemId}
// until the server acknowledges that version. Only an acknowledged version is shown as "saved"; a late
// retry of an older version cannot overwrite a newer one, because the server keeps the highest version.
// The queue lives in memory for the page and is written behind to IndexedDB: asynchronous, so typing
// never waits for storage on a slow phone, and not bound to localStorage's few megabytes of strings.
import { signal } from '@preact/signals';
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import { ApiError, call, NetworkError } from '../api';

export type Answer = string | string[] | boolean | null;

export interface ItemState {
  answer: Answer;
  flagged: boolean;
  /** The version of this answer; the server acknowledges versions, not values. */
  version: number;
  /** Whether the server acknowledged exactly this version. */
  acked: boolean;
}

export interface EvidenceState {
  text: string;
  version: number;
  acked: boolean;
}

export interface RunnerState {
  items: Record<string, ItemState>;
  evidence?: EvidenceState;
  /** The item the candidate was on, so a reload resumes there. */
  position: number;
}

/** What GET /attempts/{id} says the server holds for one item. */
export interface ServerItem {
  answer?: Answer;
  flagged?: boolean;
  version?: number;
}

export type Connection = 'online' | 'offline' | 'closed';

const RETRY_MAX_MS = 30_000;

/** Where the runner keeps its queues: one IndexedDB record per attempt, keyed by the attempt's id. */
export const QUEUE_DB = 'skillcert-runner';
export const QUEUE_STORE = 'attempts';
/** The key the queue had in localStorage before it moved to IndexedDB (migrated on first load). */
export const legacyKey = (attemptId: string) => `skillcert.attempt.${attemptId}`;

/** The durable copy of a queue; IndexedDB, or localStorage where a browser refuses IndexedDB. */
interface QueueStore {
  read(attemptId: string): Promise<RunnerState | undefined>;
  write(attemptId: string, state: RunnerState): Promise<void>;
  forget(attemptId: string): Promise<void>;
}

// Opened on first use, not at import: a page that never runs an exam never opens the database.
let idbStore: UseStore | undefined;
const attempts = (): UseStore => {
  idbStore ??= createStore(QUEUE_DB, QUEUE_STORE);
  return idbStore;
};
const idb: QueueStore = {
  read: (id) => get<RunnerState>(id, attempts()),
  write: (id, state) => set(id, state, attempts()),
  forget: (id) => del(id, attempts()),
};

function readLegacy(attemptId: string): RunnerState | undefined {
  try {
    const raw = localStorage.getItem(legacyKey(attemptId));
    return raw ? (JSON.parse(raw) as RunnerState) : undefined;
  } catch {
    return undefined;
  }
}

// Some private modes and embedded browsers refuse IndexedDB: then localStorage, as before, is better than
// a queue that a reload would lose.
const fallback: QueueStore = {
  read: async (id) => readLegacy(id),
  write: async (id, state) => localStorage.setItem(legacyKey(id), JSON.stringify(state)),
  forget: async (id) => localStorage.removeItem(legacyKey(id)),
};

export class AnswerQueue {
  readonly state = signal<RunnerState>({ items: {}, position: 0 });
  readonly connection = signal<Connection>(navigator.onLine ? 'online' : 'offline');
  /** Set when the server refuses saves for good (time is over, attempt closed). */
  readonly closed = signal(false);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sending = false;
  private delay = 1000;
  private store: QueueStore = idb;
  /** Writes to the durable copy, in order: the last one always holds the newest state. */
  private writing: Promise<void> = Promise.resolve();
  /** The newest state not yet handed to the durable copy. */
  private unwritten: RunnerState | undefined;
  /** Tells a read-only second tab what the writing tab stored (IndexedDB has no storage event). */
  private readonly channel: BroadcastChannel | undefined;
  /** Resolves once the durable copy (or a migrated localStorage queue) is loaded into `state`. */
  readonly ready: Promise<void>;
  /**
   * An API without per-item saves (before they were added) answers their route with API Gateway's bare
   * 404: then the whole answer set is sent with PUT …/answers, one request at a time and always the
   * newest, and practical evidence travels with the submit.
   */
  private wholeSet = false;
  get evidenceWithSubmit(): boolean {
    return this.wholeSet;
  }

  constructor(
    readonly attemptId: string,
    private readonly readOnly: () => boolean,
  ) {
    this.channel =
      typeof BroadcastChannel === 'function'
        ? new BroadcastChannel(`skillcert-attempt-${attemptId}`)
        : undefined;
    this.channel?.addEventListener('message', this.onMessage);
    this.ready = this.load();
    addEventListener('online', this.onOnline);
    addEventListener('offline', this.onOffline);
  }

  dispose(): void {
    removeEventListener('online', this.onOnline);
    removeEventListener('offline', this.onOffline);
    this.channel?.close();
    clearTimeout(this.timer);
  }

  /** Loads the durable copy; a queue still in localStorage (from before IndexedDB) moves across once. */
  private async load(): Promise<void> {
    let stored: RunnerState | undefined;
    try {
      stored = await this.store.read(this.attemptId);
    } catch {
      this.store = fallback;
      stored = await this.store.read(this.attemptId);
    }
    const legacy = this.store === idb ? readLegacy(this.attemptId) : undefined;
    if (legacy && !this.readOnly()) {
      stored = newerOf(stored, legacy);
      try {
        await this.store.write(this.attemptId, stored);
        localStorage.removeItem(legacyKey(this.attemptId));
      } catch {
        // Kept in localStorage: the next load tries again.
      }
    }
    if (stored) this.state.value = stored;
  }

  /** The attempt is over: its queue has nothing left the server would take. */
  async forget(): Promise<void> {
    await this.ready;
    if (this.readOnly()) return;
    this.writing = this.writing.then(() => this.store.forget(this.attemptId)).catch(() => undefined);
    await this.writing;
    localStorage.removeItem(legacyKey(this.attemptId));
  }

  private readonly onOnline = () => {
    this.delay = 1000;
    void this.flush();
  };
  private readonly onOffline = () => {
    this.connection.value = 'offline';
  };
  // A read-only second tab follows what the writing tab stores.
  private readonly onMessage = (event: MessageEvent<RunnerState>) => {
    if (this.readOnly()) this.state.value = event.data;
  };

  private write(next: RunnerState): void {
    this.state.value = next;
    if (this.readOnly()) return;
    this.channel?.postMessage(next);
    // Typing fires a change per keystroke: while one write is in flight, only the newest state waits.
    const queued = this.unwritten !== undefined;
    this.unwritten = next;
    if (queued) return;
    this.writing = this.writing.then(async () => {
      const state = this.unwritten as RunnerState;
      this.unwritten = undefined;
      try {
        await this.store.write(this.attemptId, state);
      } catch {
        // IndexedDB failed mid-exam (quota, a browser that drops it): keep the queue in localStorage.
        this.store = fallback;
        await this.store.write(this.attemptId, state).catch(() => undefined);
      }
    });
  }

  /** Merges what the server holds: a local change newer than the server's version stays queued. */
  async adoptServer(
    items: Record<string, ServerItem>,
    evidence?: { text?: string; version?: number },
  ): Promise<void> {
    await this.ready;
    // A read-only tab starts from what the writing tab has stored so far.
    const local = this.readOnly()
      ? ((await this.store.read(this.attemptId).catch(() => undefined)) ?? this.state.value)
      : this.state.value;
    const merged: Record<string, ItemState> = { ...local.items };
    for (const [id, server] of Object.entries(items)) {
      const mine = merged[id];
      const version = server.version ?? 0;
      if (mine && !mine.acked && mine.version > version) continue;
      merged[id] = { answer: server.answer ?? null, flagged: server.flagged ?? false, version, acked: true };
    }
    let mergedEvidence = local.evidence;
    if (
      evidence &&
      !(local.evidence && !local.evidence.acked && local.evidence.version > (evidence.version ?? 0))
    )
      mergedEvidence = { text: evidence.text ?? '', version: evidence.version ?? 0, acked: true };
    this.write({ ...local, items: merged, ...(mergedEvidence ? { evidence: mergedEvidence } : {}) });
  }

  setAnswer(itemId: string, answer: Answer): void {
    this.change(itemId, (s) => ({ ...s, answer }));
  }

  setFlag(itemId: string, flagged: boolean): void {
    this.change(itemId, (s) => ({ ...s, flagged }));
  }

  setEvidence(text: string): void {
    if (this.readOnly() || this.closed.value) return;
    const current = this.state.value;
    const version = (current.evidence?.version ?? 0) + 1;
    this.write({ ...current, evidence: { text, version, acked: false } });
    this.schedule(0);
  }

  setPosition(position: number): void {
    this.write({ ...this.state.value, position });
  }

  private change(itemId: string, edit: (s: ItemState) => ItemState): void {
    if (this.readOnly() || this.closed.value) return;
    const current = this.state.value;
    const before = current.items[itemId] ?? { answer: null, flagged: false, version: 0, acked: true };
    const next = { ...edit(before), version: before.version + 1, acked: false };
    this.write({ ...current, items: { ...current.items, [itemId]: next } });
    this.schedule(0);
  }

  /** How many changes the server has not acknowledged yet. */
  pending(): number {
    const s = this.state.value;
    const evidence = s.evidence && !s.evidence.acked && !this.wholeSet ? 1 : 0;
    return Object.values(s.items).filter((i) => !i.acked).length + evidence;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), ms);
  }

  /** Sends every unacknowledged change, oldest version first; resolves true when nothing is pending. */
  async flush(): Promise<boolean> {
    await this.ready;
    if (this.readOnly() || this.closed.value) return this.pending() === 0;
    if (this.sending) {
      await new Promise((r) => setTimeout(r, 100));
      return this.flush();
    }
    this.sending = true;
    try {
      for (;;) {
        const s = this.state.value;
        const next = Object.entries(s.items).find(([, i]) => !i.acked);
        if (next && this.wholeSet) {
          await this.sendWholeSet();
          continue;
        }
        if (next) {
          const [itemId, item] = next;
          const reply = await call<{ itemId: string; version: number; stale?: boolean }>(
            `/attempts/${encodeURIComponent(this.attemptId)}/items/${encodeURIComponent(itemId)}`,
            { method: 'PUT', body: { answer: item.answer, flagged: item.flagged, version: item.version } },
          );
          this.acknowledge(itemId, item.version, reply);
          continue;
        }
        if (s.evidence && !s.evidence.acked && !this.wholeSet) {
          const sent = s.evidence;
          const reply = await call<{ version: number; stale?: boolean }>(
            `/attempts/${encodeURIComponent(this.attemptId)}/evidence`,
            { method: 'PUT', body: { evidence: sent.text, version: sent.version } },
          );
          const now = this.state.value;
          if (
            now.evidence &&
            now.evidence.version === sent.version &&
            (reply.version >= sent.version || reply.stale)
          )
            this.write({ ...now, evidence: { ...now.evidence, acked: true } });
          continue;
        }
        break;
      }
      this.connection.value = 'online';
      this.delay = 1000;
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && !error.body.error && !this.wholeSet) {
        this.wholeSet = true;
        this.sending = false;
        return this.flush();
      }
      if (error instanceof ApiError && error.status === 409) {
        // The attempt is closed (time over or submitted): nothing more will be accepted.
        this.closed.value = true;
        this.connection.value = 'closed';
        return false;
      }
      if (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500)) {
        this.connection.value = 'offline';
        this.schedule(this.delay);
        this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
        return false;
      }
      // A refusal the candidate cannot fix by retrying: keep the change, stop hammering, try later.
      this.schedule(RETRY_MAX_MS);
      return false;
    } finally {
      this.sending = false;
    }
  }

  /** The whole answer set as it is now; every version it carries is acknowledged when it is saved. */
  private async sendWholeSet(): Promise<void> {
    const sent = this.state.value.items;
    const answers = Object.fromEntries(
      Object.entries(sent).flatMap(([id, i]) =>
        i.answer === null || (Array.isArray(i.answer) && i.answer.length === 0) ? [] : [[id, i.answer]],
      ),
    );
    await call(`/attempts/${encodeURIComponent(this.attemptId)}/answers`, {
      method: 'PUT',
      body: { answers },
    });
    const now = this.state.value;
    const items = { ...now.items };
    for (const [id, i] of Object.entries(sent)) {
      const current = items[id];
      if (current && current.version === i.version) items[id] = { ...current, acked: true };
    }
    this.write({ ...now, items });
  }

  private acknowledge(itemId: string, sent: number, reply: { version: number; stale?: boolean }): void {
    const now = this.state.value;
    const item = now.items[itemId];
    if (!item || item.version !== sent) return; // changed again meanwhile: that newer version is pending
    // A stale reply: the server holds a newer version than this one; it wins, as the server's record.
    this.write({
      ...now,
      items: { ...now.items, [itemId]: { ...item, acked: true, version: Math.max(sent, reply.version) } },
    });
  }
}

/** The queue with more of the candidate's work in it: per item, the higher version wins. */
function newerOf(a: RunnerState | undefined, b: RunnerState): RunnerState {
  if (!a) return b;
  const items = { ...a.items };
  for (const [id, item] of Object.entries(b.items)) {
    const mine = items[id];
    if (!mine || item.version > mine.version) items[id] = item;
  }
  const evidence =
    a.evidence && b.evidence
      ? a.evidence.version >= b.evidence.version
        ? a.evidence
        : b.evidence
      : (a.evidence ?? b.evidence);
  return { items, position: a.position, ...(evidence ? { evidence } : {}) };
}
