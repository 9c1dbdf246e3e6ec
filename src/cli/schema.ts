/**
 * `crm-migrate schema plan | check | apply`: thin commands over pipeline/schema.ts.
 *
 *   schema plan  --config FILE [--pack] [--tier T] [--inventory FILE] [--out DIR]
 *   schema check --config FILE
 *   schema apply --config FILE [--out DIR]      (the Freshsales simulator only)
 *
 * plan exits 2 when the map does not fit the plan (over a limit, or a field Freshsales would
 * refuse); check exits 2 with the precise list when a planned field is missing, mistyped or
 * lacks choices; apply refuses (exit 2) on a real account: custom fields are created by an
 * admin in Admin Settings → Fields, following the plan it writes.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../pipeline/config.js';
import type { Io } from './commands.js';
import { EXIT } from './exit-codes.js';

const TIER_NAMES = ['free', 'growth', 'pro', 'enterprise'] as const;
type TierName = (typeof TIER_NAMES)[number];

function tierOption(v: string): TierName {
  if (!(TIER_NAMES as readonly string[]).includes(v)) throw new InvalidArgumentError(`--tier must be one of: ${TIER_NAMES.join(', ')}`);
  return v as TierName;
}

/** Register `schema plan`, `schema check` and `schema apply` on the program. */
export function registerSchemaCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const schema = program.command('schema').description('design the Freshsales custom fields the map needs: plan, check, apply (simulator only)');
  schema
    .command('plan')
    .description('list every custom field the map writes, count them against the plan\'s limits, offer packing when over (writes schema-plan.md/.csv)')
    .requiredOption('--config <file>', 'migration config file')
    .option('--pack', 'rewrite the mapping file with the packing offer applied (the map then needs a new confirmation)', false)
    .option('--tier <tier>', 'Freshsales plan to plan for (default: destination.plan in the config)', tierOption)
    .option('--inventory <file>', 'inventory.json from discover (default: <workdir>/discovery/inventory.json when present)')
    .option('--out <dir>', 'folder for schema-plan.md and schema-plan.csv (default: <workdir>/schema)')
    .action(async (o: { config: string; pack: boolean; tier?: TierName; inventory?: string; out?: string }) => setExit(await schemaPlan(o, io)));
  schema
    .command('check')
    .description('bind every planned field to its Freshsales cf_ name by label and type; list what is missing, mistyped or lacks choices')
    .requiredOption('--config <file>', 'migration config file')
    .action(async (o: { config: string }) => setExit(await schemaCheck(o, io)));
  schema
    .command('apply')
    .description('create the missing planned fields — only against the Freshsales simulator (on a real account an admin creates them)')
    .requiredOption('--config <file>', 'migration config file')
    .option('--out <dir>', 'folder for the plan it writes first (default: <workdir>/schema)')
    .action(async (o: { config: string; out?: string }) => setExit(await schemaApply(o, io)));
}

/** `schema plan`. */
export async function schemaPlan(opts: { config: string; pack?: boolean; tier?: TierName; inventory?: string; out?: string }, io: Io): Promise<number> {
  const { runSchemaPlan } = await import('../pipeline/schema.js');
  const loaded = loadConfig(opts.config);
  const r = await runSchemaPlan({
    loaded,
    ...(opts.tier ? { tier: opts.tier } : {}),
    ...(opts.inventory ? { inventoryFile: opts.inventory } : {}),
    ...(opts.out ? { outDir: opts.out } : {}),
    pack: opts.pack === true,
  });
  const p = r.plan;
  if (r.before) {
    io.out(`packed ${r.before.packing!.fields.length} field(s) into the textarea "${r.before.packing!.label}": ${r.before.packing!.fields.map((f) => `"${f.label}"`).join(', ')}`);
    io.out(`rewrote ${r.packedInto}: the map changed, so it needs a new confirmation — crm-migrate map confirm --config ${opts.config}`);
  }
  io.out(`${p.fields.length} custom field(s) planned for the ${p.tier} plan (${p.total.used} of ${p.total.limit} contact fields)${r.inventoryFile ? `, using ${r.inventoryFile}` : ''}`);
  for (const o of p.over) io.out(`  OVER ${o.type}: ${o.used} of ${o.limit} on ${o.entity} — ${o.over} over: ${o.fields.map((f) => `"${f}"`).join(', ')}`);
  for (const pr of p.problems) io.out(`  ${pr.severity}: "${pr.label}" ${pr.problem}`);
  for (const n of p.notes) io.out(`  note: ${n}`);
  if (p.packing && !r.before) {
    io.out(`  packing offer: ${p.packing.note}`);
    if (p.packing.fits) io.out(`  apply it with: crm-migrate schema plan --config ${opts.config} --pack`);
  } else if (opts.pack && !r.before) {
    io.out(p.over.length === 0 ? '  nothing to pack: the map already fits' : '  packing cannot make this map fit: nothing was changed');
  }
  io.out(`wrote ${r.files.md}\n      ${r.files.csv}`);
  if (!p.fits) return EXIT.config;
  io.out(`next: an admin creates these fields in Freshsales Admin Settings → Fields, then: crm-migrate schema check --config ${opts.config}`);
  return EXIT.ok;
}

/** `schema check`. */
export async function schemaCheck(opts: { config: string }, io: Io): Promise<number> {
  const { runSchemaCheck } = await import('../pipeline/schema.js');
  const { formatBindingTable } = await import('../reports/schema-plan-report.js');
  const loaded = loadConfig(opts.config);
  const r = await runSchemaCheck({ loaded, logger: io.logger });
  io.out(formatBindingTable(r.bindings.map((b) => ({ entity: b.entity, label: b.label, type: b.type, ...(b.name ? { name: b.name } : {}), status: b.status, ...(detail(b) ? { detail: detail(b)! } : {}) }))));
  io.out(`source attributes: ${r.attributeCheck}`);
  if (r.activityType) io.out(`sales activity type "${r.activityType.name}": ${r.activityType.status === 'ok' ? `found (id ${r.activityType.id})` : 'missing'}`);
  if (r.ok) {
    io.out(`all ${r.bindings.length} planned custom field(s) are in Freshsales with the right type and choices`);
    return EXIT.ok;
  }
  io.out(`\n${r.problems.length} problem(s):\n  - ${r.problems.join('\n  - ')}`);
  io.out('Fix them in Freshsales Admin Settings → Fields (custom fields cannot be created through the API), then run schema check again.');
  return EXIT.config;
}

/** `schema apply`. */
export async function schemaApply(opts: { config: string; out?: string }, io: Io): Promise<number> {
  const { runSchemaApply } = await import('../pipeline/schema.js');
  const loaded = loadConfig(opts.config);
  const r = await runSchemaApply({ loaded, logger: io.logger, ...(opts.out ? { outDir: opts.out } : {}) });
  const what = (c: { entity: string; label: string; type: string }) => (c.type === 'sales activity type' ? `sales activity type "${c.label}"` : `${c.entity} field "${c.label}" (${c.type})`);
  for (const c of r.created) io.out(`created ${what(c)} as ${c.name}`);
  for (const f of r.failed) io.out(`FAILED ${what(f)}: ${f.reason}`);
  if (r.created.length === 0 && r.failed.length === 0) io.out('nothing to create: every planned field exists');
  io.out(`plan: ${r.files.md}`);
  if (!r.check.ok) {
    io.out(`still wrong after apply (${r.check.problems.length}):\n  - ${r.check.problems.join('\n  - ')}`);
    return EXIT.config;
  }
  io.out(`schema check passes: ${r.check.bindings.length} planned field(s) bound`);
  return EXIT.ok;
}

function detail(b: { status: string; actualType?: string; missingChoices: string[] }): string | undefined {
  if (b.status === 'mistyped') return `is ${b.actualType}`;
  if (b.status === 'choices_missing') return b.missingChoices.map((c) => JSON.stringify(c)).join(', ');
  return undefined;
}
