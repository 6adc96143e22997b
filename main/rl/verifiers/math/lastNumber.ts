/**
 * The last (or first) number written in a text: optional minus (ASCII or
 * Unicode), digits with optional thousands commas, optional decimals. Used by
 * gsm8k's fallback, like verl's gsm8k "flexible" extraction. Returns the
 * number with commas removed, or null; numbers over 100 characters are not
 * numbers anyone means, so they give null.
 *
 * Deliberately not here: fractions or LaTeX (`\frac`), which need a box.
 * One linear regex scan over the text.
 */
export function lastNumber(text: string, which: 'first' | 'last'): string | null {
  const re = /[-\u2212]?\d(?:,?\d)*(?:\.\d+)?/g;
  let found: string | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    found = m[0];
    if (which === 'first') break;
  }
  if (found === null || found.length > 100) return null;
  return found.replace(/\u2212/, '-').replace(/,/g, '');
}
