// Minimal PE/COFF export-table reader (pure Node, no dumpbin/gendef needed).
// Used by build.mjs to turn node-llama-cpp's prebuilt ggml DLLs (which ship
// without import libraries) into .def files, from which `lib /def:` (MSVC) or
// `dlltool -d` (MinGW) make import libraries.
import { readFileSync } from 'node:fs';

/**
 * Reads the export table of a PE32/PE32+ DLL.
 * @returns {{ dllName: string, machine: number, exports: { name: string, ordinal: number, data: boolean }[] }}
 *   `data` is true when the export points into a non-executable section (a variable,
 *   which needs the DATA keyword in a .def file). Forwarded exports are skipped.
 */
export function readPeExports(file) {
  const b = readFileSync(file);
  if (b.readUInt16LE(0) !== 0x5a4d) throw new Error(`${file}: not a PE file (no MZ)`);
  const pe = b.readUInt32LE(0x3c);
  if (b.readUInt32LE(pe) !== 0x00004550) throw new Error(`${file}: not a PE file (no PE signature)`);
  const coff = pe + 4;
  const machine = b.readUInt16LE(coff);
  const nSections = b.readUInt16LE(coff + 2);
  const optSize = b.readUInt16LE(coff + 16);
  const opt = coff + 20;
  const magic = b.readUInt16LE(opt);
  const ddOff = magic === 0x20b ? opt + 112 : magic === 0x10b ? opt + 96 : -1;
  if (ddOff < 0) throw new Error(`${file}: unknown optional header magic 0x${magic.toString(16)}`);
  const expRva = b.readUInt32LE(ddOff);
  const expSize = b.readUInt32LE(ddOff + 4);
  const sections = [];
  for (let i = 0, s = opt + optSize; i < nSections; i++, s += 40) {
    sections.push({
      va: b.readUInt32LE(s + 12),
      vsize: Math.max(b.readUInt32LE(s + 8), b.readUInt32LE(s + 16)),
      raw: b.readUInt32LE(s + 20),
      exec: (b.readUInt32LE(s + 36) & 0x20000000) !== 0,
    });
  }
  const sectionOf = (rva) => sections.find((s) => rva >= s.va && rva < s.va + s.vsize);
  const off = (rva) => {
    const s = sectionOf(rva);
    if (!s) throw new Error(`${file}: RVA 0x${rva.toString(16)} outside every section`);
    return rva - s.va + s.raw;
  };
  const cstr = (rva) => {
    const o = off(rva);
    return b.toString('latin1', o, b.indexOf(0, o));
  };
  if (!expRva) return { dllName: '', machine, exports: [] };
  const e = off(expRva);
  const dllName = cstr(b.readUInt32LE(e + 12));
  const base = b.readUInt32LE(e + 16);
  const nFuncs = b.readUInt32LE(e + 20);
  const nNames = b.readUInt32LE(e + 24);
  const funcs = off(b.readUInt32LE(e + 28));
  const names = nNames ? off(b.readUInt32LE(e + 32)) : 0;
  const ords = nNames ? off(b.readUInt32LE(e + 36)) : 0;
  const exports = [];
  for (let i = 0; i < nNames; i++) {
    const idx = b.readUInt16LE(ords + 2 * i);
    if (idx >= nFuncs) continue;
    const rva = b.readUInt32LE(funcs + 4 * idx);
    if (rva >= expRva && rva < expRva + expSize) continue; // forwarder ("OTHER.func")
    const sec = sectionOf(rva);
    exports.push({ name: cstr(b.readUInt32LE(names + 4 * i)), ordinal: base + idx, data: !!sec && !sec.exec });
  }
  return { dllName, machine, exports };
}

/**
 * A module-definition file for `dllPath` with the exports whose names match `keep` (default:
 * ggml's public C API, `ggml_*` and `gguf_*`). The prebuilt DLLs also export MSVC-decorated C++
 * names (which confuse dlltool) and CRT/STL helpers such as `_snprintf`, `wmemcpy` and
 * `__std_is_file_not_found`; an import library offering those could shadow the toolchain's own
 * runtime at link time, so they are left out.
 */
export function defFromDll(dllPath, dllName, keep = /^(ggml|gguf)_[A-Za-z0-9_]*$/) {
  const { dllName: own, exports } = readPeExports(dllPath);
  const lines = [`LIBRARY "${dllName ?? own}"`, 'EXPORTS'];
  for (const x of exports) if (keep.test(x.name)) lines.push(`    ${x.name}${x.data ? ' DATA' : ''}`);
  return lines.join('\n') + '\n';
}
