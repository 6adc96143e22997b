/**
 * Hash routes (#/runs, #/runs/<id>, #/compare?runs=1,2, ...): they work the
 * same from app:// and from the web server, and need no server-side fallback.
 */
export const ROUTES = [
  { id: 'runs', label: 'Runs' },
  { id: 'new', label: 'New run' },
  { id: 'compare', label: 'Compare' },
  { id: 'models', label: 'Models' },
  { id: 'datasets', label: 'Datasets' },
  { id: 'settings', label: 'Settings' },
] as const;
export type RouteId = (typeof ROUTES)[number]['id'];

export interface ParsedRoute {
  id: RouteId;
  /** The path segment after the id, e.g. the run id of #/runs/12. */
  arg: string | null;
  query: URLSearchParams;
}

export function parseHash(hash: string): ParsedRoute {
  const rest = hash.replace(/^#\/?/, '');
  const [path = '', q = ''] = rest.split('?', 2);
  const [id = '', arg = null] = path.split('/');
  const known = ROUTES.find((r) => r.id === id)?.id;
  return { id: known ?? 'runs', arg: known && arg ? decodeURIComponent(arg) : null, query: new URLSearchParams(q) };
}

const first = parseHash(location.hash);
export const route = $state({ id: first.id as RouteId, arg: first.arg, query: first.query.toString() });

addEventListener('hashchange', () => {
  const p = parseHash(location.hash);
  route.id = p.id;
  route.arg = p.arg;
  route.query = p.query.toString();
});

export function navigate(id: RouteId, arg?: string, query?: Record<string, string>): void {
  const q = query ? `?${new URLSearchParams(query).toString()}` : '';
  location.hash = `#/${id}${arg ? `/${encodeURIComponent(arg)}` : ''}${q}`;
}

export function runHref(runId: string): string {
  return `#/runs/${encodeURIComponent(runId)}`;
}
