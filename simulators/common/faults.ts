/**
 * Fault injection shared by the simulators. A fault spec is a comma-separated list,
 * e.g. `5xx=0.05,timeout=0.01,drop=0.01,latency=40@0.2,429=0.01,bulkfail=0.05,seed=7`:
 * - `5xx=R`       answer 500/502/503 with rate R
 * - `timeout=R`   never answer (the socket is held until the client gives up)
 * - `drop=R`      destroy the connection without an answer
 * - `latency=MS@R` add MS milliseconds of latency with rate R (R defaults to 1)
 * - `429=R`       start a burst of 429s (as if another integration spent the budget) with rate R
 * - `burst=MS`    how long a 429 burst lasts, in unscaled milliseconds (default 300)
 * - `bulkfail=R`  a bulk job ends in status "failed" with rate R (Freshsales only)
 * - `bulk405=R`   a bulk_upsert answers a transient 405 with rate R, as live accounts do now and
 *                 then (third-party clients retry it up to 10 × 5 s) (Freshsales only)
 * - `seed=N`      PRNG seed (default 1)
 * Timeouts and drops are applied either before or after the request's effect, at random:
 * a real client cannot tell which, and must stay correct in both cases.
 */
import { createRng, type Rng } from './prng.js';

export interface FaultSpec {
  seed: number;
  error5xx: number;
  timeout: number;
  drop: number;
  latencyMs: number;
  latencyRate: number;
  burst429: number;
  burstMs: number;
  bulkJobFail: number;
  bulk405: number;
}

export const NO_FAULTS: FaultSpec = {
  seed: 1, error5xx: 0, timeout: 0, drop: 0, latencyMs: 0, latencyRate: 0, burst429: 0, burstMs: 300, bulkJobFail: 0, bulk405: 0,
};

/** Parse a fault spec string; throws an Error naming the bad item. */
export function parseFaultSpec(text: string | undefined): FaultSpec {
  const spec: FaultSpec = { ...NO_FAULTS };
  if (!text || !text.trim()) return spec;
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [key, raw] = item.split('=', 2);
    if (raw === undefined) throw new Error(`fault spec item "${item}" is not key=value`);
    const num = (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`fault spec item "${item}": "${v}" is not a non-negative number`);
      return n;
    };
    const rate = (v: string) => {
      const n = num(v);
      if (n > 1) throw new Error(`fault spec item "${item}": rate must be between 0 and 1`);
      return n;
    };
    switch (key) {
      case '5xx': spec.error5xx = rate(raw); break;
      case 'timeout': spec.timeout = rate(raw); break;
      case 'drop': spec.drop = rate(raw); break;
      case '429': spec.burst429 = rate(raw); break;
      case 'burst': spec.burstMs = num(raw); break;
      case 'bulkfail': spec.bulkJobFail = rate(raw); break;
      case 'bulk405': spec.bulk405 = rate(raw); break;
      case 'seed': spec.seed = Math.floor(num(raw)); break;
      case 'latency': {
        const [ms, r] = raw.split('@', 2);
        spec.latencyMs = num(ms ?? '0');
        spec.latencyRate = r === undefined ? 1 : rate(r);
        break;
      }
      default:
        throw new Error(`fault spec item "${item}": unknown fault "${key}" (known: 5xx, timeout, drop, latency, 429, burst, bulkfail, bulk405, seed)`);
    }
  }
  return spec;
}

export type FaultKind = 'none' | '5xx' | 'timeout' | 'drop' | '429';

export interface FaultDecision {
  kind: FaultKind;
  /** For timeout/drop: whether the request's effect happens before the connection fails. */
  applyEffect: boolean;
  /** Extra latency before answering (or failing). */
  latencyMs: number;
  /** For 5xx: which status. */
  status: number;
}

/** Decides, per request, which fault (if any) to inject. Deterministic for a given seed and call order. */
export class FaultInjector {
  private spec: FaultSpec;
  private rng: Rng;
  private burstUntil = 0;

  constructor(spec: FaultSpec = NO_FAULTS, private readonly now: () => number = Date.now) {
    this.spec = spec;
    this.rng = createRng(spec.seed);
  }

  get current(): FaultSpec {
    return this.spec;
  }

  /** Replace the spec while running (the PRNG is re-seeded). */
  update(spec: FaultSpec): void {
    this.spec = spec;
    this.rng = createRng(spec.seed);
    this.burstUntil = 0;
  }

  /** True with probability `rate`. */
  roll(rate: number): boolean {
    return rate > 0 && this.rng() < rate;
  }

  decide(): FaultDecision {
    const s = this.spec;
    const latencyMs = this.roll(s.latencyRate) ? s.latencyMs : 0;
    const d = (kind: FaultKind, status = 0): FaultDecision => ({ kind, applyEffect: this.rng() < 0.5, latencyMs, status });
    const t = this.now();
    if (t < this.burstUntil) return d('429', 429);
    if (this.roll(s.burst429)) {
      this.burstUntil = t + s.burstMs;
      return d('429', 429);
    }
    if (this.roll(s.error5xx)) return d('5xx', [500, 502, 503][Math.floor(this.rng() * 3)] ?? 500);
    if (this.roll(s.timeout)) return d('timeout');
    if (this.roll(s.drop)) return d('drop');
    return d('none');
  }
}
