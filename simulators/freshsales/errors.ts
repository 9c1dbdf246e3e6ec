/**
 * Freshsales' error envelope. Handlers throw `ApiError`; the dispatcher renders it as
 * `{"errors":{"code":<int>,"message":[...]}}`, the one shape every error takes [DOC].
 */
import type { SimResponse } from '../common/http-kit.js';

/** An error answer in Freshsales' shape, thrown by engine code and rendered by the dispatcher. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
  ) {
    super(messages.join('; '));
    this.name = 'ApiError';
  }
}

/** The error body Freshsales sends: `message` is always an array. */
export function errorBody(status: number, messages: string[]): { errors: { code: number; message: string[] } } {
  return { errors: { code: status, message: messages } };
}

/** A complete error answer. */
export function errorResponse(status: number, messages: string[], headers?: Record<string, string>): SimResponse {
  return headers ? { status, body: errorBody(status, messages), headers } : { status, body: errorBody(status, messages) };
}

/** Throw a 400 with every collected message, if there are any. */
export function failIfAny(messages: string[]): void {
  if (messages.length > 0) throw new ApiError(400, messages);
}
