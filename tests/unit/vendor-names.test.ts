import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS script without types
import { findVendorNames } from '../../scripts/vendor-names.mjs';

type Hit = { file: string; line: number; text: string };

describe('the vendor-name rule', () => {
  it('passes on the tree: pipeline, mapping, state and reports name no source vendor', () => {
    expect(findVendorNames(join(import.meta.dirname, '../..')) as Hit[]).toEqual([]);
  });

  it('fails on a vendor name planted in src/pipeline, naming the file and line', () => {
    const root = mkdtempSync(join(tmpdir(), 'vendor-rule-'));
    try {
      mkdirSync(join(root, 'src/pipeline'), { recursive: true });
      mkdirSync(join(root, 'src/connectors/xtremepush'), { recursive: true });
      writeFileSync(join(root, 'src/pipeline/phase.ts'), "export const a = 1;\nif (source === 'xtremepush') special();\n");
      writeFileSync(join(root, 'src/connectors/xtremepush/index.ts'), "export const name = 'xtremepush';\n");
      const hits = findVendorNames(root) as Hit[];
      expect(hits).toEqual([{ file: 'src/pipeline/phase.ts', line: 2, text: "if (source === 'xtremepush') special();" }]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
