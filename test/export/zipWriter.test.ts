// The ZIP writer behind web mode's export download, checked by other readers:
// Info-ZIP's `unzip -t` and Python's zipfile (CRC and sizes of every entry),
// with deflated and stored entries, an empty file and a UTF-8 name; CRC-32
// against the standard check value of "123456789" (0xCBF43926, the catalogue
// value for CRC-32/ISO-HDLC), not a value this code produced.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, writeZip } from '../../main/export/zipWriter.js';

const tmp = mkdtempSync(join(tmpdir(), 'clipo-zip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('crc32', () => {
  it('gives the catalogue check value and continues across chunks', () => {
    const data = Buffer.from('123456789');
    expect(crc32(data)).toBe(0xcbf43926);
    expect(crc32(data.subarray(4), crc32(data.subarray(0, 4)))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });
});

describe('writeZip', () => {
  it('writes an archive unzip -t and python zipfile read back byte for byte', async () => {
    const src = join(tmp, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    const files: Record<string, Buffer> = {
      'adapter.gguf': randomBytes(300_000), // incompressible: stored
      'README.md': Buffer.from('# Adapter\n'.repeat(5000)), // compressible: deflated
      'sub/empty.txt': Buffer.alloc(0),
      'sub/naïve ✓.json': Buffer.from('{"ok":true}'),
    };
    for (const [name, data] of Object.entries(files)) writeFileSync(join(src, name), data);
    const zip = join(tmp, 'out.zip');
    const out = createWriteStream(zip);
    const { bytes } = await writeZip(out, Object.keys(files).map((name) => ({ name, path: join(src, name) })), { store: (n) => n.endsWith('.gguf') });
    await new Promise<void>((resolve) => out.end(resolve));
    expect(readFileSync(zip).length).toBe(bytes);
    // The compressible file shrank: it was deflated.
    expect(bytes).toBeLessThan(300_000 + 50_000 + 2_000);

    const t = spawnSync('unzip', ['-t', zip], { encoding: 'utf8' });
    expect(t.status, t.stdout + t.stderr).toBe(0);
    expect(t.stdout).toMatch(/No errors detected/);
    const py = spawnSync('python3', ['-c', [
      'import sys, zipfile, hashlib, json',
      'z = zipfile.ZipFile(sys.argv[1])',
      'assert z.testzip() is None',
      'print(json.dumps({i.filename: [i.compress_type, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()}))',
    ].join('\n'), zip], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const got = JSON.parse(py.stdout) as Record<string, [number, string]>;
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(Object.keys(got).sort()).toEqual(Object.keys(files).sort());
    for (const [name, data] of Object.entries(files)) expect(got[name]![1], name).toBe(sha(data));
    expect(got['adapter.gguf']![0]).toBe(0);
    expect(got['README.md']![0]).toBe(8);
  });

  it('refuses names that would escape the folder', async () => {
    const f = join(tmp, 'x.txt');
    writeFileSync(f, 'x');
    const out = new PassThrough();
    await expect(writeZip(out, [{ name: '../x.txt', path: f }])).rejects.toThrow(/bad entry name/);
    expect(out.readableLength).toBe(0); // nothing written before the refusal
  });
});
