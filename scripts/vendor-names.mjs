#!/usr/bin/env node
// The vendor-neutral layers (pipeline, mapping, state, reports) must not know any source or
// destination by name: a vendor's knowledge lives in its connector folder and simulator.
// `npm run lint` runs this; it prints each hit as file:line and exits 1.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Layers that must stay vendor-neutral, relative to the project root. */
export const NEUTRAL_DIRS = ['src/pipeline', 'src/mapping', 'src/state', 'src/reports'];
/** Source vendors (the destination, Freshsales, is the product's one target and may be named). */
export const VENDOR_WORDS = ['xtremepush', 'netmera'];

/** Every line under `dirs` (relative to `root`) that names a vendor, case-insensitively. */
export function findVendorNames(root, dirs = NEUTRAL_DIRS, words = VENDOR_WORDS) {
  const pattern = new RegExp(words.join('|'), 'i');
  const hits = [];
  const walk = (dir) => {
    let names;
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|js|mjs)$/.test(name)) {
        readFileSync(p, 'utf8').split('\n').forEach((text, i) => {
          if (pattern.test(text)) hits.push({ file: relative(root, p), line: i + 1, text: text.trim() });
        });
      }
    }
  };
  for (const d of dirs) walk(join(root, d));
  return hits;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const hits = findVendorNames(root);
  if (hits.length > 0) {
    for (const h of hits) console.error(`${h.file}:${h.line}: names a vendor in a vendor-neutral layer: ${h.text}`);
    console.error(`${hits.length} vendor name(s) in ${NEUTRAL_DIRS.join(', ')}: move that knowledge into the connector (src/connectors/<vendor>/).`);
    process.exit(1);
  }
  console.log(`no vendor names in ${NEUTRAL_DIRS.join(', ')}`);
}
