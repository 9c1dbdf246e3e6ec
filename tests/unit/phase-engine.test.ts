import { describe, expect, it } from 'vitest';
import type { ObjectName } from '../../src/core/model.js';
import { FORWARD, PhaseEngine, StepRunner, orderPhases, type PhaseDeclaration, type RunMode, type StepContext } from '../../src/pipeline/engine.js';

/** A checkpoint store in memory (the runner needs only these two calls). */
function memoryCheckpoints() {
  const m = new Map<string, string>();
  return {
    getCheckpoint: async (runId: string, k: string) => m.get(`${runId}/${k}`) ?? null,
    setCheckpoint: async (runId: string, k: string, v: string) => void m.set(`${runId}/${k}`, v),
    keys: () => [...m.keys()],
  };
}

/**
 * A test double of a destination object: it records every step it runs (with the mode it
 * was given), can fail once in a named step, and "writes" into a shared account.
 */
function phase(object: ObjectName, parents: ObjectName[], log: string[], opts: { failOnce?: string; reverse?: boolean; enabled?: boolean } = {}): PhaseDeclaration {
  let failed = false;
  const step = (name: string) => ({
    name,
    run: async (ctx: StepContext) => {
      if (opts.failOnce === name && !failed) {
        failed = true;
        throw new Error(`${object} ${name} crashed`);
      }
      log.push(`${object}:${name}${ctx.mode.direction === 'reverse' ? ':reverse' : ''}${ctx.mode.skipUnchanged ? ':delta' : ''}`);
    },
  });
  return {
    object,
    parents,
    enabled: opts.enabled ?? true,
    survey: [step('extract'), step('prepare')],
    estimate: async () => ({ calls: parents.length + 1, lines: [`${object}: ${parents.length + 1} calls`] }),
    load: [step('load')],
    ...(opts.reverse === false ? {} : { reverse: [step('undo')] }),
  };
}

function engine(phases: PhaseDeclaration[], mode: RunMode = FORWARD, between?: () => Promise<void>) {
  const store = memoryCheckpoints();
  let calls = 0;
  const runner = new StepRunner(store, 'r1', () => 0, () => calls++);
  return { engine: new PhaseEngine(phases, runner, { runId: 'r1', mode }, between), runner, store };
}

describe('the phase engine', () => {
  it('orders phases by their parents, whatever order they are declared in', () => {
    const log: string[] = [];
    const order = orderPhases([phase('task', ['contact'], log), phase('deal', ['contact', 'account'], log), phase('account', ['contact'], log), phase('contact', [], log)]);
    // Depth first from the declaration order: every parent before its children.
    expect(order.map((p) => p.object)).toEqual(['contact', 'task', 'account', 'deal']);
  });

  it('refuses a cycle and a parent nobody declares', () => {
    const log: string[] = [];
    expect(() => orderPhases([phase('contact', ['task'], log), phase('task', ['contact'], log)])).toThrow(/cycle: contact → task → contact/);
    expect(() => orderPhases([phase('deal', ['account'], log)])).toThrow(/names parent account, which is not declared/);
  });

  it('a phase whose parent the map leaves out is a config error naming both', () => {
    const log: string[] = [];
    expect(() => engine([phase('contact', [], log), phase('account', ['contact'], log, { enabled: false }), phase('deal', ['account'], log)])).toThrow(/deals need accounts/);
  });

  it('surveys every phase before any load, then loads parents first; the plan sums the phases', async () => {
    const log: string[] = [];
    const { engine: e } = engine([phase('task', ['contact'], log), phase('contact', [], log)]);
    await e.survey();
    const plan = await e.estimate();
    await e.execute();
    expect(log).toEqual(['contact:extract', 'contact:prepare', 'task:extract', 'task:prepare', 'contact:load', 'task:load']);
    expect(plan.map((p) => [p.object, p.calls])).toEqual([['contact', 1], ['task', 2]]);
  });

  it('a step finished before a crash is not run again; the crashed one is', async () => {
    const log: string[] = [];
    const phases = [phase('contact', [], log), phase('task', ['contact'], log, { failOnce: 'load' })];
    const { engine: first, store } = engine(phases);
    await first.survey();
    await expect(first.execute()).rejects.toThrow(/task load crashed/);
    // The same run again, with the same checkpoints: only the task load is left.
    const runner = new StepRunner(store, 'r1', () => 0);
    const again = new PhaseEngine(phases, runner, { runId: 'r1', mode: FORWARD });
    await again.survey();
    await again.execute();
    expect(log).toEqual(['contact:extract', 'contact:prepare', 'task:extract', 'task:prepare', 'contact:load', 'task:load']);
    expect(store.keys()).toContain('r1/step:task:load');
  });

  it('checks between steps and stops before the next one when told to', async () => {
    const log: string[] = [];
    let steps = 0;
    const { engine: e } = engine([phase('contact', [], log), phase('task', ['contact'], log)], FORWARD, async () => {
      if (++steps > 1) throw new Error('over the error ratio');
    });
    await expect(e.execute()).rejects.toThrow(/over the error ratio/);
    expect(log).toEqual(['contact:load']);
  });

  it('in reverse runs the undo steps children first, with their own step flags', async () => {
    const log: string[] = [];
    const { engine: e, store } = engine([phase('contact', [], log), phase('deal', ['contact'], log), phase('task', ['contact'], log)], { direction: 'reverse', skipUnchanged: false });
    await e.execute();
    expect(log).toEqual(['task:undo:reverse', 'deal:undo:reverse', 'contact:undo:reverse']);
    expect(store.keys()).toEqual(['r1/step:reverse:task:undo', 'r1/step:reverse:deal:undo', 'r1/step:reverse:contact:undo']);
  });

  it('refuses to reverse when a phase in scope cannot be undone, before undoing anything', async () => {
    const log: string[] = [];
    const { engine: e } = engine([phase('contact', [], log), phase('task', ['contact'], log, { reverse: false })], { direction: 'reverse', skipUnchanged: false });
    await expect(e.execute()).rejects.toThrow(/cannot undo task/);
    expect(log).toEqual([]);
  });

  it('hands the delta option to every step (skip unchanged payloads is one flag)', async () => {
    const log: string[] = [];
    const { engine: e } = engine([phase('contact', [], log)], { direction: 'forward', skipUnchanged: true });
    await e.survey();
    await e.execute();
    expect(log).toEqual(['contact:extract:delta', 'contact:prepare:delta', 'contact:load:delta']);
  });

  it('counts time and calls per step and per phase', async () => {
    const log: string[] = [];
    const { engine: e, runner } = engine([phase('contact', [], log)]);
    await e.survey();
    await e.execute();
    expect(Object.keys(runner.timingsMs)).toEqual(['contact:extract', 'contact:prepare', 'contact:load']);
    expect(runner.callsByPhase.contact).toBe(3);
  });
});
