/** Writes a ready migration config pointing at running simulators. */
import { writeFileSync } from 'node:fs';
import { stringifyYaml } from '../core/yaml.js';

/** The destination simulator, and the source: an Xtremepush simulator, or any source section with the name of its credential key. */
export type SimEndpoints = { freshsalesUrl: string; apiKey: string; plan: string; timeScale: number } & (
  | { xtremepushUrl: string; apptoken: string }
  | { source: Record<string, unknown>; sourceSecret: { key: string; env: string } }
);

export function writeSimConfig(file: string, e: SimEndpoints, extra: { workdir?: string; mapping?: string } = {}): void {
  const source = 'source' in e ? e.source : { type: 'xtremepush', baseUrl: e.xtremepushUrl, apptoken: e.apptoken, pageSize: 500, exportPoll: { initialMs: 50 } };
  const secret = 'source' in e ? e.sourceSecret : { key: 'apptoken', env: 'XTREMEPUSH_APPTOKEN' };
  const config = {
    version: 1,
    workdir: extra.workdir ?? '.crm-migrate',
    mapping: extra.mapping ?? 'mapping.yaml',
    source,
    destination: { type: 'freshsales', baseUrl: e.freshsalesUrl, apiKey: e.apiKey, plan: e.plan, timeScale: e.timeScale },
    run: { concurrency: 4, batchSize: 100, maxErrorRatio: 0.5 },
  };
  writeFileSync(
    file,
    stringifyYaml(
      config,
      'crm-migrate config for the local simulators (keys here are simulator keys, not secrets).\n' +
        `On a real migration, write apiKey: \${FRESHSALES_API_KEY} and ${secret.key}: \${${secret.env}} and set them in the environment.`,
    ),
    { mode: 0o600 },
  );
}
