/**
 * The record lists people work through: `quarantine.csv` (held back by validation),
 * `failures.csv` (refused by Freshsales) and `orphans.csv` (their parent did not migrate) —
 * every record, not a sample, with who it is (email, name), the offending field and value
 * where known, and every reason, so the customer can fix, delete or accept each one.
 */
import { createCsvWriter, type CsvWriterOptions } from './csv.js';

/** One quarantined record as the reports see it. */
export interface QuarantineRow {
  /** Stable source key, e.g. `<source>:profile:4711`. */
  recordKey: string;
  reasons: string[];
  /** Destination object the record was bound for. */
  object?: string;
  /** The source's own id; already part of `recordKey`, so not a column. */
  sourceId?: string;
  email?: string;
  name?: string;
  /** The offending fields and values behind the reasons, where known. */
  details?: Array<{ field: string; value?: string }>;
}

/** Columns of the record lists, in order. */
export const QUARANTINE_COLUMNS = ['record_key', 'object', 'email', 'name', 'field', 'value', 'reasons'] as const;

/**
 * Who a staged record is, for the lists: its email and name when the record carries them
 * (contacts, deal sources), else nothing.
 */
export function personOf(record: unknown): { email?: string; name?: string } {
  if (record === null || typeof record !== 'object') return {};
  const r = record as Record<string, unknown>;
  const email = typeof r.email === 'string' ? r.email : undefined;
  const name = [r.firstName, r.lastName].filter((x): x is string => typeof x === 'string' && x.trim() !== '').join(' ');
  return { ...(email !== undefined ? { email } : {}), ...(name ? { name } : {}) };
}

/** Separator between a record's reasons in the `reasons` column. */
export const REASON_SEPARATOR = '; ';

/**
 * Stream `rows` into a quarantine CSV at `file` (columns `record_key,object,reasons`,
 * reasons joined with "; ") and return how many rows were written. The file is owner-only
 * (0o600) unless `opts.mode` says otherwise, since reasons can quote personal data. If
 * `rows` throws, nothing is left at `file` and the error is rethrown.
 */
export async function writeQuarantineCsv(
  file: string,
  rows: AsyncIterable<QuarantineRow> | Iterable<QuarantineRow>,
  opts: CsvWriterOptions = {},
): Promise<number> {
  const writer = await createCsvWriter(file, QUARANTINE_COLUMNS, { ...opts, mode: opts.mode ?? 0o600 });
  try {
    for await (const r of rows) {
      await writer.write({
        record_key: r.recordKey, object: r.object ?? '', email: r.email ?? '', name: r.name ?? '',
        field: (r.details ?? []).map((d) => d.field).join(REASON_SEPARATOR),
        value: (r.details ?? []).map((d) => d.value ?? '').filter(Boolean).join(REASON_SEPARATOR),
        reasons: r.reasons.join(REASON_SEPARATOR),
      });
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.close();
}
