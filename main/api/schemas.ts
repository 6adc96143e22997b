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
import { MAX_DATA_ROWS, type ApiArgs, type ApiMethodName, type DataSource, type FieldMap, type RecipeInput, type SampleFilter, type Settings } from './contract/index.js';
import { isHubFilePath, isHubRepoId, isHubRevision } from '../models/hub/hubUrl.js';
import { rewardSpecSchema } from '../recipes/rewardSchema.js';

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
const fieldMap: z.ZodType<FieldMap> = z.strictObject({
  question: dotted,
  answer: dotted,
  choices: dotted.optional(),
  id: dotted.optional(),
  answerFormat: z.enum(['text', 'gsm8k', 'boxed', 'choice-index']).optional(),
});
// Hub config and split names: letters, digits, - _ . (they become path segments of the Parquet files).
const hubName = z.string().min(1, 'must not be empty').max(100, 'is too long')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a config or split name (letters, digits, . _ -)');
/** Train on the first N usable rows only (DataSource.maxRows). */
const maxRows = z.number().int().min(1, 'must be at least 1 row').max(MAX_DATA_ROWS, `must be at most ${MAX_DATA_ROWS} rows`).optional();
const dataSource: z.ZodType<DataSource> = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('builtin'),
    task: id,
    split: z.enum(['train', 'heldout']).optional(),
    maxRows,
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
    maxRows,
  }),
  z.strictObject({
    kind: z.literal('dataset'),
    name: id,
    split: id,
    format: z.enum(['jsonl', 'csv', 'parquet']),
    files: z.array(filePath).min(1, 'a dataset split has at least one file').max(10_000),
    fields: fieldMap,
    maxRows,
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
  backend: z.enum(['auto', 'cpu', 'cuda', 'metal', 'vulkan']).optional(),
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
  'runs.start': z.strictObject(runRef),
  'runs.pause': z.strictObject(runRef),
  'runs.resume': z.strictObject(runRef),
  'runs.stop': z.strictObject({ ...runRef, force: z.boolean().optional() }),
  'runs.update': z.strictObject({
    ...runRef,
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    notes: z.string().max(20_000, 'must be at most 20,000 characters').optional(),
    tags: z.array(z.string().trim().min(1, 'a tag must not be empty').max(40, 'a tag must be at most 40 characters')
      .regex(/^[^,\u0000-\u001f]+$/, 'a tag must not contain commas or control characters'))
      .max(16, 'at most 16 tags').optional(),
  }),
  'runs.duplicate': z.strictObject({ ...runRef, name: z.string().min(1).max(200).optional() }),
  'runs.pickFolder': empty,
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
  'runs.projection': z.strictObject({ ...runRef, step, kind: z.enum(['head', 'pooled']) }),
  'runs.searchSamples': z.strictObject({
    ...runRef,
    query: z.string().min(1, 'type something to search for').max(1000, 'is too long (at most 1000 characters)'),
    offset: z.number().int().min(0).max(10_000_000).optional(),
    limit: z.number().int().min(1).max(200, 'must be 200 or less').optional(),
  }),
  'runs.promptSteps': z.strictObject({ ...runRef, prompt: z.string().min(1).max(1_000_000, 'is too long') }),
  'runs.sampleTokens': z.strictObject({ ...runRef, sampleId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
  'runs.exportTensorBoard': z.strictObject({ ...runRef, outDir: filePath, overwrite: z.boolean().optional() }),
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
    reward: rewardSpecSchema.optional(),
  }),
  'runs.evaluations': z.strictObject(runRef),
  'runs.alarms': z.strictObject(runRef),
  'runs.cancelJob': z.strictObject({ ...runRef, job: z.enum(['export', 'evaluate']) }),

  'rewards.components': empty,
  'rewards.defaultFor': z.strictObject({ source: dataSource }),
  'rewards.test': z.strictObject({
    reward: rewardSpecSchema,
    completion: z.string().max(1_000_000, 'is too long (at most 1,000,000 characters)'),
    answer: z.string().max(100_000, 'is too long (at most 100,000 characters)'),
    choices: z.array(z.string().max(10_000, 'is too long')).max(26, 'at most 26 options').optional(),
  }),

  'models.list': empty,
  'models.inspect': z.strictObject({ path: filePath }),
  'models.add': z.strictObject({ path: filePath }),
  'models.pickFile': empty,
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
  'datasets.get': z.strictObject({ id }),
  'datasets.importFile': z.strictObject({ path: filePath, name: id.optional(), split: hubName.optional() }),
  'datasets.pickFile': empty,
  'datasets.hubImport': z.strictObject({
    repo: hubRepo,
    config: hubName.optional(),
    splits: z.array(hubName).min(1, 'choose at least one split').max(20).optional(),
    revision: hubRevision.optional(),
    name: id.optional(),
    preset: id.optional(),
  }),
  'datasets.hubCancel': z.strictObject({ jobId: id }),
  'datasets.hubJobs': empty,
  'datasets.presets': empty,
  'datasets.setMapping': z.strictObject({ id, fields: fieldMap }),
  'datasets.remove': z.strictObject({ id, confirm: z.literal(true, { error: 'must be true (deleting a dataset cannot be undone)' }) }),
  'datasets.promptStats': z.strictObject({
    id, split: id, modelId: id,
    systemPrompt: z.string().max(20_000).optional(),
    suffix: z.string().max(20_000).optional(),
    limit: z.number().int().min(1).max(5000, 'must be 5000 or less').optional(),
  }),

  'playground.prompts': z.strictObject({ ...runRef, count: z.number().int().min(1).max(200, 'must be 200 or less').optional() }),
  'playground.start': z.strictObject({
    ...runRef,
    checkpoint: z.union([z.literal('latest'), step]),
    prompt: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('text'), text: z.string().trim().min(1, 'write a prompt first').max(20_000, 'must be at most 20,000 characters') }),
      z.strictObject({ kind: z.literal('dataset'), index: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(1_000_000) }),
    ]),
    temperature: z.number().min(0, 'must be at least 0').max(2, 'must be at most 2'),
    topP: z.number().gt(0, 'must be more than 0').max(1, 'must be at most 1').optional(),
    maxTokens: z.number().int('must be a whole number').min(1, 'must be at least 1').max(4096, 'must be at most 4096'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  }),
  'playground.cancel': z.strictObject({ sessionId: id }),
};
