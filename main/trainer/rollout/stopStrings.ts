/**
 * Stop strings end a completion once its text contains one. Checked after every
 * token on the detokenised tail only (O(1) per token instead of O(length)): a stop
 * string of m characters completed by the newest token lies within its last 4m
 * tokens (every token is at least one byte, a character at most four), and any
 * earlier occurrence would have ended the completion earlier.
 */
export function stopTailTokens(stops: string[]): number {
  return stops.length ? 4 * Math.max(...stops.map((s) => s.length)) + 1 : 0;
}

export function endsWithStop(text: string, stops: string[]): boolean {
  return stops.some((s) => s.length > 0 && text.includes(s));
}
