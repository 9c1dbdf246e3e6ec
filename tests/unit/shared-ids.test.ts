import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../src/core/model.js';
import { contactIdentity, createSharedIdFinder, mapReadsUserId } from '../../src/mapping/shared-ids.js';
import { parseMappingSpec } from '../../src/mapping/spec.js';

const map = (extra = '') => parseMappingSpec(`version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails }\n${extra}`, 'm.yaml').objects.contact;
const contact = (id: string, externalId: string | null, email: string | null): CanonicalContact => ({
  sourceKey: `xtremepush:profile:${id}`, sourceId: id, externalId, email, phone: null, firstName: null, lastName: null, country: null, language: null,
  timezone: null, emailSubscribed: null, smsSubscribed: null, createdAt: null, updatedAt: null, attributes: {},
});

/** Both passes over `contacts`, as prepare runs them. */
function find(contacts: CanonicalContact[]): Map<string, string[]> {
  const m = map();
  const finder = createSharedIdFinder();
  const ids = contacts.map((c) => [c, contactIdentity(c, m)] as const);
  for (const [, id] of ids) if (id) finder.first(id.userId, id.emailKey);
  if (finder.needsSecondPass) for (const [c, id] of ids) if (id) finder.second(id.userId, id.emailKey, c.sourceId);
  return finder.result();
}

describe('shared source user ids', () => {
  it('finds ids that profiles with different emails share, naming every such profile in stream order', () => {
    expect(find([
      contact('1', 'u-1', 'ann@example.com'),
      contact('2', ' u-1', 'bob@example.com'),
      contact('3', 'u-2', 'cat@example.com'),
      contact('4', 'u-1', 'ANN@example.com'),
    ])).toEqual(new Map([['u-1', ['1', '2', '4']]]));
  });

  it('ignores the same person twice (one email in any case), and profiles without a valid email or an id', () => {
    const none = find([
      contact('1', 'u-1', 'ann@example.com'),
      contact('2', 'u-1', ' ANN@Example.com '),
      contact('3', 'u-1', 'not an email'),
      contact('4', 'u-1', null),
      contact('5', '  ', 'x@example.com'),
      contact('6', null, 'y@example.com'),
    ]);
    expect(none).toEqual(new Map());
  });

  it('needs no second pass when no id has two emails', () => {
    const finder = createSharedIdFinder();
    finder.first('u-1', 'a@example.com');
    finder.first('u-1', 'a@example.com');
    finder.first('u-2', 'b@example.com');
    expect(finder.needsSecondPass).toBe(false);
    finder.first('u-2', 'c@example.com');
    expect(finder.needsSecondPass).toBe(true);
  });

  it('matters to a load only when the map writes the user id', () => {
    expect(mapReadsUserId(map())).toBe(false);
    expect(mapReadsUserId(map('      - { from: externalId, to: external_id }\n'))).toBe(true);
  });
});
