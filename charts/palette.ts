/**
 * Okabe–Ito: eight colours distinguishable with the common colour-vision
 * deficiencies. Series also differ by dash pattern, and scatter classes by
 * marker shape, so colour is never the only cue.
 */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] as const;
/** Dark theme: same hues, black replaced by a light grey. */
export const OKABE_ITO_DARK = ['#56B4E9', '#E69F00', '#009E73', '#CC79A7', '#0072B2', '#D55E00', '#F0E442', '#DDDDDD'] as const;
export const DASHES = ['', '6 3', '2 2', '8 3 2 3', '1 3', '10 4'] as const;
export const CORRECT_COLOUR = '#0072B2';
export const INCORRECT_COLOUR = '#D55E00';

export function seriesColour(i: number, dark = false): string {
  const p = dark ? OKABE_ITO_DARK : OKABE_ITO;
  return p[i % p.length]!;
}
export function seriesDash(i: number): string {
  return DASHES[i % DASHES.length]!;
}
