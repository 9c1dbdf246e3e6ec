/**
 * CSV output for reports and datasets (quarantine, data quality, push-token dataset).
 *
 * Format: RFC 4180 with CRLF line endings (the RFC's, and what Excel expects); every
 * record, the last one included, ends with CRLF; UTF-8, optionally with a byte-order
 * mark so Excel shows "Seán Ó Briain" rather than mojibake. A field is quoted when it
 * contains `"`, `,`, `;`, TAB, CR or LF, or starts or ends with a space — `;` and TAB
 * because spreadsheets in many locales split on them; quotes are doubled inside.
 *
 * Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with
 * `=`, `+`, `-`, `@`, TAB or CR as a formula, and source data is untrusted. Every *string*
 * starting with one of those (or NUL, per ASVS 1.2.10) gets a leading `'`, which Excel,
 * LibreOffice and Sheets read as "this is text". That includes legitimate values such as
 * the phone string "+353 87 …" or "-5" given as a string: safety wins over looks.
 * JS numbers (and bigints, booleans, Dates) are written as-is, so a numeric -5 stays -5.
 * Strings that already start with `'` get one more, which makes the rule reversible:
 * a program reading the file recovers the exact value by dropping one leading `'`
 * ({@link restoreCell}) — this matters for machine-read datasets such as push tokens,
 * which may legitimately start with `-`.
 */
import { TerminalError } from '../core/errors.js';
import { openAtomic, type AtomicFile } from './atomic-write.js';

/** Line ending used for every record. */
export const CSV_EOL = '\r\n';

const BOM = '\uFEFF';
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r', '\0', "'"]);
const NEEDS_QUOTES = /[",;\t\r\n]|^ | $/;
// Flush the streaming writer's buffer at this many UTF-16 units (~64 KiB).
const FLUSH_AT = 64 * 1024;

/** Options shared by {@link toCsv} and {@link createCsvWriter}. */
export interface CsvFormatOptions {
  /** Start the file with a UTF-8 byte-order mark (helps Excel; some parsers then need to strip it). */
  bom?: boolean;
}

/** Prefix a string with `'` if a spreadsheet would treat it as a formula (or it starts with `'`). */
export function neutraliseFormula(value: string): string {
  return value.length > 0 && FORMULA_TRIGGERS.has(value.charAt(0)) ? `'${value}` : value;
}

/** Undo {@link neutraliseFormula} on a parsed (unquoted) field: drop one leading `'`. */
export function restoreCell(field: string): string {
  return field.startsWith("'") ? field.slice(1) : field;
}

/**
 * One value as a CSV field. null/undefined → empty; numbers, bigints and booleans as
 * written by JS; Dates as ISO 8601; strings neutralised and quoted as needed; anything
 * else as JSON text, treated like a string.
 */
export function formatCsvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  const safe = neutraliseFormula(text);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record (with its CRLF) from `row`, taking `columns` in order; other keys are ignored. */
export function formatCsvRow(row: Record<string, unknown>, columns: readonly string[]): string {
  return columns.map((c) => formatCsvCell(row[c])).join(',') + CSV_EOL;
}

function checkColumns(columns: readonly string[]): void {
  if (columns.length === 0) throw new TerminalError('CSV needs at least one column');
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new TerminalError(`CSV column "${dup}" is listed twice`);
}

function header(columns: readonly string[], opts: CsvFormatOptions): string {
  return (opts.bom ? BOM : '') + columns.map(formatCsvCell).join(',') + CSV_EOL;
}

/**
 * A whole CSV document in memory: a header row of `columns`, then one record per row.
 * For small outputs; use {@link createCsvWriter} for datasets.
 */
export function toCsv(rows: Iterable<Record<string, unknown>>, columns: readonly string[], opts: CsvFormatOptions = {}): string {
  checkColumns(columns);
  let out = header(columns, opts);
  for (const row of rows) out += formatCsvRow(row, columns);
  return out;
}

/** Options for {@link createCsvWriter}. */
export interface CsvWriterOptions extends CsvFormatOptions {
  /** File permissions, applied exactly, e.g. `0o600` (owner only) for personal data. */
  mode?: number;
}

/** A CSV file being written row by row. Await each call; they run in order. */
export interface CsvWriter {
  /** Append one record; resolves once it is buffered or, when the buffer is full, written. */
  write(row: Record<string, unknown>): Promise<void>;
  /** Flush, then move the file into place. Resolves to the number of records written. */
  close(): Promise<number>;
  /** Drop everything written so far; the target file is left as it was. */
  abort(): Promise<void>;
  /** Records accepted so far. */
  readonly rows: number;
}

/**
 * Open a streaming CSV writer on `file` and write the header. Memory stays bounded
 * whatever the row count: rows are buffered up to ~64 KiB, then written. The data goes to
 * a temporary file in the same directory (created with `mode` when given) and is renamed
 * to `file` on `close()`, so a crash never leaves a truncated file that looks complete.
 */
export async function createCsvWriter(file: string, columns: readonly string[], opts: CsvWriterOptions = {}): Promise<CsvWriter> {
  checkColumns(columns);
  const cols = [...columns];
  const target: AtomicFile = await openAtomic(file, opts.mode !== undefined ? { mode: opts.mode } : {});
  let pending = header(cols, opts);
  let rows = 0;
  let finished = false;
  let failure: unknown;
  let queue: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    const chunk = pending;
    pending = '';
    const done = queue.then(async () => {
      if (failure !== undefined) throw failure;
      await target.handle.write(chunk, null, 'utf8');
    });
    queue = done.catch((e: unknown) => {
      failure ??= e;
    });
    return done;
  };

  return {
    get rows() {
      return rows;
    },
    async write(row) {
      if (finished) throw new TerminalError(`CSV writer for ${file} is already closed`);
      if (failure !== undefined) throw failure;
      pending += formatCsvRow(row, cols);
      rows += 1;
      if (pending.length >= FLUSH_AT) await flush();
    },
    async close() {
      if (finished) throw new TerminalError(`CSV writer for ${file} is already closed`);
      finished = true;
      await flush().catch(() => undefined);
      if (failure !== undefined) {
        await target.discard();
        throw failure;
      }
      await target.commit();
      return rows;
    },
    async abort() {
      finished = true;
      pending = '';
      await queue;
      await target.discard();
    },
  };
}
