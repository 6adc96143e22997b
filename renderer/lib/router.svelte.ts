/**
 * Hash routes (#/runs, #/new, ...): they work the same from app:// and from
 * the web server, and need no server-side fallback.
 */
export const ROUTES = [
  { id: 'runs', label: 'Runs' },
  { id: 'new', label: 'New run' },
  { id: 'models', label: 'Models' },
  { id: 'datasets', label: 'Datasets' },
  { id: 'settings', label: 'Settings' },
] as const;
export type RouteId = (typeof ROUTES)[number]['id'];

function parse(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/, 1)[0];
  return ROUTES.find((r) => r.id === id)?.id ?? 'runs';
}

export const route = $state({ id: parse(location.hash) });

addEventListener('hashchange', () => {
  route.id = parse(location.hash);
});

export function navigate(id: RouteId): void {
  location.hash = `#/${id}`;
}
