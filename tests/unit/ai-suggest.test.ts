import fc from 'fast-check';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import type { AttributeDefinition, CanonicalContact } from '../../src/core/model.js';
import { aiPrompt, applyAiAnswer, askModel, maskSample, type AiCandidate } from '../../src/mapping/ai-suggest.js';
import { proposeContactMap, type ProposeInput } from '../../src/mapping/propose.js';
import { proposeContactMapWithAi } from '../../src/mapping/propose-ai.js';
import type { Suggestion } from '../../src/mapping/suggest.js';

/** A mock model answering with `text` (or throwing), recording every request it receives. */
function mockModel(answer: unknown | (() => never)) {
  return new MockLanguageModelV3({
    modelId: 'mock-model',
    doGenerate: async () => {
      if (typeof answer === 'function') (answer as () => never)();
      return {
        content: [{ type: 'text', text: typeof answer === 'string' ? answer : JSON.stringify(answer) }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 10, text: 10, reasoning: 0 } },
        warnings: [],
      };
    },
  });
}
const ask = (model: MockLanguageModelV3) => ({ model, modelName: 'mock-model', maxAttributes: 50 });
/** Everything the model was sent, as one string. */
const sent = (model: MockLanguageModelV3) => JSON.stringify(model.doGenerateCalls.map((c) => c.prompt));

const NAMES = ['Aoife Ní Bhriain', 'Siobhán Murphy', 'Ciarán Ó Súilleabháin', 'Emre Yılmaz', 'Ayşe Demir'];
const RAW = {
  emails: ['aoife.murphy@gmail.com', 'emre.yilmaz@outlook.com.tr', 'seán@eircom.net'],
  phones: ['+353871234567', '0871234567', '+90 532 123 45 67', '(01) 234-5678'],
  ids: ['9f1a7c2e4b1d3f5a6c8e0b2d4f6a8c0e2b4', '3fa85f64-5717-4562-b3fc-2c963f66afa6', 'dGhpcyBpcyBhIHB1c2ggdG9rZW4xMjM0NQ=='],
  text: ['Rang on 3 March about account 1042, wants to speak to the manager again next week', 'Aradı, tekrar arayacak'],
  names: NAMES,
  other: ['D02 X285', '1987-04-12', '2024-03-15T10:00:00Z', '12.50', 'Gold', 'https://example.com/u/1042', '{"city":"Galway","age":34}', '["Cork","Kerry"]'],
};
const ALL_RAW = Object.values(RAW).flat();

describe('maskSample', () => {
  it('masks emails to their first letter and top-level domain', () => {
    expect(maskSample('aoife.murphy@gmail.com')).toBe('a***@***.com');
    expect(maskSample('emre.yilmaz@outlook.com.tr')).toBe('e***@***.tr');
  });

  it('replaces every digit of a phone', () => {
    expect(maskSample('+353871234567')).toBe('+############');
    expect(maskSample('+90 532 123 45 67')).toBe('+## ### ### ## ##');
  });

  it('hashes and truncates long identifiers', () => {
    const m = maskSample('3fa85f64-5717-4562-b3fc-2c963f66afa6');
    expect(m).toMatch(/^\[id 36 chars #[0-9a-f]{8}\]$/);
    expect(maskSample('3fa85f64-5717-4562-b3fc-2c963f66afa6')).toBe(m);
  });

  it('keeps the shape of names, dates and numbers, and shortens free text', () => {
    expect(maskSample('Aoife Ní Bhriain')).toBe('A**** ** B******');
    expect(maskSample('1987-04-12')).toBe('####-##-##');
    expect(maskSample(12.5)).toBe('##.#');
    const long = maskSample(RAW.text[0]);
    expect(long).toMatch(/… \(81 chars\)$/);
    expect(long.length).toBeLessThan(60);
  });

  it('masks JSON leaf by leaf, keeping keys', () => {
    expect(maskSample('{"city":"Galway","age":34}')).toBe('{"city":"G*****","age":"##"}');
    expect(maskSample(['Cork', 'Kerry'])).toBe('["C***","K****"]');
  });

  it('passes yes/no words as they are and nothing else', () => {
    for (const v of ['true', 'false', 'evet', 'hayır', '0', '1', true]) expect(maskSample(v)).toBe(String(v));
  });

  it('lets no sample value through unmasked', () => {
    for (const v of ALL_RAW) {
      const m = maskSample(v);
      expect(m, v).not.toBe(v);
      expect(m.includes(v), v).toBe(false);
      // No word of three or more letters of the value survives whole.
      for (const w of v.match(/\p{L}{3,}/gu) ?? []) if (!['com', 'net', 'city', 'age'].includes(w.toLowerCase())) expect(m, `${v}: ${w}`).not.toContain(w);
    }
  });

  it('changes any value with two or more letters or digits (property)', () => {
    const flags = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'evet', 'hayır', 'hayir', 'tá', 'níl']);
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ minLength: 2, maxLength: 80 }), fc.emailAddress(), fc.stringMatching(/^\+?[0-9 ]{7,15}$/), fc.uuid(), fc.string({ unit: "binary", minLength: 2, maxLength: 60 })),
        (v) => {
          fc.pre((v.match(/[\p{L}\p{N}]/gu) ?? []).length >= 2 && !/[*#]/.test(v) && !flags.has(v.trim().toLowerCase()));
          const m = maskSample(v);
          return m !== v && !m.includes(v.trim());
        },
      ),
      { numRuns: 500 },
    );
  });
});

const candidate = (name: string, samples: unknown[]): AiCandidate => ({ from: `attributes.${name}`, name, observed: 'text', distinct: samples.length, nullRate: 0, samples, current: 'custom text (low)' });

describe('askModel', () => {
  it('sends names, types and masked samples: no raw value reaches the model', async () => {
    const model = mockModel({ attributes: [] });
    const candidates = Object.entries(RAW).map(([k, v]) => candidate(k, v));
    await askModel(candidates, ask(model));
    expect(model.doGenerateCalls).toHaveLength(1);
    const body = sent(model);
    for (const name of Object.keys(RAW)) expect(body).toContain(name);
    for (const v of ALL_RAW) expect(body, v).not.toContain(JSON.stringify(v).slice(1, -1));
    expect(body).toContain('a***@***.com');
    expect(aiPrompt(candidates)).not.toContain('Murphy');
  });

  it('keeps valid answers, discards an unknown field, an invalid type and an attribute not asked about, with notes', async () => {
    const model = mockModel({
      attributes: [
        { attribute: 'tel_is', target: 'standard', field: 'work_number', type: null, reason: 'Turkish for work phone' },
        { attribute: 'renk', target: 'standard', field: 'favourite_colour', type: null, reason: 'a colour' },
        { attribute: 'puan', target: 'custom', type: 'integer_field', field: null, reason: 'points' },
        { attribute: 'cihaz', target: 'skip', field: null, type: null, reason: 'a device id' },
        { attribute: 'made_up', target: 'skip', field: null, type: null, reason: '?' },
      ],
    });
    const r = await askModel(['tel_is', 'renk', 'puan', 'cihaz'].map((n) => candidate(n, ['x1'])), ask(model));
    expect(r.failed).toBeUndefined();
    expect([...r.answers.keys()]).toEqual(['attributes.tel_is', 'attributes.cihaz']);
    expect(r.answers.get('attributes.tel_is')).toEqual({ target: { kind: 'standard', field: 'work_number' }, reason: 'Turkish for work phone' });
    const notes = r.notes.join('\n');
    expect(notes).toContain('3 answer(s) discarded');
    expect(notes).toContain('unknown standard field "favourite_colour"');
    expect(notes).toContain('invalid custom field type "integer_field"');
    expect(notes).toContain('"made_up" was not asked about');
  });

  it('returns no answers, and says so, when the answer is not valid JSON', async () => {
    const r = await askModel([candidate('renk', ['x1'])], ask(mockModel('Sure! Here is the mapping: renk → colour')));
    expect(r.answers.size).toBe(0);
    expect(r.failed).toBeDefined();
    expect(r.notes.at(-1)).toMatch(/^AI: no usable answer from mock-model \(.+\): proposed without it$/);
  });

  it('returns no answers when the JSON does not fit the schema', async () => {
    const r = await askModel([candidate('renk', ['x1'])], ask(mockModel({ attributes: [{ attribute: 'renk', target: 'maybe' }] })));
    expect(r.answers.size).toBe(0);
    expect(r.failed).toBeDefined();
  });

  it('never throws when the model call fails (network, timeout, refusal)', async () => {
    const model = mockModel(() => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:11434');
    });
    const r = await askModel([candidate('renk', ['x1'])], { ...ask(model), timeoutMs: 1000 });
    expect(r.answers.size).toBe(0);
    expect(r.failed).toContain('ECONNREFUSED');
  });

  it('redacts what the endpoint repeats of a credential, in an error and in a reason, before cutting it to one line', async () => {
    const key = 'sk-unit-secret-5e1d';
    const redact = (t: string) => t.split(key).join('[redacted]');
    const failing = mockModel(() => {
      throw new Error(`${'x'.repeat(150)} Incorrect API key provided: ${key}`);
    });
    const failed = await askModel([candidate('renk', ['x1'])], { ...ask(failing), redact });
    expect(failed.notes.join('\n')).not.toMatch(/sk-unit/);
    const answering = mockModel({ attributes: [{ attribute: 'renk', target: 'skip', field: null, type: null, reason: `the key was ${key}` }] });
    const r = await askModel([candidate('renk', ['x1'])], { ...ask(answering), redact });
    expect(r.answers.get('attributes.renk')?.reason).toBe('the key was [redacted]');
  });

  it('asks at most maxAttributes, and says how many were left out', async () => {
    const model = mockModel({ attributes: [] });
    const r = await askModel(['a1', 'a2', 'a3'].map((n) => candidate(n, [])), { ...ask(model), maxAttributes: 2 });
    expect(sent(model)).toContain('a2');
    expect(sent(model)).not.toContain('a3');
    expect(r.notes[0]).toContain('first 2 of 3');
  });

  it('makes no request when there is nothing to ask about', async () => {
    const model = mockModel({ attributes: [] });
    await askModel([], ask(model));
    expect(model.doGenerateCalls).toHaveLength(0);
  });
});

describe('applyAiAnswer', () => {
  const phones: Array<[unknown, number]> = RAW.phones.slice(0, 3).map((v) => [v, 1]);
  const lowCustom: Suggestion = { target: { kind: 'custom', type: 'string' }, band: 'low', signals: ['name: no standard field', 'values: phones'] };

  it('records the answer as evidence and raises a low suggestion to medium, never high, on its own', () => {
    const s = applyAiAnswer(lowCustom, { target: { kind: 'standard', field: 'work_number' }, reason: 'a work phone' }, 'm', phones);
    expect(s.target).toEqual({ kind: 'standard', field: 'work_number', transform: 'phone' });
    expect(s.band).toBe('medium');
    expect(s.signals.at(-1)).toBe('AI (m): a work phone');
  });

  it('may say high when it agrees with the name or the values', () => {
    const named: Suggestion = { target: { kind: 'standard', field: 'mobile_number', transform: 'phone' }, band: 'low', signals: ['name: close to "mobil"'], standard: 'mobile_number' };
    const s = applyAiAnswer(named, { target: { kind: 'standard', field: 'mobile_number' }, reason: 'mobile' }, 'm', phones);
    expect(s.band).toBe('high');
    expect(s.signals.at(-1)).toContain('(agrees)');
    const typed = applyAiAnswer({ ...lowCustom, band: 'medium', target: { kind: 'custom', type: 'integer' } }, { target: { kind: 'custom', type: 'number' }, reason: 'points' }, 'm', [['12', 1], ['40', 1]]);
    expect(typed.band).toBe('high');
  });

  it('does not call agreement with plain text a second signal: text is what unrecognised values are', () => {
    const plain = applyAiAnswer({ ...lowCustom, band: 'medium', target: { kind: 'custom', type: 'string' } }, { target: { kind: 'custom', type: 'text' }, reason: 'free text' }, 'm', [['Gold', 1], ['Silver', 1]]);
    expect(plain.band).toBe('medium');
    expect(plain.signals.at(-1)).toContain('(agrees with the values)');
  });

  it('does not take a standard field the values contradict, nor a type they contradict', () => {
    const emailsForPhones = applyAiAnswer(lowCustom, { target: { kind: 'standard', field: 'emails' }, reason: 'emails' }, 'm', phones);
    expect(emailsForPhones.target).toEqual(lowCustom.target);
    expect(emailsForPhones.signals.at(-1)).toContain('not taken: the values do not fit emails');
    const dateForText = applyAiAnswer({ ...lowCustom, band: 'medium' }, { target: { kind: 'custom', type: 'date' }, reason: 'a date' }, 'm', [['Gold', 1]]);
    expect(dateForText.target).toEqual(lowCustom.target);
    expect(dateForText.band).toBe('medium');
  });

  it('skips a low suggestion at medium, and leaves high and history suggestions alone', () => {
    const skipped = applyAiAnswer(lowCustom, { target: { kind: 'skip' }, reason: 'an internal code' }, 'm', phones);
    expect(skipped.target).toEqual({ kind: 'skip', reason: 'AI (m): an internal code', route: 'none' });
    expect(skipped.band).toBe('medium');
    const high: Suggestion = { ...lowCustom, band: 'high' };
    expect(applyAiAnswer(high, { target: { kind: 'skip' }, reason: 'x' }, 'm', phones)).toBe(high);
  });
});

describe('proposeContactMapWithAi', () => {
  const attributes: AttributeDefinition[] = [
    { name: 'contato_secundario', type: 'string' },
    { name: 'telefone_trabalho', type: 'string' },
    { name: 'apelido', type: 'string' },
    { name: 'vazio', type: 'number' },
    { name: 'yer_kodu', type: 'string' },
  ];
  const samples: CanonicalContact[] = Array.from({ length: 40 }, (_, i) => ({
    sourceKey: `xtremepush:profile:${i}`,
    sourceId: String(i),
    externalId: `u-${i}`,
    email: `user${i}@example.com`,
    phone: `+35387${1000000 + i}`,
    firstName: 'A',
    lastName: 'B',
    country: 'IE',
    language: 'en',
    timezone: 'Europe/Dublin',
    emailSubscribed: true,
    smsSubscribed: false,
    createdAt: '2024-01-01T00:00:00Z',
    tags: [],
    attributes: { contato_secundario: `aoife.murphy${i}@gmail.com`, telefone_trabalho: `+90532${1000000 + i}`, apelido: NAMES[i % NAMES.length], vazio: null, yer_kodu: ['Galway', 'Cork', 'Ennis', 'Sligo', 'Tralee'][i % 5] },
  })) as unknown as CanonicalContact[];
  const input: ProposeInput = { source: 'xtremepush', attributes, samples };
  const reply = {
    attributes: [
      { attribute: 'yer_kodu', target: 'standard', field: 'city', type: null, reason: 'Irish towns' },
      { attribute: 'telefone_trabalho', target: 'standard', field: 'work_number', type: null, reason: 'Portuguese for work phone' },
      { attribute: 'contato_secundario', target: 'standard', field: 'emails', type: null, reason: 'a second email' },
      { attribute: 'vazio', target: 'skip', field: null, type: null, reason: 'always empty' },
    ],
  };

  it('folds the answers into the map as evidence, and sends no raw sample', async () => {
    const model = mockModel(reply);
    const p = await proposeContactMapWithAi(input, ask(model));
    expect(model.doGenerateCalls).toHaveLength(1);
    const city = p.evidence.find((e) => e.from === 'attributes.yer_kodu')!;
    expect(city.to, JSON.stringify(city.signals)).toBe('city');
    expect(city.band).toBe('medium');
    expect(city.signals).toContain('AI (mock-model): Irish towns');
    // The values say mobile (Turkish mobile numbers): the model's "work" is recorded, not taken.
    const work = p.evidence.find((e) => e.from === 'attributes.telefone_trabalho')!;
    expect(work.to).toMatch(/^custom /);
    expect(work.signals?.at(-1)).toBe('AI (mock-model): Portuguese for work phone — not taken: it says work_number');
    // Emails is taken by the contact's email: the second address stays a custom field, the AI's view noted.
    const second = p.evidence.find((e) => e.from === 'attributes.contato_secundario')!;
    expect(second.to).toMatch(/^custom /);
    expect(second.suggested?.field).toBe('emails');
    expect(p.notMapped.find((n) => n.from === 'attributes.vazio')?.reason).toBe('AI (mock-model): always empty');
    const body = sent(model);
    for (const c of samples) for (const v of Object.values(c.attributes)) if (typeof v === 'string') expect(body, v).not.toContain(v);
    // High-confidence attributes are not asked about.
    expect(body).not.toContain('apelido');
  });

  it('proposes exactly as without AI when the model fails', async () => {
    const model = mockModel(() => {
      throw new Error('timeout');
    });
    const p = await proposeContactMapWithAi(input, ask(model));
    const plain = proposeContactMap(input);
    expect(p.spec).toEqual(plain.spec);
    expect(p.evidence).toEqual(plain.evidence);
    expect(p.ai.notes.at(-1)).toContain('proposed without it');
  });

  it('with AI off, the proposer makes no request', () => {
    const model = mockModel(reply);
    proposeContactMap(input);
    expect(model.doGenerateCalls).toHaveLength(0);
  });
});
