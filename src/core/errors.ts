/**
 * The small typed error set. Every error the tool raises on purpose is one of these,
 * with a stable `code` that callers (retry logic, CLI exit codes, reports) switch on.
 * Messages never carry secrets: vendor errors are wrapped at the client with method,
 * path, status and a short message only.
 */
export type ErrorCode = 'transient' | 'terminal' | 'rate_limited' | 'config' | 'validation';

export interface HttpContext {
  method: string;
  /** Path without query string or host (the query may carry identifiers, never tokens). */
  path: string;
  status?: number;
}

export class MigrateError extends Error {
  readonly code: ErrorCode;
  readonly http?: HttpContext;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; http?: HttpContext }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    if (options?.http) this.http = options.http;
  }
}

/** A failure worth retrying (network error, 5xx, timeout). */
export class TransientError extends MigrateError {
  /**
   * True when a non-idempotent request may or may not have been applied by the server
   * (timeout or dropped connection after sending, 500): the caller must reconcile
   * (look the record up) before trying again, or risk a duplicate.
   */
  readonly ambiguous: boolean;
  constructor(message: string, options?: { cause?: unknown; http?: HttpContext; ambiguous?: boolean }) {
    super('transient', message, options);
    this.ambiguous = options?.ambiguous ?? false;
  }
}

/** A failure that will not go away by retrying (4xx other than 429, bad data). */
export class TerminalError extends MigrateError {
  /** Vendor messages, already stripped of anything secret. */
  readonly details: string[];
  constructor(message: string, options?: { cause?: unknown; http?: HttpContext; details?: string[] }) {
    super('terminal', message, options);
    this.details = options?.details ?? [];
  }
}

/** The destination said 429; `waitMs` is the server's hint when it gave one. */
export class RateLimitedError extends MigrateError {
  readonly waitMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; http?: HttpContext; waitMs?: number }) {
    super('rate_limited', message, options);
    this.waitMs = options?.waitMs;
  }
}

/** Configuration, mapping or credential problem: the command cannot proceed. */
export class ConfigError extends MigrateError {
  /** File the problem is in, when there is one. */
  readonly file?: string;
  /** 1-based line in that file, when known. */
  readonly line?: number;
  constructor(message: string, options?: { cause?: unknown; file?: string; line?: number }) {
    super('config', message, options);
    if (options?.file !== undefined) this.file = options.file;
    if (options?.line !== undefined) this.line = options.line;
  }
}

/** A record failed validation; carries every reason, never fatal to a run. */
export class ValidationError extends MigrateError {
  readonly reasons: string[];
  constructor(reasons: string[], options?: { cause?: unknown }) {
    super('validation', reasons.join('; '), options);
    this.reasons = reasons;
  }
}

export function isMigrateError(e: unknown): e is MigrateError {
  return e instanceof MigrateError;
}
