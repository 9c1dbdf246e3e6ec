/**
 * The phase engine: one runner for every declared destination object. A phase declares the
 * object it writes, its parents (whose destination ids it needs), the steps that survey
 * before the budget plan (read, stage, prepare, match: no destination writes), its estimate,
 * the steps that load, and optionally the steps that undo it. The engine orders phases by
 * their parents, runs each step once per run (a step marked done is skipped on resume), and
 * keeps timings and calls per phase. The error ratio across every phase is checked between
 * steps (and by the executor's guard between units of work).
 *
 * Modes. The same declarations run three ways, one option each:
 *   - forward (`migrate`): survey, plan, load in parent order;
 *   - reverse (`rollback`): phases in the opposite order, each phase's `reverse` steps over the
 *     journal (records created are deleted, records updated get their before-image back);
 *   - forward with `skipUnchanged` (`migrate --delta`): the phases' prepare steps leave out
 *     records whose payload hash equals the journal's.
 * Steps read the mode from their context; a phase without `reverse` steps cannot be rolled
 * back and says so before anything runs.
 */
import { ConfigError } from '../core/errors.js';
import type { ObjectName } from '../core/model.js';
import type { StateStore } from '../state/store.js';

/** How the engine runs the declared phases. */
export interface RunMode {
  /** forward: write what the source holds; reverse: undo what the journal says was written. */
  direction: 'forward' | 'reverse';
  /** Leave out records whose payload hash equals the journal's (a cutover delta). */
  skipUnchanged: boolean;
}

export const FORWARD: RunMode = { direction: 'forward', skipUnchanged: false };

/** What every step is given. */
export interface StepContext {
  runId: string;
  mode: RunMode;
}

/** One named, checkpointed unit of a phase; `run` must be safe to run again after a crash. */
export interface Step {
  name: string;
  run(ctx: StepContext): Promise<void>;
}

/** A phase's share of the budget plan, shown before any write. */
export interface PhaseBudget {
  calls: number;
  /** Lines for the plan ("contacts: 1,820 to write → ~40 calls"); none to stay silent. */
  lines: string[];
}

/** A destination object, declared. */
export interface PhaseDeclaration {
  object: ObjectName;
  /** Objects whose destination ids this one needs (they load first; they are undone after it). */
  parents: readonly ObjectName[];
  /** Whether the map puts this object in scope. */
  enabled: boolean;
  /**
   * Cheap checks run on every attempt before the survey (not checkpointed): names the map
   * gives resolved in the destination, so a wrong one stops the run before any write.
   */
  check?(ctx: StepContext): Promise<void>;
  /** Before the budget plan: read, stage, prepare, match. No destination writes. */
  survey: readonly Step[];
  estimate(ctx: StepContext): Promise<PhaseBudget>;
  /** The writes, after the plan. */
  load: readonly Step[];
  /** Undo this phase from the journal (reverse mode); absent: the phase cannot be rolled back yet. */
  reverse?: readonly Step[];
}

/** Phases in an order where every parent comes before its children (declaration order otherwise). */
export function orderPhases(phases: readonly PhaseDeclaration[]): PhaseDeclaration[] {
  const byObject = new Map(phases.map((p) => [p.object, p]));
  if (byObject.size !== phases.length) throw new Error('two phases declare the same object');
  const out: PhaseDeclaration[] = [];
  const state = new Map<ObjectName, 'visiting' | 'done'>();
  const visit = (p: PhaseDeclaration, path: ObjectName[]) => {
    const s = state.get(p.object);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`phase parents form a cycle: ${[...path, p.object].join(' → ')}`);
    state.set(p.object, 'visiting');
    for (const parent of p.parents) {
      const pp = byObject.get(parent);
      if (!pp) throw new Error(`phase ${p.object} names parent ${parent}, which is not declared`);
      visit(pp, [...path, p.object]);
    }
    state.set(p.object, 'done');
    out.push(p);
  };
  for (const p of phases) visit(p, []);
  return out;
}

/** Owns "step done" flags, timings and calls per step and per phase. */
export class StepRunner {
  /** Milliseconds per `object:step` (and other measured work by its label). */
  readonly timingsMs: Record<string, number> = {};
  /** Destination calls per `object:step`. */
  readonly callsByStep: Record<string, number> = {};
  /** Destination calls per object. */
  readonly callsByPhase: Record<string, number> = {};

  constructor(
    private readonly store: Pick<StateStore, 'getCheckpoint' | 'setCheckpoint'>,
    private readonly runId: string,
    private readonly now: () => number,
    /** Destination calls made so far by this process (for calls per phase). */
    private readonly calls: () => number = () => 0,
  ) {}

  /** The checkpoint that marks a step done. */
  static flag(object: string, step: string, mode: RunMode = FORWARD): string {
    return `step:${mode.direction === 'reverse' ? 'reverse:' : ''}${object}:${step}`;
  }

  /**
   * Run a step unless an earlier attempt of this run finished it; time it and count its
   * calls under `object:step`.
   */
  async run(object: string, step: Step, ctx: StepContext, label = `${object}:${step.name}`): Promise<boolean> {
    const flag = StepRunner.flag(object, step.name, ctx.mode);
    if ((await this.store.getCheckpoint(this.runId, flag)) === 'done') return false;
    await this.measure(object, label, () => step.run(ctx));
    await this.store.setCheckpoint(this.runId, flag, 'done');
    return true;
  }

  /** Time `fn` under `label` and count its calls towards `object` (also for work that is not a step). */
  async measure<T>(object: string, label: string, fn: () => Promise<T>): Promise<T> {
    const t0 = this.now();
    const c0 = this.calls();
    try {
      return await fn();
    } finally {
      const calls = this.calls() - c0;
      this.timingsMs[label] = (this.timingsMs[label] ?? 0) + this.now() - t0;
      this.callsByStep[label] = (this.callsByStep[label] ?? 0) + calls;
      this.callsByPhase[object] = (this.callsByPhase[object] ?? 0) + calls;
    }
  }
}

/** Runs declared phases: survey → estimate → (the caller's plan) → load, or reverse. */
export class PhaseEngine {
  readonly phases: PhaseDeclaration[];

  constructor(
    declared: readonly PhaseDeclaration[],
    private readonly runner: StepRunner,
    private readonly ctx: StepContext,
    /** Called between steps: throws to stop before the next one (the error ratio, a lost lock). */
    private readonly between: () => Promise<void> = async () => undefined,
  ) {
    const enabled = declared.filter((p) => p.enabled);
    for (const p of enabled) {
      const off = p.parents.find((parent) => declared.some((q) => q.object === parent && !q.enabled));
      if (off) throw new ConfigError(`${p.object}s need ${off}s, which the map leaves out`);
    }
    this.phases = orderPhases(enabled);
  }

  /** The objects in scope, parents first. */
  get objects(): ObjectName[] {
    return this.phases.map((p) => p.object);
  }

  /** Every phase's checks, then every phase's survey steps, parents first. */
  async survey(): Promise<void> {
    for (const p of this.phases) if (p.check) await this.runner.measure(p.object, `${p.object}:check`, () => p.check!(this.ctx));
    for (const p of this.phases) for (const s of p.survey) await this.runner.run(p.object, s, this.ctx);
  }

  /** Every phase's estimate, parents first. */
  async estimate(): Promise<Array<PhaseBudget & { object: ObjectName }>> {
    const out = [];
    for (const p of this.phases) out.push({ object: p.object, ...(await p.estimate(this.ctx)) });
    return out;
  }

  /**
   * Forward: every phase's load steps, parents first. Reverse: every phase's reverse steps,
   * children first; a phase in scope without reverse steps stops this before anything runs.
   */
  async execute(): Promise<void> {
    if (this.ctx.mode.direction === 'reverse') {
      const missing = this.phases.filter((p) => !p.reverse).map((p) => p.object);
      if (missing.length > 0) throw new ConfigError(`cannot undo ${missing.join(', ')}: no reverse steps are declared for them; nothing was changed`);
      for (const p of [...this.phases].reverse()) await this.steps(p, p.reverse!);
      return;
    }
    for (const p of this.phases) await this.steps(p, p.load);
  }

  private async steps(p: PhaseDeclaration, steps: readonly Step[]): Promise<void> {
    for (const s of steps) {
      await this.between();
      await this.runner.run(p.object, s, this.ctx);
    }
  }
}
