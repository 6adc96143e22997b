/**
 * A local fake Hugging Face Hub for download tests (no network here). Serves
 *  - GET /{owner}/{repo}/resolve/{revision}/{file}: the file, with Range
 *    (206 + content-range), content-length and the SHA-256 in x-linked-etag,
 *    as the Hub does for LFS files;
 *  - GET /api/models/{owner}/{repo}[/revision/{rev}]: `{siblings: [{rfilename}]}`.
 * Knobs for the failure modes: gated repos (401 without the right token),
 * a connection that drops after N bytes, a slow link, a link that stalls, and
 * a wrong checksum. Every request is logged (path, Range, Authorization).
 */
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeHub {
  url: string;
  /** repo id → file name → contents. */
  repos: Map<string, Map<string, Buffer>>;
  /** Gated repo id → the token that may read it (anything else gets 401). */
  gated: Map<string, string>;
  requests: { path: string; range: string | undefined; auth: string | undefined }[];
  /** The next file response sends this many bytes, then drops the connection. */
  cutAfter: number | null;
  /** File bodies trickle out at about this many bytes per second (null: at once). */
  bytesPerSec: number | null;
  /** File responses send their headers and this many bytes, then nothing more (until the client gives up). */
  stallAfter: number | null;
  wrongChecksum: boolean;
  addFile(repo: string, file: string, body: Buffer): void;
  close(): Promise<void>;
}

export async function startFakeHub(): Promise<FakeHub> {
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const hub: FakeHub = {
    url: '',
    repos: new Map(),
    gated: new Map(),
    requests: [],
    cutAfter: null,
    bytesPerSec: null,
    stallAfter: null,
    wrongChecksum: false,
    addFile(repo, file, body) {
      const files = hub.repos.get(repo) ?? new Map<string, Buffer>();
      files.set(file, body);
      hub.repos.set(repo, files);
    },
    async close() {
      for (const t of timers) clearInterval(t);
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?', 1)[0]!);
    hub.requests.push({ path, range: req.headers.range, auth: req.headers.authorization });
    const api = /^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/([^/]+))?$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repo = api?.[1] ?? resolve?.[1];
    if (!repo || !hub.repos.has(repo)) { res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end(); return; }
    const needs = hub.gated.get(repo);
    if (needs !== undefined && req.headers.authorization !== `Bearer ${needs}`) { res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end(); return; }
    const files = hub.repos.get(repo)!;
    if (api) {
      const body = JSON.stringify({ id: repo, siblings: [...files.keys()].map((rfilename) => ({ rfilename })) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const body = files.get(resolve![3]!);
    if (!body) { res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end(); return; }
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (start >= body.length && m) { res.writeHead(416).end(); return; }
    const sha = hub.wrongChecksum ? '0'.repeat(64) : createHash('sha256').update(body).digest('hex');
    const headers: Record<string, string> = { 'content-length': String(body.length - start), 'x-linked-etag': `"${sha}"` };
    if (m) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(m ? 206 : 200, headers);
    const rest = body.subarray(start);
    if (hub.cutAfter !== null) {
      const n = hub.cutAfter;
      hub.cutAfter = null;
      // A graceful close (FIN) once the bytes are out: the client reads them all, then sees the body end early.
      // (A reset could make the client drop bytes it had received but not yet read, so nothing would be kept.)
      res.write(rest.subarray(0, n), () => res.socket?.end());
      return;
    }
    if (hub.stallAfter !== null) {
      open.add(res);
      res.on('close', () => open.delete(res));
      res.write(rest.subarray(0, hub.stallAfter)); // then silence
      return;
    }
    if (hub.bytesPerSec === null) { res.end(rest); return; }
    const tick = 50;
    const chunk = Math.max(1, Math.round((hub.bytesPerSec * tick) / 1000));
    let at = 0;
    open.add(res);
    const timer = setInterval(() => {
      if (res.destroyed) { clearInterval(timer); timers.delete(timer); return; }
      const next = rest.subarray(at, at + chunk);
      at += next.length;
      if (at >= rest.length) { clearInterval(timer); timers.delete(timer); res.end(next); return; }
      res.write(next);
    }, tick);
    timers.add(timer);
    res.on('close', () => { clearInterval(timer); timers.delete(timer); open.delete(res); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return hub;
}
