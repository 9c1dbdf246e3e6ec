import { describe, expect, it } from 'vitest';
import { RateLimitedError, TerminalError, TransientError } from '../../src/core/errors.js';
import { classifyWriteError, rejectionReason } from '../../src/connectors/freshsales/index.js';

const http = (status: number) => ({ http: { method: 'POST', path: '/api/x', status } });
const terminal = (status: number, details: string[] = []) => new TerminalError(`POST /api/x → ${status}`, { ...http(status), details });

describe('classifyWriteError: one failure policy for every writer', () => {
  it('a 4xx about the record is a rejection with the vendor\'s reason', () => {
    const c = classifyWriteError(terminal(400, ['a@b.c already exists.']), 'record');
    expect(c.kind).toBe('rejected');
    if (c.kind === 'rejected') expect(rejectionReason(c, 'the contact "a@b.c"')).toBe('Freshsales rejected the contact "a@b.c" (HTTP 400): a@b.c already exists.');
    expect(classifyWriteError(terminal(404), 'record').kind).toBe('rejected');
    expect(classifyWriteError(terminal(422), 'record').kind).toBe('rejected');
  });

  it('the key refused is never a record\'s fault', () => {
    expect(classifyWriteError(terminal(401), 'record')).toEqual({ kind: 'credential', status: 401 });
    expect(classifyWriteError(terminal(403), 'record')).toEqual({ kind: 'credential', status: 403 });
    expect(classifyWriteError(terminal(401), 'bulk')).toEqual({ kind: 'credential', status: 401 });
  });

  it('a missing or forbidden bulk endpoint means fall back, not reject', () => {
    for (const s of [404, 405, 403]) expect(classifyWriteError(terminal(s), 'bulk')).toEqual({ kind: 'unavailable', status: s });
    expect(classifyWriteError(terminal(400), 'bulk').kind).toBe('rejected');
  });

  it('may-have-happened and try-again are told apart', () => {
    expect(classifyWriteError(new TransientError('timed out', { ambiguous: true }), 'record').kind).toBe('ambiguous');
    expect(classifyWriteError(new TerminalError('unreadable 2xx'), 'record').kind).toBe('ambiguous');
    expect(classifyWriteError(new TransientError('503'), 'record').kind).toBe('retry');
    expect(classifyWriteError(new RateLimitedError('429'), 'record').kind).toBe('retry');
    expect(classifyWriteError(new Error('bug'), 'record').kind).toBe('unknown');
    expect(classifyWriteError(terminal(500), 'record').kind).toBe('unknown');
  });
});
