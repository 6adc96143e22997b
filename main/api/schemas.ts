/**
 * Runtime validation of every API method's arguments. The map is typed
 * against the contract, so adding a method or changing an argument type
 * without updating its schema fails to compile.
 *
 * Deliberately shallow for recipes: a recipe is any JSON object here; its
 * fields are validated by main/recipes (validateRecipe), which returns
 * per-field errors the form shows instead of rejecting the call.
 */
import { z } from 'zod';
import type { ApiArgs, ApiMethodName, DataSource, RecipeInput, SampleFilter, Settings } from './contract/index.js';
import { isHubFilePath, isHubRepoId, isHubRevision } from '../models/hub/hubUrl.js';

/** Methods that take no arguments accept `{}` (and `undefined`/`null`, normalised by the router). */
const empty = z.strictObject({}) as unknown as z.ZodType<Record<string, never>>;

const id = z.string().min(1, 'must not be empty').max(200, 'is too long');
const runRef = { runId: id };
const filePath = z.string().min(1, 'must not be empty').max(4096, 'is too long');
const step = z.number().int('must be a whole number').min(0, 'must be 0 or more');

// Hugging Face names end up in URLs and local paths: the hub module's own checks (no traversal, no schemes).
const hubRepo = z.string().min(1, 'must not be empty').max(200, 'is too long')
  .refine(isHubRepoId, 'must be a Hugging Face repo id (owner/name), e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF');
const hubFile = z.string().min(1, 'must not be empty').max(255, 'is too long')
  .refine(isHubFilePath, 'must be a file name in the repo, e.g. qwen2.5-0.5b-instruct-q8_0.gguf (no "..", no leading /)');
const hubRevision = z.string().min(1, 'must not be empty').max(100, 'is too long')
  .refine(isHubRevision, 'must be a branch, tag or commit (letters, digits, . _ -)');

const isPlainObject = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const recipe = z.custom<RecipeInput>(isPlainObject, { message: 'must be a recipe object' });

const dotted = z.string().min(1, 'must not be empty').max(200, 'is too long');
const dataSource: z.ZodType<DataSource> = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('builtin'),
    task: id,
    split: z.enum(['train', 'heldout']).optional(),
  }),
  z.strictObject({
    kind: z.literal('jsonl'),
    path: filePath,
    fields: z.strictObject({
      question: dotted,
      answer: dotted,
      choices: dotted.optional(),
      id: dotted.optional(),
    }),
  }),
]);

const sampleFilter: z.ZodType<SampleFilter> = z.strictObject({
  correctness: z.enum(['all', 'correct', 'incorrect']).optional(),
  truncatedOnly: z.boolean().optional(),
  zeroVarianceOnly: z.boolean().optional(),
  search: z.string().max(1000, 'is too long').optional(),
});

const settingsPatch: z.ZodType<Partial<Settings>> = z.strictObject({
  theme: z.enum(['light', 'dark', 'system']).optional(),
  threads: z.number().int('must be a whole number').min(0, 'must be 0 (automatic) or more').max(1024, 'must be 1024 or less').optional(),
  backend: z.enum(['auto', 'cpu', 'cuda', 'metal']).optional(),
  hfToken: z.string().max(400, 'is too long').optional(),
});

export const apiArgSchemas: { [M in ApiMethodName]: z.ZodType<ApiArgs<M>> } = {
  'app.info': empty,
  'settings.get': empty,
  'settings.set': settingsPatch,

  'recipes.presets': empty,
  'recipes.form': empty,
  'recipes.validate': z.strictObject({ recipe }),
  'recipes.preflight': z.strictObject({ recipe }),

  'runs.list': empty,
  'runs.get': z.strictObject(runRef),
  'runs.create': z.strictObject({ recipe, start: z.boolean() }),
  'runs.pause': z.strictObject(runRef),
  'runs.resume': z.strictObject(runRef),
  'runs.stop': z.strictObject(runRef),
  'runs.duplicate': z.strictObject({ ...runRef, name: z.string().min(1).max(200).optional() }),
  'runs.delete': z.strictObject({
    ...runRef,
    confirm: z.literal(true, { error: 'must be true (deleting a run cannot be undone)' }),
  }),
  'runs.metrics': z.strictObject({
    ...runRef,
    names: z.array(z.string().min(1).max(200)).max(200).optional(),
    maxPoints: z.number().int().min(2, 'must be 2 or more').max(100_000).optional(),
  }),
  'runs.steps': z.strictObject(runRef),
  'runs.samples': z.strictObject({
    ...runRef,
    step,
    filter: sampleFilter.optional(),
    offset: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(1000, 'must be 1000 or less').optional(),
  }),
  'runs.embeddings': z.strictObject({ ...runRef, step, kind: z.enum(['head', 'pooled']) }),
  'runs.compare': z.strictObject({
    runIds: z.array(id).min(1, 'choose at least one run').max(16, 'compare at most 16 runs'),
    names: z.array(dotted).min(1, 'choose at least one metric').max(64, 'at most 64 metrics'),
    maxPoints: z.number().int().min(2).max(100_000).optional(),
  }),
  'runs.export': z.strictObject({
    ...runRef,
    format: z.enum(['gguf', 'peft', 'ollama', 'merged-gguf', 'verl']),
    outDir: filePath,
    checkpoint: step.optional(),
    overwrite: z.boolean().optional(),
  }),
  'runs.evaluate': z.strictObject({
    ...runRef,
    checkpoint: z.union([z.literal('base'), z.literal('latest'), step]),
    dataset: dataSource,
    k: z.number().int().min(1).max(1024),
    temperature: z.number().min(0).max(4),
    limit: z.number().int().min(1).max(1_000_000).optional(),
  }),
  'runs.evaluations': z.strictObject(runRef),
  'runs.alarms': z.strictObject(runRef),

  'models.list': empty,
  'models.inspect': z.strictObject({ path: filePath }),
  'models.add': z.strictObject({ path: filePath }),
  'models.remove': z.strictObject({ id }),
  'models.download': z.strictObject({ repo: hubRepo, file: hubFile, revision: hubRevision.optional() }),
  'models.downloadCancel': z.strictObject({ jobId: id }),
  'models.downloads': empty,
  'models.hubFiles': z.strictObject({ repo: hubRepo, revision: hubRevision.optional() }),

  'datasets.list': empty,
  'datasets.preview': z.strictObject({
    source: dataSource,
    systemPrompt: z.string().max(20_000).optional(),
    suffix: z.string().max(20_000).optional(),
    count: z.number().int().min(1).max(100, 'must be 100 or less').optional(),
  }),
};
