/** How long-running steps report progress; the CLI renders bars on a TTY, plain lines otherwise. */
export interface Progress {
  start(step: string, total: number | null): void;
  advance(n: number): void;
  end(): void;
  /** A line of narrative ("resuming run …", "map auto-confirmed"). */
  note(message: string): void;
}

export const silentProgress: Progress = { start() {}, advance() {}, end() {}, note() {} };
