/**
 * The migration config file (YAML, zod-validated). Secrets may be given inline or, better,
 * as `${ENV_VAR}` references resolved from the environment at load time; either way they
 * are held in `Secret` boxes and never written back out.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { Secret, secret } from '../core/secrets.js';
import { parseYaml } from '../core/yaml.js';
import { DestinationConfig, SourceConfig } from '../connectors/registry.js';
import { StateConfig } from '../state/index.js';

export const RunSettings = z.strictObject({
  /** Units of work run at once (the budget, not this, usually bounds throughput). */
  concurrency: z.number().int().min(1).max(32).default(4),
  /** Records per bulk call (Freshsales bulk_upsert takes at most 100). */
  batchSize: z.number().int().min(1).max(100).default(100),
  /** Abort the run when more than this share of records fail or are quarantined. */
  maxErrorRatio: z.number().min(0).max(1).default(0.5),
});

/**
 * The proposer's optional model stage (src/mapping/ai-suggest.ts): any OpenAI-compatible
 * endpoint — a local Ollama by default, or a hosted model. Only masked samples are sent.
 */
export const AiSettings = z.strictObject({
  enabled: z.boolean().default(false),
  /** The endpoint's base URL, up to /v1 (Ollama: http://127.0.0.1:11434/v1). */
  baseUrl: z.url().default('http://127.0.0.1:11434/v1'),
  model: z.string().min(1).default('llama3.1'),
  /** Bearer key for a hosted endpoint (a local Ollama needs none); kept in a Secret box. */
  apiKey: secret().optional(),
  /** At most this many attributes in the one request (low confidence first). */
  maxAttributes: z.number().int().min(1).max(500).default(50),
  /** Give up after this long; the proposal goes ahead without the model. */
  timeoutMs: z.number().int().min(1000).max(600_000).default(60_000),
});
export type AiSettings = z.infer<typeof AiSettings>;

export const MigrationConfig = z.strictObject({
  version: z.literal(1).default(1),
  /** The customer the proposer's history is kept under (see pipeline/map-history.ts); default: the Freshsales account by its URL. */
  organisation: z.string().trim().min(1).max(200).optional(),
  /** Where state.db lives; relative to the config file. */
  workdir: z.string().default('.crm-migrate'),
  /** The mapping file; relative to the config file. */
  mapping: z.string().default('mapping.yaml'),
  source: SourceConfig,
  destination: DestinationConfig,
  run: RunSettings.default({ concurrency: 4, batchSize: 100, maxErrorRatio: 0.5 }),
  /** Where the run's state lives (see src/state/index.ts); default SQLite at <workdir>/state.db. */
  state: StateConfig.prefault({}),
  /** The proposer's optional model stage (off unless enabled here or by `map propose --ai`). */
  ai: AiSettings.optional(),
});
export type MigrationConfig = z.infer<typeof MigrationConfig>;

export interface LoadedConfig {
  config: MigrationConfig;
  file: string;
  /** Absolute paths resolved against the config file's folder. */
  workdir: string;
  mappingFile: string;
  /** Hash of the config without secrets: a changed config starts a new run. */
  hash: string;
  /** Secret values, for scrubbing error text. */
  secrets: string[];
}

/** Load and validate a config file. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file, cause: e });
  }
  // ${VAR} is substituted after parsing, into string values only (see parseYaml).
  const config = parseYaml(text, MigrationConfig, file, 'config', { env });
  const dir = dirname(resolve(file));
  // Every secret box in the config, whatever the connector calls its fields.
  const secrets = secretsIn(config).filter(Boolean);
  return {
    config,
    file,
    workdir: resolve(dir, config.workdir),
    mappingFile: resolve(dir, config.mapping),
    hash: configHash(config),
    secrets,
  };
}

/** Hash of what determines a run's result; secrets are redacted by their toJSON. */
export function configHash(config: MigrationConfig): string {
  // Run settings, where the state lives, the history's organisation and the proposer's model do not change what a run does.
  const { run: _run, state: _state, organisation: _organisation, ai: _ai, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** The revealed values of every Secret in a config (for scrubbing error text). */
function secretsIn(value: unknown): string[] {
  if (value instanceof Secret) return [value.reveal()];
  if (Array.isArray(value)) return value.flatMap(secretsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(secretsIn);
  return [];
}
