/**
 * The renderer's Content-Security-Policy, shared by web mode (HTTP header)
 * and Electron (response header on app://). No 'unsafe-inline' anywhere:
 * Svelte's component CSS is emitted as a file by vite and runtime style
 * changes go through CSSOM, which CSP does not restrict.
 */
export function contentSecurityPolicy(connectSrc: string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connectSrc].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
