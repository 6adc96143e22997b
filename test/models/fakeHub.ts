/**
 * A local fake Hugging Face Hub for download tests (no network here). Serves
 *  - GET /{owner}/{repo}/resolve/{revision}/{file}: the file, with Range
 *    (206 + content-range), content-length and the SHA-256 in x-linked-etag,
 *    as the Hub does for LFS files;
 *  - GET /api/models/{owner}/{repo}[/revision/{rev}]: `{siblings: [{rfilename}]}`;
 *  - dataset repos: GET /api/datasets/{owner}/{repo}[/revision/{rev}] and
 *    GET /datasets/{owner}/{repo}/resolve/{rev}/{file}, per revision (the
 *    Hub's Parquet conversion lives on `refs/convert/parquet`, sent encoded).
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
  /** dataset repo id → revision → file name → contents. */
  datasets: Map<string, Map<string, Map<string, Buffer>>>;
  addDatasetFile(repo: string, file: string, body: Buffer | Uint8Array | ArrayBuffer, revision?: string): void;
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
    datasets: new Map(),
    addDatasetFile(repo, file, body, revision = 'main') {
      const revs = hub.datasets.get(repo) ?? new Map<string, Map<string, Buffer>>();
      const files = revs.get(revision) ?? new Map<string, Buffer>();
      files.set(file, Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body));
      revs.set(revision, files);
      // A dataset repo always has a main branch, even when all its Parquet lives on the conversion branch.
      if (!revs.has('main')) revs.set('main', new Map());
      hub.datasets.set(repo, revs);
    },
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
    // Revisions may hold slashes (refs/convert/parquet): decoded above, so match that one by name.
    const REV = '(refs/convert/parquet|[^/]+)';
    const dsApi = new RegExp(`^/api/datasets/([^/]+/[^/]+)(?:/revision/${REV})?$`).exec(path);
    const dsResolve = new RegExp(`^/datasets/([^/]+/[^/]+)/resolve/${REV}/(.+)$`).exec(path);
    const api = dsApi || dsResolve ? null : /^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/([^/]+))?$/.exec(path);
    const resolve = dsApi || dsResolve ? null : /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repo = dsApi?.[1] ?? dsResolve?.[1] ?? api?.[1] ?? resolve?.[1];
    const known = dsApi || dsResolve ? hub.datasets.has(repo ?? '') : hub.repos.has(repo ?? '');
    if (!repo || !known) { res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end(); return; }
    const needs = hub.gated.get(repo);
    if (needs !== undefined && req.headers.authorization !== `Bearer ${needs}`) { res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end(); return; }
    const files = dsApi || dsResolve ? hub.datasets.get(repo)!.get(dsApi?.[2] ?? dsResolve?.[2] ?? 'main') : hub.repos.get(repo)!;
    if (!files) { res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end(); return; }
    if (api || dsApi) {
      const body = JSON.stringify({ id: repo, siblings: [...files.keys()].map((rfilename) => ({ rfilename })) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const body = files.get(dsResolve ? dsResolve[3]! : resolve![3]!);
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
