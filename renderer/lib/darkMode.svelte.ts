/**
 * Whether the page is dark right now, as reactive state: follows `data-theme`
 * on <html> live (Settings, the system theme, anything that sets it), so chart
 * palettes switch with the CSS variables instead of keeping the colours of the
 * theme they were first drawn in.
 */
const isDark = (): boolean => typeof document !== 'undefined' && document.documentElement.dataset.theme === 'dark';

const state = $state({ dark: isDark() });
if (typeof MutationObserver === 'function' && typeof document !== 'undefined') {
  new MutationObserver(() => { state.dark = isDark(); }).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
}

export const darkMode = (): boolean => state.dark;
