/**
 * The proposer's model stage as configured: off by default, turned on by the config or
 * `map propose --ai`, its key a secret that never reaches the config hash, logs or JSON.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aiAskOptions } from '../../src/pipeline/ai-model.js';
import { loadConfig } from '../../src/pipeline/config.js';

const BASE = `version: 1
source:
  type: xtremepush
  baseUrl: http://127.0.0.1:9/
  apptoken: xp-token-1234
destination:
  type: freshsales
  baseUrl: http://127.0.0.1:10/crm/sales
  apiKey: fs-key-5678
  plan: growth
`;

function load(extra = '') {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-ai-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, BASE + extra);
  return loadConfig(file, { AI_KEY: 'sk-ai-secret-9876' });
}

describe('ai settings', () => {
  it('are off by default: no model is built', () => {
    const c = load();
    expect(c.config.ai).toBeUndefined();
    expect(aiAskOptions(c.config.ai)).toBeUndefined();
    expect(aiAskOptions(load('ai:\n  model: qwen2.5\n').config.ai)).toBeUndefined();
  });

  it('--ai turns them on with the defaults: a local Ollama', () => {
    const o = aiAskOptions(undefined, true)!;
    expect(o.modelName).toBe('llama3.1');
    expect(o.maxAttributes).toBe(50);
    expect(typeof o.model === 'object' && o.model.modelId).toBe('llama3.1');
  });

  it('the config enables them; the key is a secret, left out of the hash and redacted in JSON', () => {
    const c = load('ai:\n  enabled: true\n  baseUrl: http://127.0.0.1:11434/v1\n  model: qwen2.5\n  apiKey: ${AI_KEY}\n  maxAttributes: 20\n');
    const o = aiAskOptions(c.config.ai)!;
    expect(o).toMatchObject({ modelName: 'qwen2.5', maxAttributes: 20 });
    expect(JSON.stringify(c.config)).not.toContain('sk-ai-secret-9876');
    expect(c.secrets).toContain('sk-ai-secret-9876');
    // The model is a proposal aid: turning it on does not start a new run.
    expect(c.hash).toBe(load().hash);
  });

  it('refuses an unknown key and a bad URL', () => {
    expect(() => load('ai:\n  enable: true\n')).toThrow(/did you mean "enabled"/);
    expect(() => load('ai:\n  baseUrl: not a url\n')).toThrow(/ai\.baseUrl/);
  });
});
