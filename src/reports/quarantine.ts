/**
 * The quarantine file: one row per record held back by validation, with every reason,
 * so the customer can fix, delete or accept each one before the next run.
 */
import { createCsvWriter, type CsvWriterOptions } from './csv.js';

/** One quarantined record as the reports see it. */
export interface QuarantineRow {
  /** Stable source key, e.g. `xtremepush:profile:4711`. */
  recordKey: string;
  reasons: string[];
  /** Destination object the record was bound for. */
  object?: string;
  /** The source's own id; already part of `recordKey`, so not a column. */
  sourceId?: string;
}

/** Columns of the quarantine CSV, in order. */
export const QUARANTINE_COLUMNS = ['record_key', 'object', 'reasons'] as const;

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
      await writer.write({ record_key: r.recordKey, object: r.object ?? '', reasons: r.reasons.join(REASON_SEPARATOR) });
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.close();
}
