/**
 * `clipo download` against a local fake Hugging Face server: the GGUF lands in
 * the data folder, is inspected and added to the model library; a missing file
 * fails with the hub's reason.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTinyModel } from '../../main/models/gguf/index.js';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [resolve('bin/clipo.js'), ...args], { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('clipo download', () => {
  it('downloads a GGUF from a (fake) hub into the library', async () => {
    const src = join(mkdtempSync(join(tmpdir(), 'hub-')), 'm.gguf');
    writeTinyModel(src, { arch: 'qwen2', seed: 4 });
    const body = readFileSync(src);
    const sha = createHash('sha256').update(body).digest('hex');
    const server = createServer((req, res) => {
      if (req.url !== '/org/tiny-qwen/resolve/main/tiny.gguf') { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-length': String(body.length), 'x-linked-etag': `"${sha}"` }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const env = { CLIPO_DATA_DIR: mkdtempSync(join(tmpdir(), 'dldata-')), CLIPO_HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    try {
      const ok = await run(['download', 'org/tiny-qwen', 'tiny.gguf', '--json'], env);
      expect(ok.code, ok.stderr).toBe(0);
      const out = JSON.parse(ok.stdout) as { path: string; arch: string; supported: boolean; id: string };
      expect(out).toMatchObject({ arch: 'qwen2', supported: true });
      expect(out.path).toBe(join(env.CLIPO_DATA_DIR, 'models', 'org', 'tiny-qwen', 'tiny.gguf'));
      expect(readFileSync(out.path).equals(body)).toBe(true);
      const missing = await run(['download', 'org/tiny-qwen', 'nope.gguf'], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/not found.*check the repo id/);
      expect(existsSync(join(env.CLIPO_DATA_DIR, 'models', 'org', 'tiny-qwen', 'nope.gguf'))).toBe(false);
      const bad = await run(['download', '../x', 'a.gguf'], env);
      expect(bad.stderr).toMatch(/not a Hugging Face repo id/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
