/** The `review` command: start the review server, print its address, serve until SIGINT/SIGTERM. */
import type { Logger } from '../core/logger.js';
import { loadConfig } from '../pipeline/config.js';
import { loadMappingSpec } from '../mapping/spec.js';
import { startReviewServer } from './server.js';

/** Run `crm-migrate review --config FILE [--port N]`; resolves (exit 0) when the process is told to stop. */
export async function review(opts: { config: string; port?: number }, io: { out: (line: string) => void; logger: Logger }): Promise<number> {
  const loaded = loadConfig(opts.config);
  // A missing or invalid map is said now, in the terminal, not on the first page.
  loadMappingSpec(loaded.mappingFile);
  const server = await startReviewServer({ loaded, logger: io.logger, ...(opts.port !== undefined ? { port: opts.port } : {}) });
  io.out(`review the map of ${loaded.mappingFile} at:\n  ${server.url}\n(only this machine can reach it; the address carries a one-time token. Ctrl-C stops the page.)`);
  await new Promise<void>((resolve) => process.once('SIGTERM', resolve));
  await server.close();
  return 0;
}
