// Enforces the dependency rules of docs/DESIGN.md (like VS Code's code-layering lint):
// every import in a source file is resolved to a project folder and checked against
// the folder's allow-list. Exits 1 with one line per violation.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const NODE_BUILTIN = /^node:|^(fs|path|os|child_process|crypto|http|https|net|url|util|worker_threads|stream|events|zlib|readline|process)(\/|$)/;

/** Rules, first match wins. `allow` lists project folders a file may import from;
 *  `packages` lists bare npm packages it may import (true = any). */
const rules = [
  { dir: 'main/api/contract', allow: ['main/api/contract'], packages: [], builtins: false,
    why: 'the API contract has zero dependencies (it is shared with the renderer)' },
  { dir: 'charts', allow: ['charts'], packages: ['d3'], builtins: false,
    why: 'charts/ is pure chart geometry (d3 only), shared by the UI and the report writer in main/' },
  { dir: 'renderer', allow: ['renderer', 'main/api/contract', 'charts'], packages: ['svelte', 'd3'], builtins: false,
    why: 'the renderer imports only the API contract and the pure charts/ layer (plus svelte and d3)' },
  { dir: 'main/rl', allow: ['main/rl', 'main/api/contract'], packages: ['mathjs'], builtins: false,
    why: 'main/rl is pure: no I/O, no native code' },
  { dir: 'engine/src', allow: [], packages: [], builtins: false, why: 'C++ core' },
  { dir: 'main', allow: ['main', 'engine', 'charts'], packages: true, builtins: true,
    native: { only: 'main/trainer', names: ['node-llama-cpp', 'engine'] },
    why: 'only main/trainer loads the engine and node-llama-cpp' },
];

const BUILD_CONFIG_FILES = new Set(['renderer/vite.config.ts']);
const exts = ['.ts', '.svelte', '.mts', '.mjs', '.js'];
function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'build') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (exts.some((e) => p.endsWith(e)) && !p.endsWith('.d.ts')) yield p;
  }
}
const importRe = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

const violations = [];
for (const top of ['main', 'renderer', 'charts']) {
  let files;
  try { files = [...walk(join(root, top))]; } catch { continue; }
  for (const file of files) {
    const rel = relative(root, file).split(sep).join('/');
    // Build configuration runs in Node at build time, not in the renderer; exempt by name.
    if (BUILD_CONFIG_FILES.has(rel)) continue;
    const rule = rules.find((r) => rel.startsWith(r.dir + '/'));
    if (!rule) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec) continue;
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec)).split(sep).join('/');
        const ok = rule.allow.some((a) => target === a || target.startsWith(a + '/'));
        if (!ok) violations.push(`${rel}: imports ${target} (${rule.why})`);
        if (rule.native && target.startsWith('engine') && !rel.startsWith(rule.native.only + '/'))
          violations.push(`${rel}: imports ${target} (${rule.why})`);
      } else if (NODE_BUILTIN.test(spec)) {
        if (!rule.builtins) violations.push(`${rel}: imports node builtin ${spec} (${rule.why})`);
      } else {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (rule.packages !== true && !rule.packages.includes(pkg))
          violations.push(`${rel}: imports package ${pkg} (${rule.why})`);
        if (rule.native && rule.native.names.includes(pkg) && !rel.startsWith(rule.native.only + '/'))
          violations.push(`${rel}: imports ${pkg} (${rule.why})`);
      }
    }
  }
}
if (violations.length) {
  console.error(`lint-layers: ${violations.length} violation(s) of docs/DESIGN.md's dependency rules:`);
  for (const v of violations) console.error('  ' + v);
  process.exit(1);
}
console.log('lint-layers: dependency rules hold');
