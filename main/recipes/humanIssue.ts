/**
 * Schema issues as people say them: "must be at least 0", not zod's "Too
 * small: expected number to be >=0". Keyed by zod 4's issue codes
 * (node_modules/zod/v4/core/errors.ts: too_small carries minimum/inclusive/
 * origin, invalid_type expected, invalid_value values); anything else keeps
 * zod's own message.
 */
interface Issue { code: string; message: string; [k: string]: unknown }

const list = (vs: unknown[]) => vs.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ');

export function humanIssue(issue: Issue): string {
  const origin = issue.origin as string | undefined;
  const n = issue.minimum ?? issue.maximum;
  const count = origin === 'array' || origin === 'set' ? 'item' : origin === 'string' ? 'character' : null;
  const plural = (k: unknown, w: string) => `${String(k)} ${w}${Number(k) === 1 ? '' : 's'}`;
  switch (issue.code) {
    case 'too_small':
      if (count) return `needs at least ${plural(n, count)}`;
      return issue.inclusive === false ? `must be more than ${String(n)}` : `must be at least ${String(n)}`;
    case 'too_big':
      if (count) return `allows at most ${plural(n, count)}`;
      return issue.inclusive === false ? `must be less than ${String(n)}` : `must be at most ${String(n)}`;
    case 'invalid_type': {
      // zod 4 leaves the input out of issues unless asked (reportInput); its message names what it received.
      if ((/received (\w+)/.exec(issue.message)?.[1] ?? '') === 'undefined') return 'is required';
      const expected = String(issue.expected);
      if (expected === 'int') return 'must be a whole number';
      return `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
    }
    case 'invalid_value':
      return Array.isArray(issue.values) && issue.values.length > 1 ? `must be one of ${list(issue.values)}` : `must be ${list((issue.values as unknown[]) ?? [])}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `unknown field${(issue.keys as unknown[]).length === 1 ? '' : 's'} ${list(issue.keys as unknown[])}: remove or rename ${(issue.keys as unknown[]).length === 1 ? 'it' : 'them'}`;
    default:
      return issue.message;
  }
}
