/**
 * Takes the web-mode token from `#token=...` once, keeps it in
 * sessionStorage (so a reload in the same tab still works) and removes it
 * from the address bar, history and any screenshot or screen share.
 */
const KEY = 'clipo.token';

export function takeWebToken(): string | null {
  const match = /^#token=([0-9a-fA-F]{16,256})$/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search + '#/runs');
    return match[1];
  }
  return sessionStorage.getItem(KEY);
}

export function forgetWebToken(): void {
  sessionStorage.removeItem(KEY);
}

/** The token of this tab (web mode), for the one non-JSON call: the dataset upload. */
export function currentWebToken(): string | null {
  return sessionStorage.getItem(KEY);
}
