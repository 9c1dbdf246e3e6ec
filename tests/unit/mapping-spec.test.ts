import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { YamlConfigError } from '../../src/core/yaml.js';
import { loadMappingSpec, mappingHash, parseMappingSpec, type MappingSpec } from '../../src/mapping/spec.js';

const dir = join(import.meta.dirname, '../fixtures/mapping');
const fixture = (name: string) => readFileSync(join(dir, name), 'utf8');

function errorOf(fn: () => unknown): YamlConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(YamlConfigError);
    return e as YamlConfigError;
  }
  throw new Error('expected the mapping to be rejected');
}

describe('parseMappingSpec: a valid map', () => {
  it('reads fields, fills default transforms and on_invalid, and keeps custom targets by label', () => {
    const spec = loadMappingSpec(join(dir, 'valid.yaml'));
    const fields = spec.objects.contact.fields;
    expect(spec.objects.contact.dedupe).toBe('email');
    expect(fields).toHaveLength(12);
    // Optional fields drop an invalid value by default; identity (emails, the user id) and consent quarantine.
    expect(fields.find((f) => f.from === 'lastName')).toEqual({ from: 'lastName', to: 'last_name', transform: 'name', on_invalid: 'drop_field' });
    expect(fields.find((f) => f.from === 'phone')?.on_invalid).toBe('drop_field');
    expect(fields.find((f) => f.from === 'attributes.lifetime_value')).toEqual({
      from: 'attributes.lifetime_value',
      to: { custom: 'Lifetime value', type: 'number' },
      transform: 'number',
      on_invalid: 'drop_field',
    });
    expect(fields.find((f) => f.from === 'email')?.on_invalid).toBe('quarantine');
    expect(fields.find((f) => f.from === 'externalId')).toEqual({ from: 'externalId', to: { custom: 'Xtremepush ID', type: 'text' }, transform: 'text', on_invalid: 'quarantine' });
    expect(fields.find((f) => f.from === 'emailSubscribed')?.on_invalid).toBe('quarantine');
    expect(fields.find((f) => f.from === 'attributes.vip')?.transform).toBe('boolean');
    expect(fields.find((f) => f.from === 'attributes.lifecycle_stage')?.values).toEqual({ subscriber: 16000000001, lead: 16000000002, churned: null });
  });

  it('reads numeric and boolean choices as text', () => {
    const spec = parseMappingSpec(
      'version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails }\n      - { from: attributes.size, to: { custom: Size, type: dropdown, choices: [1, 2.5, true] } }\n',
      'm.yaml',
    );
    const to = spec.objects.contact.fields[1]?.to;
    expect(to).toEqual({ custom: 'Size', type: 'dropdown', choices: ['1', '2.5', 'true'] });
  });

  it('accepts attribute names with dots (Xtremepush loyalty attributes like level.current)', () => {
    const spec = parseMappingSpec('version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails }\n      - { from: attributes.level.current, to: { custom: Level, type: number } }\n', 'm.yaml');
    expect(spec.objects.contact.fields[1]?.from).toBe('attributes.level.current');
  });
});

describe('parseMappingSpec: each kind of mistake names the file, line and path', () => {
  const cases: Array<[file: string, line: number, path: string, message: RegExp]> = [
    ['err-unknown-transform.yaml', 11, 'objects.contact.fields[1].transform', /unknown transform "phon" \(expected one of: none, email, phone, .*\); did you mean "phone"\?/],
    ['err-unknown-target.yaml', 9, 'objects.contact.fields[1].to', /unknown Freshsales contact field "firstname".*did you mean "first_name"/],
    ['err-unknown-custom-type.yaml', 9, 'objects.contact.fields[1].to.type', /unknown custom field type "numbr".*did you mean "number"/],
    ['err-bad-from.yaml', 8, 'objects.contact.fields[1].from', /unknown source field "emial".*attributes\.<name>.*did you mean "email"/],
    ['err-duplicate-target.yaml', 11, 'objects.contact.fields[2].to', /"favourite team" is already written by fields\[1\]/],
    ['err-no-emails.yaml', 6, 'objects.contact.fields', /no field writes emails: Freshsales requires an email/],
    ['err-emails-twice.yaml', 9, 'objects.contact.fields[1].to', /emails is already written by fields\[0\]/],
    ['err-transform-mismatch.yaml', 10, 'objects.contact.fields[1].transform', /transform "number" cannot write a date field \(use one of: date, date_day_first, none\)/],
    ['err-unknown-key.yaml', 8, 'objects.contact.fields[0].tranform', /unknown key "tranform"/],
    ['err-emails-drop.yaml', 8, 'objects.contact.fields[0].on_invalid', /emails cannot be dropped/],
    ['err-choices-on-text.yaml', 9, 'objects.contact.fields[1].to.choices', /only dropdown, radio and multi_select_dropdown fields have choices/],
    ['err-duplicate-choice.yaml', 15, 'objects.contact.fields[1].to.choices[2]', /choice "gold" is listed twice/],
    ['err-version.yaml', 1, 'version', /version must be 1, not 2/],
    ['err-missing-to.yaml', 8, 'objects.contact.fields[1].to', /every field needs a "to"/],
  ];

  it.each(cases)('%s → line %i, %s', (file, line, path, message) => {
    const e = errorOf(() => parseMappingSpec(fixture(file), file));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.code).toBe('config');
    expect(e.file).toBe(file);
    expect(e.line).toBe(line);
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.path).toBe(path);
    expect(e.message).toMatch(new RegExp(`^${file.replace('.', '\\.')} line ${line}, column \\d+: ${path.replace(/[[\].]/g, '\\$&')}: `));
    expect(e.message).toMatch(message);
  });

  it('a YAML syntax error is reported with its line', () => {
    const e = errorOf(() => parseMappingSpec(fixture('err-syntax.yaml'), 'err-syntax.yaml'));
    expect(e.line).toBe(9);
    expect(e.message).toMatch(/^err-syntax\.yaml line 9, column \d+: YAML syntax: /);
  });

  it('lists every problem in the file, sorted by line, not just the first', () => {
    const e = errorOf(() => parseMappingSpec(fixture('err-many.yaml'), 'mapping.yaml'));
    expect(e.issues.map((i) => [i.line, i.path])).toEqual([
      [2, 'source'],
      [5, 'objects.contact.fields'],
      [8, 'objects.contact.fields[0].transform'],
      [11, 'objects.contact.fields[1].transform'],
    ]);
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/^mapping\.yaml: 4 problems in the mapping:\n/);
    expect(e.message).toContain('mapping.yaml line 8, column 20: objects.contact.fields[0].transform: unknown transform "nmae"');
    expect(e.message).toContain('transform "date" cannot write a number field');
  });

  it('an empty file is a clear error', () => {
    const e = errorOf(() => parseMappingSpec('# nothing yet\n', 'mapping.yaml'));
    expect(e.message).toBe('mapping.yaml line 1, column 1: the mapping file is empty');
  });

  it('a missing file is a ConfigError naming it', () => {
    const file = join(dir, 'does-not-exist.yaml');
    const e = errorOf(() => loadMappingSpec(file));
    expect(e.file).toBe(file);
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/not found/);
  });
});

describe('mappingHash', () => {
  const base = fixture('valid.yaml');
  const hash = mappingHash(base);

  it('is a sha256 hex digest and the same for text and parsed spec', () => {
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(mappingHash(parseMappingSpec(base, 'valid.yaml'))).toBe(hash);
  });

  it('does not change with comments, quoting, key order, flow style, field order or defaults written out', () => {
    expect(mappingHash(base.replace('# the dedupe key', '# the dedupe key (changed comment)\n      # another comment'))).toBe(hash);
    expect(mappingHash(fixture('valid-cosmetic.yaml'))).toBe(hash);
  });

  const semanticEdits: Array<[string, (s: string) => string]> = [
    ['a transform', (s) => s.replace('        transform: phone', '        transform: text')],
    ['a custom label', (s) => s.replace('"Lifetime value"', '"Lifetime value (EUR)"')],
    ['a custom type', (s) => s.replace('custom: "Xtremepush ID", type: text', 'custom: "Xtremepush ID", type: textarea')],
    ['a choice added', (s) => s.replace('[Galway, Cork, Dublin]', '[Galway, Cork, Dublin, Kerry]')],
    ['choice order', (s) => s.replace('[Galway, Cork, Dublin]', '[Cork, Galway, Dublin]')],
    ['a source path', (s) => s.replace('attributes.vip', 'attributes.is_vip')],
    ['a value map entry', (s) => s.replace('lead: 16000000002', 'lead: 16000000003')],
    ['on_invalid', (s) => s.replace('        transform: phone', '        transform: phone\n        on_invalid: quarantine')],
    ['a field removed', (s) => s.replace('      - from: attributes.vip\n        to: { custom: "VIP", type: checkbox }\n', '')],
  ];
  it.each(semanticEdits)('changes when %s changes', (_what, edit) => {
    const edited = edit(base);
    expect(edited).not.toBe(base);
    expect(mappingHash(edited)).not.toBe(hash);
  });

  it('is computed from the parsed spec, so an in-memory spec hashes like its file', () => {
    const spec: MappingSpec = parseMappingSpec(base, 'valid.yaml');
    const copy = structuredClone(spec);
    copy.objects.contact.fields.reverse();
    expect(mappingHash(copy)).toBe(hash);
  });
});

describe('on_invalid: per field, quarantine or drop_field', () => {
  const withField = (field: string) =>
    `version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails }\n      - ${field}\n`;

  it('defaults to drop_field for optional fields and quarantine for the identity and consent fields', () => {
    const f = (field: string) => parseMappingSpec(withField(field), 'm.yaml').objects.contact.fields[1]!.on_invalid;
    expect(f('{ from: attributes.dob, to: { custom: DOB, type: date } }')).toBe('drop_field');
    expect(f('{ from: firstName, to: first_name }')).toBe('drop_field');
    expect(f('{ from: phone, to: work_number }')).toBe('drop_field');
    expect(f('{ from: externalId, to: { custom: Xtremepush ID, type: text } }')).toBe('quarantine');
    expect(f('{ from: externalId, to: external_id }')).toBe('quarantine');
    expect(f('{ from: smsSubscribed, to: sms_subscription_status }')).toBe('quarantine');
    expect(parseMappingSpec(withField('{ from: phone, to: work_number }'), 'm.yaml').objects.contact.fields[0]!.on_invalid).toBe('quarantine');
  });

  it('takes either word on any field, and reads the older "drop" as drop_field', () => {
    const f = (word: string) => parseMappingSpec(withField(`{ from: externalId, to: external_id, on_invalid: ${word} }`), 'm.yaml').objects.contact.fields[1]!.on_invalid;
    expect(f('drop_field')).toBe('drop_field');
    expect(f('drop')).toBe('drop_field');
    expect(f('quarantine')).toBe('quarantine');
  });

  it('refuses any other word, with the line and a suggestion, and never lets emails be dropped', () => {
    const e = errorOf(() => parseMappingSpec(withField('{ from: phone, to: work_number, on_invalid: drop_feild }'), 'm.yaml'));
    expect(e.message).toMatch(/line 7/);
    expect(e.message).toMatch(/on_invalid must be "quarantine" or "drop_field", not "drop_feild"; did you mean "drop_field"\?/);
    const emails = errorOf(() => parseMappingSpec('version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails, on_invalid: drop_field }\n', 'm.yaml'));
    expect(emails.message).toMatch(/emails cannot be dropped/);
  });
});

describe('misspelt keys in the map', () => {
  it('are errors with line, column and the closest key, at any depth', () => {
    const text = 'version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - from: email\n        to: emails\n        tarnsform: email\n    tgas: { segments: true }\n';
    const e = errorOf(() => parseMappingSpec(text, 'm.yaml'));
    expect(e.message).toMatch(/m\.yaml line 8, column 9: objects\.contact\.fields\[0\]\.tarnsform: unknown key "tarnsform"; did you mean "transform"\?/);
    expect(e.message).toMatch(/line 9, column 5: objects\.contact\.tgas: unknown key "tgas"; did you mean "tags"\?/);
  });
});


describe('parseMappingSpec: segments as tags or as a field', () => {
  const base = 'version: 1\nsource: netmera\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails }\n';
  it('defaults to tags, and takes a multi-select field with one choice per segment', () => {
    expect(parseMappingSpec(base, 'm.yaml').objects.contact.tags).toBeUndefined();
    const spec = parseMappingSpec(`${base}    tags:\n      segments_as: field\n      segment_field: { label: Segments, choices: [Buyers, Türkiye] }\n`, 'm.yaml');
    expect(spec.objects.contact.tags).toMatchObject({ segments: true, segments_as: 'field', segment_field: { label: 'Segments', choices: ['Buyers', 'Türkiye'] } });
  });
  it('says what a field needs when segment_field is missing, at its line', () => {
    expect(() => parseMappingSpec(`${base}    tags:\n      segments_as: field\n`, 'm.yaml')).toThrow(/m\.yaml line \d+.*segments_as: field needs segment_field: \{ label: "Segments", choices/);
  });
});
