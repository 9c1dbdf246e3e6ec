/** Writes a ready migration config pointing at running simulators. */
import { writeFileSync } from 'node:fs';
import { stringifyYaml } from '../core/yaml.js';

export interface SimEndpoints {
  xtremepushUrl: string;
  apptoken: string;
  freshsalesUrl: string;
  apiKey: string;
  plan: string;
  timeScale: number;
}

export function writeSimConfig(file: string, e: SimEndpoints, extra: { workdir?: string; mapping?: string } = {}): void {
  const config = {
    version: 1,
    workdir: extra.workdir ?? '.crm-migrate',
    mapping: extra.mapping ?? 'mapping.yaml',
    source: { type: 'xtremepush', baseUrl: e.xtremepushUrl, apptoken: e.apptoken, pageSize: 500, exportPoll: { initialMs: 50 } },
    destination: { type: 'freshsales', baseUrl: e.freshsalesUrl, apiKey: e.apiKey, plan: e.plan, timeScale: e.timeScale },
    run: { concurrency: 4, batchSize: 100, maxErrorRatio: 0.5 },
  };
  writeFileSync(
    file,
    stringifyYaml(config, 'crm-migrate config for the local simulators (keys here are simulator keys, not secrets).\nOn a real migration, write apiKey: ${FRESHSALES_API_KEY} and apptoken: ${XTREMEPUSH_APPTOKEN} and set them in the environment.'),
    { mode: 0o600 },
  );
}
