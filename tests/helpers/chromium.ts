/**
 * Debian's Chromium for the browser tests (installed by scripts/install-chromium.sh, which
 * .ci/run calls). Absent on a developer's machine: the tests skip and say why; absent on CI
 * (CI=true): a failure, never a silent skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Chromium is, or null. */
export function findChromium(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && existsSync(p)) return p;
  try {
    const p = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
    return p !== '' ? p : null;
  } catch {
    return null;
  }
}

/** The executable, or null with the reason printed (and an error on CI, where it must be there). */
export function chromiumOrSkip(): string | null {
  const path = findChromium();
  if (path) return path;
  const why = 'Chromium is not installed (no /usr/bin/chromium): the browser tests are skipped. Run scripts/install-chromium.sh (as root) to run them.';
  if (process.env.CI) throw new Error(`${why} On CI it must be there: .ci/run installs it first.`);
  process.stderr.write(`${why}\n`);
  return null;
}
