/**
 * Netmera's error answers [C]: application errors `{"code":<int>,"error":"<text>"}` with the
 * HTTP status the error table gives; an RFC 9457 problem body (application/problem+json) for
 * unknown routes and wrong methods (the Spring default); text/plain 400s for query
 * parameters that fail conversion or validation (which 400s are text/plain is not in the
 * notes [A]). Handlers throw `NetmeraError`; the dispatcher sends its response.
 */
import type { SimResponse } from '../common/http-kit.js';

/** Application error codes the simulator uses, with their HTTP status and text [C codes/statuses; A texts]. */
export const APP_ERRORS = {
  internal: { code: 2001, status: 500, error: 'Internal server error' },
  /** CONNECTORS_SEGMENT members (guide): a 400 that reads like a transient error but never succeeds. */
  unexpected: { code: 2001, status: 400, error: 'An unexpected error occurred. Retry later.' },
  wrongFieldType: { code: 2004, status: 400, error: 'Wrong field type' },
  invalidJson: { code: 2009, status: 400, error: 'Invalid JSON' },
  apiKeyInvalid: { code: 2010, status: 403, error: 'API key is invalid' },
  missingParameter: { code: 2020, status: 400, error: 'Missing required parameter' },
  ipNotAllowed: { code: 2021, status: 403, error: 'Your IP is not allowed' },
  notAuthorised: { code: 2022, status: 403, error: 'You are not authorized to do this action' },
  messageNotFound: { code: 5003, status: 400, error: 'Message with given messageId could not be found' },
  extIdNotFound: { code: 5016, status: 400, error: 'External id not found' },
  quotaExceeded: { code: 5022, status: 400, error: 'Quota exceeded' },
  segmentNotFound: { code: 5042, status: 400, error: 'Segment not found' },
} as const;

/** One of APP_ERRORS. */
export type AppErrorKind = keyof typeof APP_ERRORS;

/** An answer a handler gives up with. */
export class NetmeraError extends Error {
  constructor(readonly response: SimResponse) {
    super(`netmera ${response.status}`);
    this.name = 'NetmeraError';
  }
}

/** `{code, error}` with the table's status (or `status` when given); `detail` is appended to the text. */
export function appError(kind: AppErrorKind, detail?: string, status?: number): SimResponse {
  const e = APP_ERRORS[kind];
  return { status: status ?? e.status, body: { code: e.code, error: detail ? `${e.error}: ${detail}` : e.error } };
}

/** An RFC 9457 problem body. */
export function problem(status: number, title: string, detail: string, instance: string, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    raw: JSON.stringify({ type: 'about:blank', title, status, detail, instance }),
    headers: { 'content-type': 'application/problem+json', ...headers },
  };
}

/** A text/plain answer. */
export function plainText(status: number, text: string): SimResponse {
  return { status, raw: text, headers: { 'content-type': 'text/plain;charset=UTF-8' } };
}

/** Throw a text/plain 400 naming a query parameter that could not be converted. */
export function badConversion(name: string, value: string, type: 'int' | 'long' | 'boolean'): never {
  throw new NetmeraError(plainText(400, `Failed to convert value of type 'java.lang.String' to required type '${type}'; parameter '${name}': For input string: "${value}"`));
}
