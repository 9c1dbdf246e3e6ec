/**
 * The per-record lists a run leaves for people to work through, every record (never a capped
 * sample), owner-only: `quarantine.csv`, `failures.csv`, `orphans.csv` and `dropped-values.csv`
 * (values left out of a loaded record under `on_invalid: drop_field`). `crm-migrate retry`
 * re-runs what the first three name once the data or the map is fixed.
 */
import { join } from 'node:path';
import type { ObjectName } from '../core/model.js';
import { createCsvWriter } from '../reports/csv.js';
import { personOf, writeQuarantineCsv, type QuarantineRow } from '../reports/quarantine.js';
import type { FailureEntry, StateStore } from '../state/store.js';

export interface RecordListFiles {
  quarantine: string;
  failures: string;
  orphans: string;
  dropped: string;
}

const CHUNK = 500;

/** Write the four lists of a run into `dir`. */
export async function writeRecordLists(store: StateStore, runId: string, objects: readonly ObjectName[], dir: string): Promise<RecordListFiles> {
  const files: RecordListFiles = {
    quarantine: join(dir, 'quarantine.csv'),
    failures: join(dir, 'failures.csv'),
    orphans: join(dir, 'orphans.csv'),
    dropped: join(dir, 'dropped-values.csv'),
  };
  await writeQuarantineCsv(files.quarantine, (async function* () {
    for await (const q of store.quarantined(runId)) yield { recordKey: q.recordKey, object: q.object, reasons: q.reasons, ...personOf(q.record), ...(q.details ? { details: q.details } : {}) };
  })());
  const listed = (read: (object: ObjectName) => Promise<FailureEntry[]>, prefix: string) =>
    (async function* (): AsyncIterable<QuarantineRow> {
      for (const object of objects) {
        const entries = await read(object);
        for (let i = 0; i < entries.length; i += CHUNK) {
          const chunk = entries.slice(i, i + CHUNK);
          const people = await peopleOf(store, runId, object, chunk.map((e) => e.sourceKey));
          for (const e of chunk) yield { recordKey: e.sourceKey, object, reasons: [`${prefix}${e.reason}`], ...(people.get(e.sourceKey) ?? {}) };
        }
      }
    })();
  await writeQuarantineCsv(files.failures, listed((o) => store.failures(runId, o, Number.MAX_SAFE_INTEGER), ''));
  await writeQuarantineCsv(files.orphans, listed((o) => store.orphans(runId, o, Number.MAX_SAFE_INTEGER), ''));
  const w = await createCsvWriter(files.dropped, ['record_key', 'email', 'name', 'field', 'from', 'value', 'reason'], { mode: 0o600 });
  try {
    const pending: Array<{ sourceKey: string; data: unknown }> = [];
    const flush = async () => {
      const people = await peopleOf(store, runId, 'contact', pending.map((p) => p.sourceKey));
      for (const p of pending) {
        for (const d of Array.isArray(p.data) ? (p.data as Array<Record<string, unknown>>) : []) {
          const who = people.get(p.sourceKey) ?? {};
          await w.write({ record_key: p.sourceKey, email: who.email ?? '', name: who.name ?? '', field: d.field ?? '', from: d.from ?? '', value: d.value ?? '', reason: d.reason ?? '' });
        }
      }
      pending.length = 0;
    };
    for await (const e of store.extrasOfKind(runId, 'contact_dropped_values')) {
      pending.push(e);
      if (pending.length >= CHUNK) await flush();
    }
    await flush();
    await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
  return files;
}

/** Email and name of staged records; a task names its contact's. */
async function peopleOf(store: StateStore, runId: string, object: ObjectName, keys: string[]): Promise<Map<string, { email?: string; name?: string }>> {
  const out = new Map<string, { email?: string; name?: string }>();
  const rows = await store.stagedRecords(runId, object, keys);
  const viaContact = new Map<string, string>();
  for (const r of rows) {
    const who = personOf(r.record);
    if (who.email || who.name) out.set(r.sourceKey, who);
    else {
      const contactKey = (r.record as { contactKey?: unknown } | null)?.contactKey;
      if (typeof contactKey === 'string') viaContact.set(r.sourceKey, contactKey);
    }
  }
  if (viaContact.size > 0) {
    const contacts = new Map((await store.stagedRecords(runId, 'contact', [...new Set(viaContact.values())])).map((c) => [c.sourceKey, personOf(c.record)]));
    for (const [k, c] of viaContact) {
      const who = contacts.get(c);
      if (who) out.set(k, who);
    }
  }
  return out;
}
