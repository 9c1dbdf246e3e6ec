/**
 * Netmera has no tag API: tags come from the Export Users file's tag column, one hit per tag,
 * keyed to the contact the row becomes; offered only with the files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { NetmeraConfig } from '../../src/connectors/netmera/index.js';
import { offers } from '../../src/connectors/manifest.js';
import { createSource } from '../../src/connectors/registry.js';
import type { CanonicalTagHit } from '../../src/core/model.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const config = (extra: Record<string, unknown>) => NetmeraConfig.parse({ type: 'netmera', baseUrl: 'http://127.0.0.1:9', apiKey: 'nm-test-key-1', pageSize: 2, ...extra });

describe('Netmera tags from the Export Users file', () => {
  it('yields one hit per tag (commas or semicolons, trimmed, deduplicated), keyed like the contact, resumable', async () => {
    dir = mkdtempSync(join(tmpdir(), 'nm-tags-'));
    writeFileSync(
      join(dir, 'export_users_2025-01-01.csv'),
      'Email,External Id,Etiketler\nayse@example.com.tr,u1,"vip, çalışan"\nno-tags@example.com,u2,\nonly-email@example.com,,"b2b;b2b; loyal "\n',
    );
    const source = createSource(config({ files: { folder: dir } }), { logger: silentLogger() });
    expect(offers(source, 'tagHits')).toBe(true);
    const hits: CanonicalTagHit[] = [];
    const checkpoints: string[] = [];
    for await (const page of source.tagHits(null)) {
      hits.push(...page.records);
      checkpoints.push(page.checkpoint);
    }
    expect(hits).toEqual([
      { contactKey: 'netmera:user:u1', tag: 'vip', occurredAt: null },
      { contactKey: 'netmera:user:u1', tag: 'çalışan', occurredAt: null },
      { contactKey: 'netmera:email:only-email@example.com', tag: 'b2b', occurredAt: null },
      { contactKey: 'netmera:email:only-email@example.com', tag: 'loyal', occurredAt: null },
    ]);
    // Resuming after the first page reads only what came after it.
    const rest: CanonicalTagHit[] = [];
    for await (const page of source.tagHits(checkpoints[0]!)) rest.push(...page.records);
    expect(rest).toEqual(hits.slice(2));
    // The tag column is not also an attribute of the contact.
    for await (const page of source.contacts(null)) for (const c of page.records) expect(Object.keys(c.attributes)).not.toContain('Etiketler');
    await source.close();
  });

  it('is not offered without the files', async () => {
    const source = createSource(config({}), { logger: silentLogger() });
    expect(offers(source, 'tagHits')).toBe(false);
    await source.close();
  });
});
