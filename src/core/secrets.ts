/**
 * Secret handling. Config schemas mark secret fields with `secret()`; values are kept in
 * a `Secret` box whose string forms are redacted, so an accidental log line, JSON dump
 * or template interpolation shows `[redacted]` instead of the key.
 */
import { z } from 'zod';

const REDACTED = '[redacted]';
const SECRET_VALUE = Symbol('secret-value');

export class Secret {
  private readonly [SECRET_VALUE]: string;
  constructor(value: string) {
    this[SECRET_VALUE] = value;
  }
  /** The only way to read the value: at the point of use, e.g. building an auth header. */
  reveal(): string {
    return this[SECRET_VALUE];
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}

/** zod schema for a secret string field: validates non-empty, yields a `Secret`. */
export function secret() {
  return z
    .string()
    .min(1, 'must not be empty')
    .transform((v) => new Secret(v));
}

/** Pino redact paths used by every logger: any key that looks like a credential. */
export const REDACT_PATHS = [
  'apiKey', '*.apiKey', '*.*.apiKey',
  'apptoken', '*.apptoken', '*.*.apptoken',
  'token', '*.token',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'password', '*.password',
];

/** Replace every occurrence of the given secret values in a text (last line of defence). */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join(REDACTED);
  }
  return out;
}
