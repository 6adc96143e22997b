/**
 * mathjs is loaded on the first symbolic comparison, not with the verifiers: every trainer,
 * tool process and `clipo` command imports them, and importing mathjs alone took about half
 * of a trainer's start-up (docs/STORE.md, crash campaign). Checked in a fresh Node process on
 * the built code (dist/), where nothing else has loaded mathjs.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { findAppRoot } from '../../../main/services/findAppRoot.js';
import { ensureNodeBuild } from '../../cli/ensureNodeBuild.js';

const root = findAppRoot();
beforeAll(() => { ensureNodeBuild(root); }, 300_000);

it('the verifiers load without mathjs; the first symbolic comparison loads it and decides as before', () => {
  const url = (p: string) => JSON.stringify(pathToFileURL(resolve(root, p)).href);
  const script = `
    import { createRequire } from 'node:module';
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/mathjs/'));
    const { scoreCompletion } = await import(${url('dist/main/rl/verifiers/scoreCompletion.js')});
    const { mathEqual } = await import(${url('dist/main/rl/verifiers/math/mathEqual.js')});
    const out = { atImport: loaded(), exact: mathEqual('1/2', '0.5') };
    out.afterExact = loaded();
    out.symbolic = [mathEqual('\\\\sqrt{2}', '2^{1/2}'), mathEqual('\\\\sqrt{2}', '\\\\sqrt{3}')];
    out.afterSymbolic = loaded();
    console.log(JSON.stringify(out));
    void scoreCompletion;
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ atImport: false, exact: true, afterExact: false, symbolic: [true, false], afterSymbolic: true });
});
