// The router is the only gate between untrusted input (IPC, HTTP) and the
// services: these tests pin its promises (validation with dotted fields,
// typed error mapping, no leaked stacks, never throwing).
import { describe, expect, it, vi } from 'vitest';
import { API_METHOD_NAMES, ApiError, type ApiErrorBody, type ApiResult } from '../../main/api/contract/index.js';
import type { ApiHandlers } from '../../main/api/ApiHandlers.js';
import { apiArgSchemas } from '../../main/api/schemas.js';
import { createRouter } from '../../main/api/router.js';

function fakeHandlers(overrides: Partial<ApiHandlers> = {}): ApiHandlers {
  const handlers: Record<string, unknown> = {};
  for (const m of API_METHOD_NAMES) handlers[m] = async (args: unknown) => ({ echoed: m, args });
  return { ...(handlers as ApiHandlers), ...overrides };
}

function errorOf(result: ApiResult<unknown>): ApiErrorBody {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

describe('createRouter', () => {
  const route = createRouter(fakeHandlers());

  it('dispatches a valid call to its handler with the parsed args', async () => {
    expect(await route('runs.get', { runId: 'r1' })).toEqual({ ok: true, value: { echoed: 'runs.get', args: { runId: 'r1' } } });
  });

  it('treats missing args of an argument-less method as {}', async () => {
    expect((await route('runs.list', undefined)).ok).toBe(true);
    expect((await route('app.info', null)).ok).toBe(true);
  });

  it('answers not_found for unknown methods, including prototype keys', async () => {
    for (const m of ['runs.nope', '__proto__', 'constructor', 'toString', '']) {
      expect(errorOf(await route(m, {})).code).toBe('not_found');
    }
  });

  it('reports the dotted path of an invalid field', async () => {
    const e = errorOf(await route('datasets.preview', { source: { kind: 'jsonl', path: '/x.jsonl', fields: { question: 'q', answer: 5 } } }));
    expect(e).toMatchObject({ code: 'invalid_argument', field: 'source.fields.answer' });
    expect(e.message).toMatch(/^source\.fields\.answer: /);
  });

  it('names an unknown key (a typo) as the field', async () => {
    const e = errorOf(await route('runs.get', { runID: 'r1' }));
    expect(e.code).toBe('invalid_argument');
    expect(['runId', 'runID']).toContain(e.field);
  });

  it('rejects args to argument-less methods and non-object args', async () => {
    expect(errorOf(await route('runs.list', { x: 1 })).code).toBe('invalid_argument');
    expect(errorOf(await route('runs.get', 'r1')).code).toBe('invalid_argument');
    expect(errorOf(await route('runs.get', [1, 2])).code).toBe('invalid_argument');
  });

  it('requires confirm: true to delete a run', async () => {
    const e = errorOf(await route('runs.delete', { runId: 'r1', confirm: false }));
    expect(e).toMatchObject({ code: 'invalid_argument', field: 'confirm' });
    expect(e.message).toContain('cannot be undone');
  });

  it('validates settings.set field by field', async () => {
    expect(errorOf(await route('settings.set', { theme: 'purple' })).field).toBe('theme');
    expect(errorOf(await route('settings.set', { threads: 1.5 })).field).toBe('threads');
    expect((await route('settings.set', { theme: 'dark' })).ok).toBe(true);
  });

  it('passes a recipe object through for main/recipes to validate, but not a non-object', async () => {
    expect((await route('recipes.validate', { recipe: { algorithm: { objective: 'bogus' } } })).ok).toBe(true);
    expect(errorOf(await route('recipes.validate', { recipe: 'grpo' })).field).toBe('recipe');
  });

  it('keeps the code, message and field of errors thrown with a contract code', async () => {
    const r = createRouter(fakeHandlers({
      'runs.get': async () => {
        throw new ApiError({ code: 'not_found', message: 'No run r9', field: 'runId' });
      },
      'runs.pause': async () => {
        throw Object.assign(new Error('Run is not running'), { code: 'conflict' });
      },
    }));
    expect(errorOf(await r('runs.get', { runId: 'r9' }))).toEqual({ code: 'not_found', message: 'No run r9', field: 'runId' });
    expect(errorOf(await r('runs.pause', { runId: 'r1' }))).toEqual({ code: 'conflict', message: 'Run is not running' });
  });

  it('translates the store\'s codes and filesystem errno codes', async () => {
    const r = createRouter(fakeHandlers({
      'runs.get': async () => {
        throw Object.assign(new Error('disk full: free space'), { code: 'DISK_FULL' });
      },
      'models.inspect': async () => {
        throw Object.assign(new Error("ENOENT: no such file, open '/m.gguf'"), { code: 'ENOENT' });
      },
    }));
    expect(errorOf(await r('runs.get', { runId: 'r1' })).code).toBe('unavailable');
    expect(errorOf(await r('models.inspect', { path: '/m.gguf' })).code).toBe('not_found');
  });

  it('turns Node\'s raw file-system messages into what happened to which path and what to do (no "EISDIR: …")', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/clipo-errno-`);
    const r = createRouter(fakeHandlers({
      // A real EISDIR from the OS, as a handler reading a folder chosen as a file would get.
      'models.inspect': async ({ path }) => { readFileSync(path); throw new Error('unreachable'); },
    }));
    const e = errorOf(await r('models.inspect', { path: dir }));
    expect(e.code).toBe('invalid_argument');
    expect(e.message).toBe(`${dir} is a folder, not a file: choose the file inside it`);
    const gone = errorOf(await r('models.inspect', { path: `${dir}/nope.gguf` }));
    expect(gone.message).toBe(`${dir}/nope.gguf does not exist (moved or deleted?): choose it again`);
  });

  it('maps unexpected exceptions to internal without a stack trace', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const r = createRouter(fakeHandlers({
      'runs.list': async () => {
        throw new TypeError('boom\n    at secret (/home/me/code.ts:1:1)');
      },
      'runs.steps': () => {
        throw 'a string'; // handlers that throw synchronously, and non-Errors
      },
    }));
    const e = errorOf(await r('runs.list', {}));
    expect(e.code).toBe('internal');
    expect(e.message).toContain('boom');
    expect(e.message).not.toContain('secret');
    expect(e.message).not.toMatch(/\bat\b.*:\d+:\d+/);
    expect(errorOf(await r('runs.steps', { runId: 'r1' })).code).toBe('internal');
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  it('never rejects, whatever it is given', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const inputs: unknown[] = [undefined, null, 0, 'x', [], {}, { runId: {} }, Object.create(null), { __proto__: { runId: 'x' } }];
    for (const method of [...API_METHOD_NAMES, 'nope', 42 as unknown as string]) {
      for (const args of inputs) await expect(route(method, args)).resolves.toHaveProperty('ok');
    }
    spy.mockRestore();
  });
});

describe('apiArgSchemas', () => {
  it('has a schema for every method and nothing else', () => {
    expect(Object.keys(apiArgSchemas).sort()).toEqual([...API_METHOD_NAMES].sort());
  });

  it('accepts typical arguments', () => {
    const ok: Partial<Record<string, unknown>> = {
      'runs.samples': { runId: 'r', step: 3, filter: { correctness: 'incorrect', search: 'x' }, offset: 0, limit: 50 },
      'runs.metrics': { runId: 'r', names: ['reward/mean'], maxPoints: 500 },
      'runs.embeddings': { runId: 'r', step: 0, kind: 'head' },
      'runs.create': { recipe: { name: 'demo' }, start: true },
      'datasets.preview': { source: { kind: 'builtin', task: 'arith', split: 'heldout' }, count: 5 },
      'models.add': { path: '/models/a.gguf' },
    };
    for (const [m, args] of Object.entries(ok)) {
      expect(apiArgSchemas[m as keyof typeof apiArgSchemas].safeParse(args).success, m).toBe(true);
    }
  });
});
