/**
 * The migration's grade, as the service pages state it: object compatibility ("2 of 8
 * objects need a mapping; the rest are 1:1"), an overall complexity grade and a timeline from
 * the API budget of both sides. Pure: discovery computes it from the source's declared object
 * map, the counts it read, the data-quality result and the destination plan.
 */
import { formatHours } from './plan.js';

export type Fit = '1:1' | '1:many' | 'lossy';
export type Grade = 'Standard' | 'Elevated' | 'Complex';

export interface AssessmentInput {
  objectMap: ReadonlyArray<{ object: string; destination: string; fit: Fit }>;
  extraction: { kind: 'bulk' | 'per-contact'; callsPerContact: number };
  contacts: number;
  /** Contacts that will not load as they are (data-quality errors). */
  errorContacts: number;
  /** The destination side: plan name, calls per hour this migration may use, calls the contact load takes. */
  destination?: { plan: string; callsPerHour: number; contactLoadCalls: number };
}

export interface Assessment {
  compatibility: string;
  objects: Array<{ object: string; destination: string; fit: Fit }>;
  needMapping: string[];
  grade: Grade;
  /** Why the grade is what it is, one line per factor that counted. */
  reasons: string[];
  timeline: { sourceCalls: number; destinationCalls: number | null; destinationHours: number | null; text: string };
}

/** Over this many contacts a migration is scoped individually (the service pages' rule). */
const INDIVIDUAL_SCOPE = 2_000_000;

export function assessMigration(i: AssessmentInput): Assessment {
  const needMapping = i.objectMap.filter((o) => o.fit !== '1:1').map((o) => o.object);
  const total = i.objectMap.length;
  const compatibility =
    needMapping.length === 0 ? `All ${total} objects map 1:1.` : `${needMapping.length} of ${total} objects need a mapping; the rest are 1:1.`;
  let points = 0;
  const reasons: string[] = [];
  const add = (p: number, why: string) => {
    points += p;
    reasons.push(why);
  };
  if (total > 0 && needMapping.length / total > 0.4) add(1, `${needMapping.length} of ${total} objects need a mapping decision or a written inventory`);
  const errorShare = i.contacts > 0 ? i.errorContacts / i.contacts : 0;
  if (errorShare > 0.2) add(2, `${pct(errorShare)} of contacts will not load as they are (data quality)`);
  else if (errorShare > 0.05) add(1, `${pct(errorShare)} of contacts will not load as they are (data quality)`);
  if (i.contacts > INDIVIDUAL_SCOPE) add(2, `${n(i.contacts)} contacts: over ${n(INDIVIDUAL_SCOPE)}, scoped individually`);
  else if (i.contacts > 500_000) add(1, `${n(i.contacts)} contacts`);
  if (i.extraction.kind === 'per-contact' && i.contacts > 100_000) add(1, `the source has no bulk read: ${i.extraction.callsPerContact} call(s) per contact`);
  const sourceCalls = Math.ceil(i.contacts * i.extraction.callsPerContact);
  let destinationHours: number | null = null;
  if (i.destination) {
    destinationHours = i.destination.contactLoadCalls / Math.max(1, i.destination.callsPerHour);
    if (destinationHours > 168) add(2, `the contact load alone takes ${formatHours(destinationHours)} of the ${i.destination.plan} plan's API budget`);
    else if (destinationHours > 24) add(1, `the contact load takes ${formatHours(destinationHours)} of the ${i.destination.plan} plan's API budget`);
  }
  const grade: Grade = points >= 4 ? 'Complex' : points >= 2 ? 'Elevated' : 'Standard';
  if (reasons.length === 0) reasons.push('objects mostly 1:1, data loads as it is, volume within one day of API budget');
  const sourceText = i.extraction.kind === 'per-contact'
    ? `source: ${n(sourceCalls)} call(s) (${i.extraction.callsPerContact} per contact, no bulk read: parallelised under the source's pacing)`
    : `source: about ${n(sourceCalls)} paged call(s) (bulk read)`;
  const destText = i.destination
    ? `destination: ${n(i.destination.contactLoadCalls)} call(s) for contacts ≈ ${formatHours(destinationHours!)} on the ${i.destination.plan} plan (tasks and activities cost one call each on top; the plan printed by migrate counts them)`
    : 'destination: not read (run discover with the destination to see the budget)';
  return {
    compatibility,
    objects: [...i.objectMap],
    needMapping,
    grade,
    reasons,
    timeline: { sourceCalls, destinationCalls: i.destination?.contactLoadCalls ?? null, destinationHours, text: `${sourceText}; ${destText}` },
  };
}

const n = (x: number) => x.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
