import { describe, expect, it } from 'vitest';
import { MapEdit } from '../../src/review/map-edit.js';
import { mapEditInput, valueInputs, valueRowsView } from '../../src/review/map-form.js';

const HASH = 'a'.repeat(64);
const base = { index: '3', from: 'attributes.lifecycle_stage', hash: HASH, action: 'save', target: 'contact_status_id', label: '', type: 'text', choices: '' };
const row = (n: number, fields: Partial<Record<keyof ReturnType<typeof valueInputs>, string>>) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [valueInputs(n)[k as keyof ReturnType<typeof valueInputs>], v]));

describe('mapEditInput (the Map form as posted)', () => {
  it('leaves blank fields out and keeps no values when the form had no value table', () => {
    expect(mapEditInput(base)).toEqual({ index: '3', from: 'attributes.lifecycle_stage', hash: HASH, action: 'save', target: 'contact_status_id', type: 'text' });
  });

  it('turns the table into rows in table order: blank Freshsales value is null, removed rows and blank new rows go', () => {
    const form = {
      ...base,
      ...row(0, { from: 'subscriber', to: 'Lead / New' }),
      ...row(1, { from: 'churned', to: '  ' }),
      ...row(2, { from: 'lead', to: 'Lead / Contacted', remove: '1' }),
      ...row(10, { from: ' vip ', to: 'Customer / Won' }),
      ...row(11, { from: '', to: '' }),
    };
    expect(mapEditInput(form).values).toEqual([
      { from: 'subscriber', to: 'Lead / New' },
      { from: 'churned', to: null },
      { from: ' vip ', to: 'Customer / Won' },
    ]);
  });

  it('adds an observed value only when it is given a Freshsales value or Add is ticked', () => {
    const form = {
      ...base,
      ...row(0, { from: 'engaged', to: '', observed: '1' }),
      ...row(1, { from: 'loyal', to: 'Customer / Won', observed: '1' }),
      ...row(2, { from: 'dormant', to: '', observed: '1', add: '1' }),
    };
    expect(mapEditInput(form).values).toEqual([
      { from: 'loyal', to: 'Customer / Won' },
      { from: 'dormant', to: null },
    ]);
    // A table whose every row was removed empties the map (values: []), unlike a form without one.
    expect(mapEditInput({ ...base, ...row(0, { from: 'lead', to: 'x', remove: '1' }) }).values).toEqual([]);
  });

  it('ignores the table when the field is skipped, so a half-typed row cannot block Skip', () => {
    expect(mapEditInput({ ...base, action: 'skip', ...row(0, { from: '', to: 'Lead / New' }) }).values).toBeUndefined();
  });

  it('keeps a new row with a Freshsales value but no source value, for the edit schema to refuse in words', () => {
    const input = mapEditInput({ ...base, ...row(0, { from: 'lead', to: '1' }), ...row(1, { from: ' ', to: 'Lead / New' }) });
    const r = MapEdit.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['values', 1, 'from'], message: expect.stringMatching(/no source value/) });
  });

  it('refuses a source value listed twice (compared trimmed), naming it', () => {
    const r = MapEdit.safeParse(mapEditInput({ ...base, ...row(0, { from: 'lead', to: '1' }), ...row(1, { from: 'lead ', to: '2' }) }));
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ['values', 1, 'from'], message: 'source value "lead" is listed twice: each source value has one row' });
  });

  it('passes unknown keys on, so the strict edit schema refuses a form that is not the page\'s', () => {
    expect(MapEdit.safeParse(mapEditInput({ ...base, value_colour: 'red' })).success).toBe(false);
    expect(MapEdit.safeParse(mapEditInput({ ...base, transform: 'integer', on_invalid: 'quarantine' })).success).toBe(true);
  });
});

describe('valueRowsView (the value table the page shows)', () => {
  const observed = [
    { value: 'engaged', count: 19 },
    { value: 'Lead', count: 9 },
    { value: 'lead', count: 1 },
    { value: 'churned', count: 6 },
    { value: `#${'A'.repeat(27)}=`, count: 1 },
  ];

  it('lists the map\'s rows with their contacts (matched trimmed, any case), then observed values without a row', () => {
    expect(valueRowsView({ lead: 16000000001, churned: null }, observed)).toEqual([
      { kind: 'map', from: 'lead', to: '16000000001', contacts: 10 },
      { kind: 'map', from: 'churned', to: '', contacts: 6 },
      { kind: 'observed', from: 'engaged', to: '', contacts: 19 },
    ]);
  });

  it('shows the rows typed into a refused edit instead of the map\'s, and every observed value when there is no map', () => {
    expect(valueRowsView({ lead: 1 }, observed, [{ from: 'engaged', to: 'x' }]).map((r) => [r.kind, r.from, r.to])).toEqual([
      ['map', 'engaged', 'x'],
      ['observed', 'Lead', ''],
      ['observed', 'churned', ''],
    ]);
    expect(valueRowsView(undefined, undefined)).toEqual([]);
  });
});
