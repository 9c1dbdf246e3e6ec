/**
 * The migration config as a person writes it: misspelt keys are errors with line, column and a
 * suggestion; ${VAR} is substituted after parsing, into string values only, and never leaks.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/pipeline/config.js';

const BASE = `version: 1
workdir: state
source:
  type: xtremepush
  baseUrl: http://127.0.0.1:9/
  apptoken: \${XP_TOKEN}
destination:
  type: freshsales
  baseUrl: http://127.0.0.1:10/crm/sales
  apiKey: \${FS_KEY}
  plan: growth
run:
  batchSize: 100
`;

function write(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

const env = { XP_TOKEN: 'xp-token-1234', FS_KEY: 'fs-key-5678' };

describe('config file', () => {
  it('loads a correct file with secrets from the environment', () => {
    const c = loadConfig(write(BASE), env);
    expect(c.config.destination.apiKey.reveal()).toBe('fs-key-5678');
    expect(c.config.workdir).toBe('state');
  });

  it('rejects misspelt keys with line, column and a "did you mean"', () => {
    const text = BASE.replace('workdir: state', 'workdri: state').replace('  batchSize: 100', '  batchsize: 100');
    expect(() => loadConfig(write(text), env)).toThrow(/config\.yaml line 2, column 1: workdri: unknown key "workdri"; did you mean "workdir"\?/);
    expect(() => loadConfig(write(text), env)).toThrow(/line 13, column 3: run\.batchsize: unknown key "batchsize"; did you mean "batchSize"\?/);
    const nested = BASE.replace('  plan: growth', '  plna: growth');
    expect(() => loadConfig(write(nested), env)).toThrow(/destination\.plna: unknown key "plna"; did you mean "plan"\?/);
  });

  it('substitutes ${VAR} after parsing: " #" and a leading "*" stay in the value', () => {
    const c = loadConfig(write(BASE), { XP_TOKEN: '*abc #def', FS_KEY: 'k #1 still the key' });
    expect(c.config.source.type === 'xtremepush' && c.config.source.apptoken.reveal()).toBe('*abc #def');
    expect(c.config.destination.apiKey.reveal()).toBe('k #1 still the key');
  });

  it('reports a missing and an empty variable as such, at their lines, without the values', () => {
    expect(() => loadConfig(write(BASE), { XP_TOKEN: 'x' })).toThrow(/line 10, column 11: apiKey: environment variable FS_KEY is not set/);
    expect(() => loadConfig(write(BASE), { XP_TOKEN: '', FS_KEY: 'y' })).toThrow(/line 6, column 13: apptoken: environment variable XP_TOKEN is set but empty/);
  });

  it('never echoes a substituted value in an error', () => {
    const text = BASE.replace('  plan: growth', '  plan: ${PLAN}');
    const err = (() => {
      try {
        loadConfig(write(text), { ...env, PLAN: 'sekrit-plan-value' });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err?.message).toMatch(/destination\.plan/);
    expect(err?.message).not.toContain('sekrit-plan-value');
  });

  it('does not substitute inside keys or comments', () => {
    const text = `# example: apiKey: \${NOT_SET_ANYWHERE}\n${BASE}`;
    expect(loadConfig(write(text), env).config.workdir).toBe('state');
  });
});

describe('the logger for people', () => {
  it('writes one plain line per entry, secrets still redacted', async () => {
    const { createLogger } = await import('../../src/core/logger.js');
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', format: 'text', destination: { write: (l: string) => void lines.push(l) } });
    log.warn({ apiKey: 'fs-secret-123456' }, 'the source left 3 rows out');
    log.info('not shown below warn');
    expect(lines).toEqual(['warning: the source left 3 rows out\n']);
    const json: string[] = [];
    createLogger({ level: 'warn', destination: { write: (l: string) => void json.push(l) } }).warn({ apiKey: 'fs-secret-123456' }, 'x');
    expect(json[0]).toContain('"apiKey":"[redacted]"');
  });
});
