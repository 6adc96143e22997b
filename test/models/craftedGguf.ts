// Crafted GGUF files shared by the isolation tests.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';

/** GGUF v3, 0 tensors, 1 kv: key "a", type array (9) of u8 (0), count 2^30, backed by a sparse 1 GiB file. */
export function hugeArrayGguf(p: string): string {
  const h = Buffer.alloc(4 + 4 + 8 + 8 + 8 + 1 + 4 + 4 + 8);
  let o = 0;
  o = h.writeUInt32LE(0x46554747, o); o = h.writeUInt32LE(3, o);
  o = h.writeBigUInt64LE(0n, o); o = h.writeBigUInt64LE(1n, o);
  o = h.writeBigUInt64LE(1n, o); o = h.write('a', o);
  o = h.writeUInt32LE(9, o); o = h.writeUInt32LE(0, o); h.writeBigUInt64LE(BigInt(2 ** 30), o);
  const fd = openSync(p, 'w');
  writeSync(fd, h);
  closeSync(fd);
  execFileSync('truncate', ['-s', String(2 ** 30 + 64), p]);
  return p;
}
