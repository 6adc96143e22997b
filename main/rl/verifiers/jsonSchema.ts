/**
 * Shaping reward for structured output: `reward` when the answer is valid JSON
 * and conforms to `schema`, else 0 with the first violation as the reason.
 * The JSON is the last ```json (or plain ```) fenced block after any
 * </think>, else the whole trimmed answer.
 *
 * The schema language is a documented subset of JSON Schema (draft 2020-12
 * keywords with their standard meaning): type (one or a list), enum, const,
 * properties, required, additionalProperties (boolean or a schema), items,
 * minItems, maxItems, minLength, maxLength, minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum; title, description, $schema and default
 * are ignored. Any other keyword (pattern, $ref, oneOf, ...) is refused with a
 * reason rather than silently ignored. A small hand-written checker rather
 * than a library because main/rl admits no dependencies beyond mathjs, and
 * this subset is ~80 lines; `pattern` is left out because a user regex on
 * model output needs the sandbox's time limit (regexMatch does that).
 *
 * Bounded: validation recurses only as deep as the schema (at most 32 levels),
 * and each level visits each value once.
 */
import { defineVerifier } from './defineVerifier.js';
import { afterThink } from './math/afterThink.js';

export interface JsonSchemaParams {
  /** The schema (the subset above). Default {} (any valid JSON). */
  schema: object;
  /** Reward for valid, conforming JSON. Default 1. */
  reward: number;
}

const KNOWN = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems',
  'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'title', 'description', '$schema', 'default',
]);
const MAX_DEPTH = 32;

export const jsonSchema = defineVerifier<JsonSchemaParams>(
  'jsonSchema',
  'shaping',
  { schema: {}, reward: 1 },
  (input, p) => {
    const text = jsonText(afterThink(input.completion));
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      return { value: 0, reason: `json: not valid JSON (${(e as Error).message.slice(0, 80)})` };
    }
    const problem = check(p.schema, data, '$', 0);
    return problem === null ? { value: p.reward, reason: 'json: valid' } : { value: 0, reason: `json: ${problem}` };
  },
  {
    summary: 'Rewards an answer that is valid JSON conforming to a schema (a documented subset of JSON Schema: type, enum, const, properties, required, additionalProperties, items, min/max lengths, items and values). The JSON is the last ```json block, else the whole answer.',
    params: {
      schema: { type: 'json', help: 'A JSON Schema using only the supported keywords; {} accepts any valid JSON.' },
      reward: { type: 'number', help: 'Reward for valid, conforming JSON.' },
    },
  },
);

function jsonText(answer: string): string {
  const fence = answer.lastIndexOf('```');
  if (fence > 0) {
    const open = answer.lastIndexOf('```', fence - 1);
    if (open >= 0) return answer.slice(open + 3, fence).replace(/^json\b/i, '').trim();
  }
  return answer.trim();
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function matchesType(v: unknown, t: unknown): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  if (t === 'number') return typeof v === 'number';
  return typeOf(v) === t;
}

/** The first violation at `path`, or null. Throws on an unsupported keyword (defineVerifier turns that into a reason). */
function check(schema: unknown, v: unknown, path: string, depth: number): string | null {
  if (schema === true || schema === undefined) return null;
  if (schema === false) return `${path} is not allowed`;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error(`schema at ${path} is not an object`);
  if (depth > MAX_DEPTH) throw new Error('schema nested too deeply');
  const s = schema as Record<string, unknown>;
  const unknown = Object.keys(s).filter((k) => !KNOWN.has(k));
  if (unknown.length) throw new Error(`schema keyword ${unknown.join(', ')} is not supported (see docs/VERIFIERS.md)`);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => matchesType(v, t))) return `${path} should be ${types.join(' or ')}, not ${typeOf(v)}`;
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, v))) return `${path} should be one of ${JSON.stringify(s.enum).slice(0, 80)}`;
  if ('const' in s && !deepEqual(s.const, v)) return `${path} should be ${JSON.stringify(s.const).slice(0, 80)}`;
  if (typeof v === 'string') {
    const n = [...v].length;
    if (typeof s.minLength === 'number' && n < s.minLength) return `${path} is shorter than ${s.minLength}`;
    if (typeof s.maxLength === 'number' && n > s.maxLength) return `${path} is longer than ${s.maxLength}`;
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) return `${path} is below ${s.minimum}`;
    if (typeof s.maximum === 'number' && v > s.maximum) return `${path} is above ${s.maximum}`;
    if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) return `${path} is not above ${s.exclusiveMinimum}`;
    if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) return `${path} is not below ${s.exclusiveMaximum}`;
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) return `${path} has fewer than ${s.minItems} items`;
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) return `${path} has more than ${s.maxItems} items`;
    if (s.items !== undefined) {
      for (let i = 0; i < v.length; i++) {
        const e = check(s.items, v[i], `${path}[${i}]`, depth + 1);
        if (e) return e;
      }
    }
  }
  if (typeOf(v) === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(s.required)) {
      const missing = s.required.find((k) => typeof k === 'string' && !Object.hasOwn(o, k));
      if (missing !== undefined) return `${path} is missing "${String(missing)}"`;
    }
    const props = (s.properties ?? {}) as Record<string, unknown>;
    for (const [k, val] of Object.entries(o)) {
      const sub = Object.hasOwn(props, k) ? props[k] : s.additionalProperties;
      const e = check(sub, val, `${path}.${k}`, depth + 1);
      if (e) return e.endsWith('is not allowed') && !Object.hasOwn(props, k) ? `${path} has an unexpected property "${k}"` : e;
    }
  }
  return null;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
