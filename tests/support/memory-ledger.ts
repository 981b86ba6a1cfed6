// The signing-key ledger on a Map, with the DynamoDB adapter's conditional semantics: put-if-absent, close-if-open, compromise-once (the adapter itself
// runs against DynamoDB Local in tests/integration/key-rotation.test.ts).
import type { FirstUse, SigningKeyRecord, WindowClosing } from '../../functions/domain/signing-keys.js';
import type { SigningKeyLedger } from '../../functions/shared/signing-keys.js';

/** The DynamoDB ledger's conditions on a Map: put-if-absent, close-if-open, compromise-once. */
export class MemoryLedger implements SigningKeyLedger {
  readonly items = new Map<string, SigningKeyRecord>();
  writes = 0;
  async get(thumbprint: string) {
    const r = this.items.get(thumbprint);
    return r ? structuredClone(r) : undefined;
  }
  async list() {
    return [...this.items.values()].map((r) => structuredClone(r));
  }
  async recordFirstUse(plan: FirstUse) {
    return (await this.putIfAbsent(plan.record)) ? ('recorded' as const) : ('lost' as const);
  }
  async closeWindows(closings: WindowClosing[]) {
    for (const c of closings) {
      const r = this.items.get(c.thumbprint);
      if (!r || r.signsUntil) continue;
      this.writes++;
      r.signsUntil = c.signsUntil;
    }
  }
  async putIfAbsent(record: SigningKeyRecord) {
    if (this.items.has(record.thumbprint)) return false;
    this.writes++;
    this.items.set(record.thumbprint, structuredClone(record));
    return true;
  }
  async markCompromised(thumbprint: string, compromisedAt: string, compromiseReason: string) {
    const r = this.items.get(thumbprint);
    if (!r || r.compromisedAt) return false;
    this.writes++;
    Object.assign(r, { compromisedAt, compromiseReason });
    return true;
  }
}
