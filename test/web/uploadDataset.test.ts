// Web mode's dataset upload (POST /api/datasets.upload): behind the token and
// Origin checks, streamed to the data folder byte for byte, refused past the
// size limit (declared or not), names stripped of folders, the saved upload
// removed once datasets.importFile has taken its copy; an upload the client
// cancels mid-body leaves no partial file.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetDetail } from '../../main/api/contract/index.js';
import { createAppService } from '../../main/services/appService.js';
import { createHandlers } from '../../main/services/createHandlers.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { createSettingsService } from '../../main/services/settingsService.js';
import { startWebServer, type WebServer } from '../../main/web/startWebServer.js';
import { safeUploadName } from '../../main/web/uploadDataset.js';

let server: WebServer;
let dataDir: string;
const imported: { path: string; name: string | undefined; bytes: Buffer }[] = [];
const MAX = 64 * 1024;

function upload(body: Buffer | Buffer[], headers: Record<string, string>): Promise<{ status: number; json: { ok: boolean; value?: unknown; error?: { message: string } } }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: '/api/datasets.upload', method: 'POST', headers: { Host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || '{}') }));
    });
    // A reset once the server refuses mid-stream reads as status 0.
    req.on('error', (e) => resolve({ status: 0, json: { ok: false, error: { message: String(e) } } }));
    if (Array.isArray(body)) { for (const b of body) req.write(b); req.end(); } else req.end(body);
  });
}
const ok = (name = 'my%20data.jsonl') => ({ Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream', 'X-Clipo-Filename': name });

beforeAll(async () => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'clipo-upload-')), 'data');
  const handlers = createHandlers({
    app: createAppService({ mode: 'web', dataDir, appRoot: findAppRoot() }),
    settings: createSettingsService(dataDir),
    datasets: {
      importFile: ({ path, name }) => {
        imported.push({ path, name, bytes: readFileSync(path) });
        return { id: '1', name: name ?? basename(path) } as DatasetDetail;
      },
    },
  });
  server = await startWebServer({ port: 0, dataDir, handlers, maxUploadBytes: MAX, staticDir: join(dataDir, 'none') });
});
afterAll(async () => { await server?.close(); });

describe('POST /api/datasets.upload', () => {
  it('streams the body to the data folder and imports it; the upload is removed afterwards', async () => {
    const parts = Array.from({ length: 8 }, (_, i) => Buffer.alloc(4096, 97 + i));
    const r = await upload(parts, { ...ok(), 'X-Clipo-Dataset-Name': encodeURIComponent('my set') });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, value: { name: 'my set' } });
    const got = imported.at(-1)!;
    expect(got.bytes.equals(Buffer.concat(parts))).toBe(true);
    expect(basename(got.path)).toBe('my data.jsonl');
    expect(got.path.startsWith(join(dataDir, 'uploads'))).toBe(true);
    expect(existsSync(got.path)).toBe(false);
    expect(readdirSync(join(dataDir, 'uploads'))).toEqual([]);
  });

  it('needs the token and our Origin', async () => {
    const { Authorization: _a, ...noToken } = ok();
    expect((await upload(Buffer.from('{}'), noToken)).status).toBe(401);
    expect((await upload(Buffer.from('{}'), { ...ok(), Origin: 'http://evil.example' })).status).toBe(403);
  });

  it('refuses a file over the limit, declared or streamed, and keeps nothing', async () => {
    const before = imported.length;
    const declared = await upload(Buffer.alloc(MAX + 1), ok());
    expect(declared.status).toBe(413);
    expect(declared.json.error!.message).toMatch(/larger than the .* upload limit/);
    const streamed = await upload(Array.from({ length: 20 }, () => Buffer.alloc(8192)), { ...ok(), 'Transfer-Encoding': 'chunked' });
    expect([413, 0]).toContain(streamed.status); // the server may close the socket once past the limit
    expect(imported.length).toBe(before);
    expect(readdirSync(join(dataDir, 'uploads'))).toEqual([]);
  });

  it('refuses other content types and names that are not data files; strips folders from names', async () => {
    expect((await upload(Buffer.from('{}'), { ...ok(), 'Content-Type': 'application/json' })).status).toBe(415);
    expect((await upload(Buffer.from('{}'), ok('notes.txt'))).status).toBe(400);
    expect(safeUploadName(encodeURIComponent('../../etc/x.jsonl'))).toBe('x.jsonl');
    expect(safeUploadName(encodeURIComponent('C:\\Users\\me\\d.parquet'))).toBe('d.parquet');
    expect(safeUploadName(encodeURIComponent('.hidden.csv'))).toBeNull();
    expect(safeUploadName('%E0%A4%A')).toBeNull();
  });

  it('a client that cancels mid-body leaves no partial file, and the server keeps serving', async () => {
    const before = imported.length;
    const uploads = join(dataDir, 'uploads');
    const partialSizes = (): number[] => readdirSync(uploads).flatMap((d) => readdirSync(join(uploads, d)).map((f) => statSync(join(uploads, d, f)).size));
    const req = request({ host: '127.0.0.1', port: server.port, path: '/api/datasets.upload', method: 'POST', headers: { Host: `127.0.0.1:${server.port}`, ...ok(), 'Content-Length': String(MAX - 1) } });
    req.on('error', () => undefined); // destroyed below on purpose
    req.write(Buffer.alloc(20_000, 97));
    // The server has the first part on disk (a partial upload exists) ...
    const end = Date.now() + 5000;
    while (!(partialSizes()[0]! >= 20_000) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(partialSizes()).toEqual([20_000]);
    // ... then the client goes away (the browser's Cancel aborts the request the same way).
    req.destroy();
    const gone = Date.now() + 5000;
    while (readdirSync(uploads).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(uploads)).toEqual([]);
    expect(imported.length).toBe(before);
    const next = await upload(Buffer.from('{"q":1}\n'), ok());
    expect(next.status).toBe(200);
  });
});
