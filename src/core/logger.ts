/**
 * The one logger factory: pino with secret paths redacted; JSON lines (for files and tools), or
 * one plain line per entry for a person at a terminal (`format: 'text'`).
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { REDACT_PATHS } from './secrets.js';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Where lines go; default stderr so stdout stays for command output. */
  destination?: DestinationStream;
  /** `json` (default) or `text`: "warning: <message>" lines, the fields left out. */
  format?: 'json' | 'text';
}

const LEVEL_WORDS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

/** Entries as one plain line each (the JSON pino made, secrets already redacted, read back). */
function textLines(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      try {
        const o = JSON.parse(line) as { level?: number; msg?: string };
        out.write(`${LEVEL_WORDS[o.level ?? 30] ?? 'log'}: ${o.msg ?? ''}\n`);
      } catch {
        out.write(line);
      }
    },
  };
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.CRM_MIGRATE_LOG_LEVEL ?? 'info';
  const dest = opts.destination ?? pino.destination(2);
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, opts.format === 'text' ? textLines(dest) : dest);
}

/** A logger that drops everything (tests, pure paths). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
