import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCsvWriter, formatCsvCell, restoreCell, toCsv } from '../../src/reports/csv.js';
import { parseCsv } from '../helpers/csv.js';


async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'reports-csv-'));
}

describe('toCsv', () => {
  it('writes a header and CRLF-terminated records, columns in the given order', () => {
    expect(toCsv([{ b: 2, a: 'x', extra: 'ignored' }, { a: 'y' }], ['a', 'b'])).toBe('a,b\r\nx,2\r\ny,\r\n');
  });

  it('quotes commas, quotes, newlines, semicolons and edge spaces (RFC 4180)', () => {
    expect(formatCsvCell('Doe, Jane')).toBe('"Doe, Jane"');
    expect(formatCsvCell('say "hi"')).toBe('"say ""hi"""');
    expect(formatCsvCell('line1\nline2')).toBe('"line1\nline2"');
    expect(formatCsvCell('a\r\nb')).toBe('"a\r\nb"');
    expect(formatCsvCell('a;b')).toBe('"a;b"');
    expect(formatCsvCell(' padded ')).toBe('" padded "');
    expect(formatCsvCell('plain')).toBe('plain');
  });

  it('keeps non-ASCII text intact', () => {
    const csv = toCsv([{ name: 'Seán Ó Briain', city: 'Dún Laoghaire' }, { name: 'Çağla Şahin', city: '東京' }], ['name', 'city']);
    expect(csv).toBe('name,city\r\nSeán Ó Briain,Dún Laoghaire\r\nÇağla Şahin,東京\r\n');
    expect(parseCsv(csv)[2]).toEqual(['Çağla Şahin', '東京']);
  });

  it('writes a byte-order mark only when asked', () => {
    expect(toCsv([], ['a'])).toBe('a\r\n');
    expect(toCsv([], ['a'], { bom: true })).toBe('\uFEFFa\r\n');
  });

  it('formats non-string values', () => {
    expect(formatCsvCell(null)).toBe('');
    expect(formatCsvCell(undefined)).toBe('');
    expect(formatCsvCell(true)).toBe('true');
    expect(formatCsvCell(12n)).toBe('12');
    expect(formatCsvCell(3.25)).toBe('3.25');
    expect(formatCsvCell(new Date('2024-05-01T10:00:00Z'))).toBe('2024-05-01T10:00:00.000Z');
    expect(formatCsvCell(['a', 'b'])).toBe('"[""a"",""b""]"');
  });

  it('rejects an empty or duplicated column list', () => {
    expect(() => toCsv([], [])).toThrow(/at least one column/);
    expect(() => toCsv([], ['a', 'a'])).toThrow(/"a" is listed twice/);
  });

  const formulaTable: Array<[unknown, string]> = [
    ['=SUM(A1:A2)', "'=SUM(A1:A2)"],
    ['+cmd', "'+cmd"],
    ['-2+3', "'-2+3"],
    ['@x', "'@x"],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
    ['+353 87 123 4567', "'+353 87 123 4567"],
    ['-5', "'-5"],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ["'already", "''already"],
    [-5, '-5'],
    [-0.5, '-0.5'],
    ['a=b', 'a=b'],
    ['user@example.com', 'user@example.com'],
    ['', ''],
  ];
  it.each(formulaTable)('neutralises formulas: %j → %s', (input, expected) => {
    expect(formatCsvCell(input)).toBe(expected);
  });

  it('neutralises header cells too', () => {
    expect(toCsv([], ['=evil'])).toBe("'=evil\r\n");
  });

  it('round-trips any string exactly through parse + restoreCell (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), { maxLength: 20 }), (pairs) => {
        const rows = pairs.map(([a, b]) => ({ a, b }));
        const parsed = parseCsv(toCsv(rows, ['a', 'b']));
        expect(parsed[0]).toEqual(['a', 'b']);
        expect(parsed.slice(1).map((r) => r.map(restoreCell))).toEqual(pairs);
        // and no parsed cell would start a formula
        for (const r of parsed) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      }),
    );
  });
});

describe('createCsvWriter', () => {
  it('writes the same bytes as toCsv', async () => {
    const file = join(await tempDir(), 'out.csv');
    const rows = [{ a: 'Seán, "the" man', b: -5 }, { a: '+353', b: 'x\ny' }];
    const w = await createCsvWriter(file, ['a', 'b']);
    for (const r of rows) await w.write(r);
    expect(await w.close()).toBe(2);
    expect(await readFile(file, 'utf8')).toBe(toCsv(rows, ['a', 'b']));
  });

  it('streams many rows across buffer flushes without losing or reordering any', async () => {
    const file = join(await tempDir(), 'big.csv');
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `Çağla ${i}`, note: i % 7 === 0 ? '=1+1' : 'ok, fine' }));
    const w = await createCsvWriter(file, ['id', 'name', 'note']);
    for (const r of rows) await w.write(r);
    expect(w.rows).toBe(20_000);
    await w.close();
    const text = await readFile(file, 'utf8');
    expect(text).toBe(toCsv(rows, ['id', 'name', 'note']));
    expect(text.length).toBeGreaterThan(3 * 64 * 1024);
  });

  it('creates the file with owner-only permissions', async () => {
    const file = join(await tempDir(), 'tokens.csv');
    const w = await createCsvWriter(file, ['token'], { mode: 0o600 });
    await w.write({ token: 'abc' });
    await w.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('applies the mode exactly, over an existing looser file and regardless of umask', async () => {
    const file = join(await tempDir(), 'tokens.csv');
    await writeFile(file, 'old', { mode: 0o644 });
    const previous = process.umask(0o077);
    try {
      const w = await createCsvWriter(file, ['token'], { mode: 0o640 });
      await w.close();
    } finally {
      process.umask(previous);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readFile(file, 'utf8')).toBe('token\r\n');
  });

  it('only puts the file in place on close, and leaves nothing on abort', async () => {
    const dir = await tempDir();
    const file = join(dir, 'out.csv');
    const w = await createCsvWriter(file, ['a']);
    await w.write({ a: 1 });
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    await w.abort();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses writes after close', async () => {
    const w = await createCsvWriter(join(await tempDir(), 'out.csv'), ['a']);
    await w.close();
    await expect(w.write({ a: 1 })).rejects.toThrow(/already closed/);
    await expect(w.close()).rejects.toThrow(/already closed/);
  });
});
