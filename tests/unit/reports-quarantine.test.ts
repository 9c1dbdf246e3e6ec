import { mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeQuarantineCsv, type QuarantineRow } from '../../src/reports/quarantine.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'reports-quarantine-'));
}

const rows: QuarantineRow[] = [
  { recordKey: 'xtremepush:profile:1', object: 'contact', reasons: ['missing email'], sourceId: '1', details: [{ field: 'emails' }] },
  {
    recordKey: 'xtremepush:profile:2', object: 'contact', email: 'ana@x.ie', name: 'Ana Ní Bhriain', reasons: ['malformed phone "12"', 'duplicate of xtremepush:profile:9'],
    details: [{ field: 'mobile_number', value: '12' }],
  },
  { recordKey: '=cmd|x', reasons: [], name: '+SUM(A1)', details: [{ field: 'first_name', value: '@evil' }] },
];
const expected =
  'record_key,object,email,name,field,value,reasons\r\n' +
  'xtremepush:profile:1,contact,,,emails,,missing email\r\n' +
  'xtremepush:profile:2,contact,ana@x.ie,Ana Ní Bhriain,mobile_number,12,"malformed phone ""12""; duplicate of xtremepush:profile:9"\r\n' +
  "'=cmd|x,,,'+SUM(A1),first_name,'@evil,\r\n";

describe('writeQuarantineCsv', () => {
  it('writes who the record is, the offending field and value, and the reasons joined with "; " (formulas neutralised)', async () => {
    const file = join(await tempDir(), 'quarantine.csv');
    expect(await writeQuarantineCsv(file, rows)).toBe(3);
    expect(await readFile(file, 'utf8')).toBe(expected);
  });

  it('accepts an async iterable and counts what it wrote', async () => {
    const file = join(await tempDir(), 'quarantine.csv');
    async function* gen(): AsyncGenerator<QuarantineRow> {
      for (const r of rows) yield r;
    }
    expect(await writeQuarantineCsv(file, gen())).toBe(3);
    expect(await readFile(file, 'utf8')).toBe(expected);
  });

  it('writes only the header for no rows', async () => {
    const file = join(await tempDir(), 'quarantine.csv');
    expect(await writeQuarantineCsv(file, [])).toBe(0);
    expect(await readFile(file, 'utf8')).toBe('record_key,object,email,name,field,value,reasons\r\n');
  });

  it('is owner-only by default, and takes an explicit mode', async () => {
    const dir = await tempDir();
    await writeQuarantineCsv(join(dir, 'a.csv'), rows);
    expect((await stat(join(dir, 'a.csv'))).mode & 0o777).toBe(0o600);
    await writeQuarantineCsv(join(dir, 'b.csv'), rows, { mode: 0o644 });
    expect((await stat(join(dir, 'b.csv'))).mode & 0o777).toBe(0o644);
  });

  it('leaves no file when the source fails midway, and rethrows', async () => {
    const dir = await tempDir();
    async function* failing(): AsyncGenerator<QuarantineRow> {
      yield rows[0]!;
      throw new Error('store went away');
    }
    await expect(writeQuarantineCsv(join(dir, 'quarantine.csv'), failing())).rejects.toThrow('store went away');
    expect(await readdir(dir)).toEqual([]);
  });
});
