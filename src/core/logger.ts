/** The one logger factory: pino, JSON lines, with secret paths redacted. */
import { pino, type Logger, type DestinationStream } from 'pino';
import { REDACT_PATHS } from './secrets.js';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Where lines go; default stderr so stdout stays for command output. */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.CRM_MIGRATE_LOG_LEVEL ?? 'info';
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, opts.destination ?? pino.destination(2));
}

/** A logger that drops everything (tests, pure paths). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
