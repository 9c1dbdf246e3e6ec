/**
 * Contacts already in Freshsales before a migration starts, for `demo` and `sim --existing N`:
 * some are the source's own people under an email in another case (a migration updates them
 * and keeps their old values as before-images), the rest are people the source does not know
 * (a migration leaves them alone). Made in the simulator's process, as data the account held
 * before: not counted against its API budget, never faulted.
 */
import { Faker, base, en } from '@faker-js/faker';
import type { FreshsalesSim } from '../../simulators/freshsales/index.js';

/** What was seeded. */
export interface SeededContacts {
  /** Contacts sharing an email (upper-cased) with a source person. */
  shared: number;
  /** Contacts the source does not know. */
  unrelated: number;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * Seed up to `shared` contacts from the source's `emails` (the first usable ones, each address
 * once whatever its case, written upper-case), then made-up people (faker, seeded by `seed`;
 * never a source address) up to `total` contacts in all. Without `total` nobody is made up:
 * fewer usable source emails than `shared` just seed fewer contacts.
 */
export function seedExistingContacts(
  fs: Pick<FreshsalesSim, 'createRecord'>,
  emails: readonly string[],
  o: { shared: number; total?: number; seed?: number },
): SeededContacts {
  const out: SeededContacts = { shared: 0, unrelated: 0 };
  const taken = new Set(emails.map((e) => e.trim().toLowerCase()));
  const create = (fields: Record<string, unknown>): boolean => {
    try {
      fs.createRecord('contacts', fields);
      return true;
    } catch {
      // The account refused it (an address it already holds): not seeded.
      return false;
    }
  };
  const seen = new Set<string>();
  for (const raw of emails) {
    if (out.shared >= o.shared) break;
    const email = raw.trim();
    if (!EMAIL.test(email) || seen.has(email.toLowerCase())) continue;
    seen.add(email.toLowerCase());
    if (create({ emails: email.toUpperCase(), first_name: 'Existing', last_name: 'In Freshsales', job_title: 'Imported 2019' })) out.shared++;
  }
  const want = Math.max(0, (o.total ?? 0) - out.shared);
  if (want === 0) return out;
  const faker = new Faker({ locale: [en, base], seed: o.seed ?? 1 });
  for (let attempts = 0; out.unrelated < want && attempts < want * 10; attempts++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const email = faker.internet.email({ firstName, lastName, provider: 'crm.example.net' }).toLowerCase();
    if (taken.has(email)) continue;
    taken.add(email);
    const fields = { emails: email, first_name: firstName, last_name: lastName, job_title: faker.person.jobTitle(), city: faker.location.city() };
    if (create(fields)) out.unrelated++;
  }
  return out;
}
