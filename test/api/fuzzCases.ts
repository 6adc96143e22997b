/**
 * Seeded hostile arguments for every API method: wrong types for each field,
 * missing fields, huge strings, prototype-pollution keys (`__proto__`,
 * `constructor.prototype`) at the top and nested. The field names come from
 * the method's own zod schema, so a new method or field is fuzzed without
 * touching this file.
 */
import type { z } from 'zod';
import { API_METHOD_NAMES } from '../../main/api/contract/index.js';
import { apiArgSchemas } from '../../main/api/schemas.js';

export interface FuzzCase { method: string; body: string; label: string }

const fieldsOf = (method: string): string[] => {
  const def = (apiArgSchemas[method as keyof typeof apiArgSchemas] as unknown as { def: { shape?: Record<string, z.ZodType> } }).def;
  return Object.keys(def.shape ?? {});
};

/** JSON text, so `__proto__` survives as an own key the way it arrives over the wire. */
const POLLUTION = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":{"toString":"x","valueOf":1}}',
];

export function fuzzCases(rnd: () => number, opts: { perMethod: number; hugeBytes: number }): FuzzCase[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const huge = (n: number) => JSON.stringify('A'.repeat(n - 2));
  const wrong = (): string => pick([
    '42', '-1', '1e308', '-0', '0.5', 'true', 'false', 'null', '""', '"x"', '[]', '[1,"a",null]', '{}', '{"a":{"b":{"c":[]}}}',
    '"../../../../etc/passwd"', '"\\u0000"', '"🦙\\ud800"', '"/proc/self/mem"', '"/dev/zero"', '"/dev/null/x"',
    huge(opts.hugeBytes), JSON.stringify(Array.from({ length: 2000 }, (_, i) => i)), pick(POLLUTION),
  ]);
  const cases: FuzzCase[] = [];
  for (const method of API_METHOD_NAMES) {
    const fields = fieldsOf(method);
    const add = (body: string, label: string) => cases.push({ method, body, label });
    // Not an object at all, and pollution at the top level.
    add(pick(['42', '"str"', '[]', 'true', '[{}]']), 'not an object');
    for (const p of POLLUTION) add(p, 'pollution at the top');
    add(`{"${pick(fields.length ? fields : ['x'])}":1,"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}`, 'pollution beside a field');
    add('{}', 'every field missing');
    for (let i = 0; i < opts.perMethod; i++) {
      // A random subset of the real fields, each with a wrong (or odd) value; sometimes an unknown key too.
      const kv = fields.filter(() => rnd() < 0.7).map((f) => `"${f}":${wrong()}`);
      if (rnd() < 0.3) kv.push(`"${pick(['__proto__', 'constructor', 'prototype', 'toString', 'runID', 'x'.repeat(300)])}":${wrong()}`);
      add(`{${kv.join(',')}}`, `random fields #${i}`);
    }
  }
  // Method names that look like object internals or odd encodings.
  for (const method of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'runs.list/../app.info', '%2e%2e', 'runs.%00list', 'x'.repeat(5000)])
    cases.push({ method, body: '{}', label: 'odd method name' });
  return cases;
}
