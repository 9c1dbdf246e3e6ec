/** Progress for a terminal: bars with counts and ETA on a TTY, plain lines otherwise. */
import cliProgress from 'cli-progress';
import type { Progress } from '../pipeline/progress.js';

let step: string | null = null;

/** The step the latest progress started (for the Ctrl-C message), or null. */
export function currentStep(): string | null {
  return step;
}

export function createProgress(stream: NodeJS.WriteStream = process.stdout, quiet = false): Progress {
  const inner: Progress = quiet ? { start() {}, advance() {}, end() {}, note() {} } : stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
  return {
    start: (s, total) => {
      step = s;
      inner.start(s, total);
    },
    advance: (n) => inner.advance(n),
    end: () => inner.end(),
    note: (m) => inner.note(m),
  };
}

class BarProgress implements Progress {
  private bar: cliProgress.SingleBar | null = null;
  private count = 0;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  start(step: string, total: number | null): void {
    this.end();
    this.count = 0;
    this.bar = new cliProgress.SingleBar(
      { format: `${step.padEnd(24)} {bar} {value}/{total} | ETA {eta_formatted}`, stream: this.stream, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total ?? 0, 0);
  }
  advance(n: number): void {
    this.count += n;
    if (!this.bar) return;
    if (this.bar.getTotal() < this.count) this.bar.setTotal(this.count);
    this.bar.update(this.count);
  }
  end(): void {
    this.bar?.stop();
    this.bar = null;
  }
  note(message: string): void {
    if (this.bar) this.stream.write('\n');
    this.stream.write(`${message}\n`);
  }
}

class LineProgress implements Progress {
  private step = '';
  private total: number | null = null;
  private count = 0;
  private lastAt = 0;
  private started = 0;
  constructor(private readonly stream: NodeJS.WriteStream) {}
  start(step: string, total: number | null): void {
    this.step = step;
    this.total = total;
    this.count = 0;
    this.started = Date.now();
    this.lastAt = 0;
  }
  advance(n: number): void {
    this.count += n;
    const now = Date.now();
    if (now - this.lastAt >= 2_000) {
      this.lastAt = now;
      this.line();
    }
  }
  end(): void {
    if (this.step) this.stream.write(`${this.step}: ${this.count} done\n`);
    this.step = '';
  }
  note(message: string): void {
    this.stream.write(`${message}\n`);
  }
  private line(): void {
    const elapsed = (Date.now() - this.started) / 1000;
    let eta = '';
    if (this.total && this.count > 0 && this.count < this.total) eta = `, ETA ${Math.round(((this.total - this.count) * elapsed) / this.count)} s`;
    this.stream.write(`${this.step}: ${this.count}${this.total ? `/${this.total}` : ''}${eta}\n`);
  }
}
