/**
 * A minimal ZIP writer (PKWARE APPNOTE 6.3.10) for browser downloads of an
 * export: deflate (node:zlib's raw deflate, method 8) or stored (method 0),
 * CRC-32 computed while streaming, sizes in a data descriptor after each entry
 * (general-purpose flag bit 3, §4.3.9) so no file is held in memory. No ZIP64:
 * an archive or entry of 4 GiB or more is refused with a clear error instead
 * of writing a file unzip cannot read.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { createDeflateRaw } from 'node:zlib';

const LIMIT = 0xffff_ffff;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, the polynomial ZIP uses), continued from `crc`. */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  /** Name inside the archive (forward slashes, no leading slash, no ".."). */
  name: string;
  /** File to read. */
  path: string;
}

export class ZipTooLargeError extends Error {
  readonly code = 'invalid_argument';
}

/** MS-DOS date/time of `d` (§4.4.6), local time as unzip shows it. */
function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: (Math.max(0, d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function write(out: Writable, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(buf)) resolve();
    else { out.once('drain', resolve); out.once('error', reject); }
  });
}

/**
 * Writes `entries` as one ZIP to `out` (not ended: the caller ends it). Files
 * already compressed (GGUF, safetensors) are stored when `store(name)` says so;
 * the default deflates everything at level 6.
 */
export async function writeZip(out: Writable, entries: ZipEntry[], opts: { store?: (name: string) => boolean; level?: number } = {}): Promise<{ bytes: number }> {
  for (const e of entries) {
    if (!e.name || e.name.startsWith('/') || e.name.split('/').includes('..')) throw new Error(`bad entry name ${e.name}`);
    const size = statSync(e.path).size;
    if (size >= LIMIT) throw new ZipTooLargeError(`${e.name} is ${(size / 1024 ** 3).toFixed(1)} GiB, too large for a ZIP download; export it to a folder instead`);
  }
  let offset = 0;
  const central: Buffer[] = [];
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const { time, date } = dosTime(statSync(e.path).mtime);
    const method = opts.store?.(e.name) ? 0 : 8;
    const flags = 0x0008 | 0x0800; // data descriptor follows; names are UTF-8
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    // crc and sizes (14..25) stay 0: they are in the data descriptor.
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const headerAt = offset;
    await write(out, local); await write(out, name);
    offset += local.length + name.length;

    let crc = 0, raw = 0, packed = 0;
    const src = createReadStream(e.path);
    if (method === 0) {
      for await (const chunk of src) { const b = chunk as Buffer; crc = crc32(b, crc); raw += b.length; packed += b.length; await write(out, b); }
    } else {
      const deflate = createDeflateRaw({ level: opts.level ?? 6 });
      const pumped = (async () => {
        for await (const chunk of deflate) { const b = chunk as Buffer; packed += b.length; await write(out, b); }
      })();
      for await (const chunk of src) {
        const b = chunk as Buffer;
        crc = crc32(b, crc); raw += b.length;
        if (!deflate.write(b)) await new Promise((r) => deflate.once('drain', r));
      }
      deflate.end();
      await pumped;
    }
    offset += packed;
    if (offset >= LIMIT) throw new ZipTooLargeError('the export is 4 GiB or more, too large for a ZIP download; export it to a folder instead');
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(crc, 4);
    desc.writeUInt32LE(packed, 8);
    desc.writeUInt32LE(raw, 12);
    await write(out, desc);
    offset += desc.length;

    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(flags, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt16LE(time, 12);
    cd.writeUInt16LE(date, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(packed, 20);
    cd.writeUInt32LE(raw, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
    cd.writeUInt32LE(headerAt, 42);
    central.push(cd, name);
  }
  const cdStart = offset;
  const cdBuf = Buffer.concat(central);
  await write(out, cdBuf);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(cdStart, 16);
  await write(out, end);
  return { bytes: cdStart + cdBuf.length + end.length };
}
