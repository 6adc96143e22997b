/**
 * Model download against a local fake Hugging Face server (no network here):
 * streamed, resumed with Range after a cut connection, verified by SHA-256
 * (x-linked-etag, as the Hub sends for LFS files), clear errors for gated and
 * missing files, and repo/file names that cannot escape into other URLs or paths.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFile } from '../../main/models/hub/downloadFile.js';
import { hubFileUrl, validateHubRef } from '../../main/models/hub/hubUrl.js';

const body = randomBytes(3 * 1024 * 1024 + 123);
const sha = createHash('sha256').update(body).digest('hex');
let server: Server;
let base = '';
let cutNext = false;
let lastAuth: string | undefined;
let wrongEtag = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    lastAuth = req.headers.authorization;
    if (req.url?.includes('gated')) { res.writeHead(401).end(); return; }
    if (!req.url?.endsWith('/resolve/main/model.gguf')) { res.writeHead(404).end(); return; }
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const headers = { 'content-length': String(body.length - start), 'x-linked-etag': `"${wrongEtag ? '0'.repeat(64) : sha}"` };
    res.writeHead(m ? 206 : 200, m ? { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : headers);
    if (cutNext) {
      cutNext = false;
      res.write(body.subarray(start, start + 1024 * 1024), () => res.socket?.destroy()); // connection drops after 1 MiB
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const url = (file = 'model.gguf') => hubFileUrl({ repo: 'org/tiny-model', file }, base);

describe('downloadFile', () => {
  it('downloads, reports progress, verifies the checksum and sends the token', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'dl-')), 'model.gguf');
    const progress: number[] = [];
    const r = await downloadFile({ url: url(), dest, token: 'hf_x', onProgress: (p) => progress.push(p.received) });
    expect(r).toMatchObject({ bytes: body.length, sha256: sha, resumedFrom: 0 });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(progress.at(-1)).toBe(body.length);
    expect(lastAuth).toBe('Bearer hf_x');
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('resumes with a Range request after the connection drops', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'dl-')), 'model.gguf');
    cutNext = true;
    await expect(downloadFile({ url: url(), dest })).rejects.toThrow();
    expect(existsSync(dest)).toBe(false);
    const partial = readFileSync(`${dest}.part`).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(body.length);
    const r = await downloadFile({ url: url(), dest });
    expect(r.resumedFrom).toBe(partial);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it('a checksum mismatch deletes the partial file and says so', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'dl-')), 'model.gguf');
    wrongEtag = true;
    try {
      await expect(downloadFile({ url: url(), dest })).rejects.toThrow(/checksum mismatch.*download again/);
    } finally { wrongEtag = false; }
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('gated and missing files give actionable errors', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'dl-')), 'x.gguf');
    await expect(downloadFile({ url: `${base}/org/gated/resolve/main/model.gguf`, dest })).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/gated.*access token/) });
    await expect(downloadFile({ url: url('other.gguf'), dest })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('hubFileUrl', () => {
  it('builds resolve URLs and refuses names that could escape', () => {
    expect(hubFileUrl({ repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF', file: 'qwen2.5-0.5b-instruct-q8_0.gguf' }))
      .toBe('https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q8_0.gguf');
    for (const bad of [{ repo: '../etc', file: 'a.gguf' }, { repo: 'a/b', file: '../../x' }, { repo: 'a/b', file: '/abs.gguf' },
      { repo: 'a/b/c', file: 'a.gguf' }, { repo: 'a/b', file: 'a.gguf', revision: 'x/../y' }, { repo: 'https://evil/x', file: 'a' }]) {
      expect(validateHubRef(bad), JSON.stringify(bad)).not.toBeNull();
    }
  });
});
