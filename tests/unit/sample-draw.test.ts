import { describe, expect, it } from 'vitest';
import { drawSample, pickReview, type SampleUnit } from '../../src/pipeline/sample-draw.js';

/** A population of `n` singletons: countries and lifecycle values by share, a few rare strata. */
function population(n: number): SampleUnit[] {
  const units: SampleUnit[] = [];
  for (let i = 0; i < n; i++) {
    const key = `src:profile:${String(i).padStart(5, '0')}`;
    const country = i % 10 < 6 ? 'IE' : i % 10 < 9 ? 'GB' : 'TR';
    const lifecycle = ['subscriber', 'lead', 'engaged', 'loyal'][i % 4]!;
    const strata = [`country:${country}`, `lifecycle:${lifecycle}`, `segment:${i % 3 === 0 ? 'VIP' : '(none)'}`, 'quality:none'];
    // Rare strata: one record each, which a plain random draw of a few hundred would mostly miss.
    if (i === 4321) strata.splice(0, 1, 'country:MT');
    if (i === 777) strata.push('quality:invalid_email');
    if (i === 1234) strata.push('segment:Churn risk');
    if (i === 2001) strata.splice(1, 1, 'lifecycle:(none)');
    units.push({ key, members: [key], strata });
  }
  return units;
}

const shuffle = <T>(xs: T[], seed: number): T[] => {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

describe('the stratified sample draw', () => {
  it('draws exactly N records and represents every stratum the population has, rare ones included', () => {
    const units = population(5000);
    const d = drawSample(units, { size: 300, seed: '1' });
    expect(d.keys).toHaveLength(300);
    expect(new Set(d.keys).size).toBe(300);
    expect(d.population).toBe(5000);
    for (const s of d.strata) expect(s.sample, `${s.dimension}:${s.value}`).toBeGreaterThan(0);
    const names = d.strata.map((s) => `${s.dimension}:${s.value}`);
    for (const rare of ['country:MT', 'quality:invalid_email', 'segment:Churn risk', 'lifecycle:(none)']) expect(names).toContain(rare);
    expect(d.keys).toContain('src:profile:04321');
    expect(d.keys).toContain('src:profile:00777');
  });

  it('allocates in proportion to the population', () => {
    const d = drawSample(population(5000), { size: 300, seed: '7' });
    const share = (dim: string, value: string) => {
      const s = d.strata.find((x) => x.dimension === dim && x.value === value)!;
      return s.sample / 300;
    };
    expect(share('country', 'IE')).toBeGreaterThan(0.55);
    expect(share('country', 'IE')).toBeLessThan(0.65);
    expect(share('country', 'GB')).toBeGreaterThan(0.25);
    expect(share('country', 'GB')).toBeLessThan(0.35);
    expect(share('segment', 'VIP')).toBeGreaterThan(0.28);
    expect(share('segment', 'VIP')).toBeLessThan(0.39);
    for (const l of ['subscriber', 'lead', 'engaged', 'loyal']) {
      expect(share('lifecycle', l)).toBeGreaterThan(0.2);
      expect(share('lifecycle', l)).toBeLessThan(0.3);
    }
  });

  it('keeps to the proportions when covering rare strata pulls the sample toward one stratum', () => {
    // 40 one-record strata, every one of them in GB (30% of the population): covering them takes
    // 40 GB records, and GB must then stop at its share (90 of 300) instead of growing with the draw.
    const units = population(5000).map((u, i) => (i % 10 >= 6 && i % 10 < 9 && i < 1200 && i % 30 === 6 ? { ...u, strata: [...u.strata, `quality:rare-${i}`] } : u));
    expect(units.filter((u) => u.strata.some((s) => s.startsWith('quality:rare-'))).length).toBe(40);
    const d = drawSample(units, { size: 300, seed: '11' });
    const gb = d.strata.find((x) => x.dimension === 'country' && x.value === 'GB')!;
    expect(gb.sample).toBeGreaterThanOrEqual(88);
    expect(gb.sample).toBeLessThanOrEqual(95);
    for (const s of d.strata) expect(s.sample).toBeGreaterThan(0);
  });

  it('is the same for the same seed and population, whatever order the population comes in; another seed draws another sample', () => {
    const units = population(2000);
    const a = drawSample(units, { size: 250, seed: 'cutover' });
    const b = drawSample(shuffle(units, 99), { size: 250, seed: 'cutover' });
    expect(b).toEqual(a);
    const c = drawSample(units, { size: 250, seed: 'other' });
    expect(c.keys).not.toEqual(a.keys);
    for (const s of c.strata) expect(s.sample).toBeGreaterThan(0);
  });

  it('takes a duplicate group whole (the full run merges it), counting every member toward N', () => {
    const units = population(400).slice(2);
    units.push({ key: 'dup:a', members: ['dup:a', 'dup:b', 'dup:c'], strata: ['country:IE', 'quality:duplicate_email'] });
    const d = drawSample(units, { size: 50, seed: '3' });
    expect(d.keys).toHaveLength(50);
    expect(d.keys).toEqual(expect.arrayContaining(['dup:a', 'dup:b', 'dup:c']));
    expect(d.strata.find((s) => s.value === 'duplicate_email')).toMatchObject({ population: 3, sample: 3 });
  });

  it('takes everyone when N is the population or more', () => {
    const units = population(40);
    const d = drawSample(units, { size: 300, seed: '1' });
    expect(d.keys).toEqual(units.map((u) => u.key).sort());
    for (const s of d.strata) expect(s.sample).toBe(s.population);
  });

  it('with fewer slots than strata, covers the rarest strata first and never exceeds N', () => {
    const units: SampleUnit[] = Array.from({ length: 100 }, (_, i) => ({ key: `k${String(i).padStart(3, '0')}`, members: [`k${String(i).padStart(3, '0')}`], strata: [`country:C${i % 20}`, i < 2 ? 'quality:rare' : 'quality:none'] }));
    const d = drawSample(units, { size: 5, seed: '1' });
    expect(d.keys).toHaveLength(5);
    expect(d.strata.find((s) => s.value === 'rare')!.sample).toBeGreaterThan(0);
    expect(d.strata.filter((s) => s.sample > 0).length).toBeGreaterThanOrEqual(5);
  });
});

describe('the sample review pick', () => {
  const candidates = population(300).map((u) => ({ key: u.key, strata: u.strata }));

  it('covers every stratum among the candidates, between min and max records, deterministically', () => {
    const picked = pickReview(candidates, { min: 25, max: 50, seed: '1' });
    expect(picked.length).toBeGreaterThanOrEqual(25);
    expect(picked.length).toBeLessThanOrEqual(50);
    expect(new Set(picked).size).toBe(picked.length);
    const shown = new Set(picked.flatMap((k) => candidates.find((c) => c.key === k)!.strata));
    for (const s of new Set(candidates.flatMap((c) => c.strata))) expect(shown.has(s), s).toBe(true);
    expect(pickReview(shuffle(candidates, 5), { min: 25, max: 50, seed: '1' })).toEqual(picked);
  });

  it('takes all candidates when there are fewer than the minimum, and never more than the maximum', () => {
    expect(pickReview(candidates.slice(0, 10), { min: 25, max: 50, seed: '1' })).toHaveLength(10);
    const many = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, strata: [`s:${i}`] }));
    expect(pickReview(many, { min: 25, max: 50, seed: '1' })).toHaveLength(50);
  });
});
