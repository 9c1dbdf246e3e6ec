/**
 * Learns how long a bulk job takes so the bulk loader (bulk-load.ts) can read back once,
 * right after the job should be done, instead of polling its status. A read-back that finds
 * the batch complete nudges the estimate down 2%; one that comes too early raises it 50% and
 * costs a status poll. Misses settle near 5% of batches: about 0.1 extra calls per batch.
 */
export class JobTimer {
  private estimateMs: number | null = null;

  constructor(private readonly floorMs = 1, private readonly ceilingMs = 120_000) {}

  /** How long to wait before the first read-back; null while nothing has been observed. */
  get waitMs(): number | null {
    return this.estimateMs;
  }

  /** A job was observed complete after `elapsedMs` by polling. */
  observed(elapsedMs: number): void {
    const v = Math.max(this.floorMs, elapsedMs * 1.1);
    this.estimateMs = this.estimateMs === null ? v : Math.max(this.estimateMs, v);
    this.clamp();
  }

  hit(): void {
    if (this.estimateMs !== null) this.estimateMs *= 0.98;
    this.clamp();
  }

  miss(): void {
    this.estimateMs = this.estimateMs === null ? this.floorMs * 2 : this.estimateMs * 1.5;
    this.clamp();
  }

  private clamp(): void {
    if (this.estimateMs !== null) this.estimateMs = Math.min(this.ceilingMs, Math.max(this.floorMs, this.estimateMs));
  }
}
