/**
 * Atomic file writes for reports: the content goes to a temporary file in the target's
 * own directory (so the rename stays on one filesystem), is flushed to disk, then renamed
 * over the target. A reader therefore sees the old file or the new one, never half of one.
 */
import { randomUUID } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TerminalError } from '../core/errors.js';

/** Options for {@link writeFileAtomic} and {@link openAtomic}. */
export interface AtomicWriteOptions {
  /** File permissions, applied exactly (not filtered by the umask), e.g. `0o600`. */
  mode?: number;
}

/** A temporary file that becomes `file` on {@link AtomicFile.commit}. */
export interface AtomicFile {
  readonly handle: FileHandle;
  /** Flush, close and rename over the target. */
  commit(): Promise<void>;
  /** Close and delete the temporary file; the target is left as it was. */
  discard(): Promise<void>;
}

/** Open a uniquely named temporary sibling of `file` for writing. */
export async function openAtomic(file: string, opts: AtomicWriteOptions = {}): Promise<AtomicFile> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  // 'wx': the temp name is fresh, so creation fails rather than follow a planted file or link.
  const handle = await open(tmp, 'wx', opts.mode ?? 0o666);
  let done = false;
  const discard = async (): Promise<void> => {
    if (done) return;
    done = true;
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
  };
  try {
    // The creation mode is filtered by the umask; chmod makes the requested mode exact.
    if (opts.mode !== undefined) await handle.chmod(opts.mode);
  } catch (e) {
    await discard();
    throw e;
  }
  return {
    handle,
    discard,
    async commit() {
      if (done) throw new TerminalError(`atomic write of ${file} already finished`);
      try {
        await handle.sync();
      } catch (e) {
        await discard();
        throw e;
      }
      done = true;
      try {
        await handle.close();
        await rename(tmp, file);
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        throw e;
      }
    },
  };
}

/** Write `data` to `file` atomically (temp file in the same directory, then rename). */
export async function writeFileAtomic(file: string, data: string, opts: AtomicWriteOptions = {}): Promise<void> {
  const f = await openAtomic(file, opts);
  try {
    await f.handle.writeFile(data, 'utf8');
  } catch (e) {
    await f.discard();
    throw e;
  }
  await f.commit();
}
