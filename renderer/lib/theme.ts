/**
 * Applies a theme by setting `data-theme` on <html>; the CSS variables in
 * app.css do the rest. 'system' follows prefers-color-scheme live.
 */
import type { ThemeName } from '../../main/api/contract/index.js';

const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
let current: ThemeName = 'system';

function resolved(theme: ThemeName): 'light' | 'dark' {
  if (theme !== 'system') return theme;
  return media?.matches ? 'dark' : 'light';
}

export function applyTheme(theme: ThemeName): void {
  current = theme;
  document.documentElement.dataset.theme = resolved(theme);
}

media?.addEventListener('change', () => applyTheme(current));
