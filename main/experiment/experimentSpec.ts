/**
 * The experiment spec (`clipo experiment <spec.json>`): one model and one
 * built-in task, a grid of arms (recipe overrides: algorithm, CLIPO, ...)
 * × seeds, each trained for the same number of steps and evaluated on the
 * same splits. Strict: an unknown key is refused naming it (a typo such as
 * "seed" for "seeds" would otherwise silently run the defaults). Bounded:
 * at most 8 arms × 10 seeds and 2,000 evaluation problems per split.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { humanIssue } from '../recipes/humanIssue.js';
import { PERTURBATIONS } from '../data/tasks/perturbArithWord.js';

const plainObject = z.record(z.string(), z.unknown());

export const experimentSpecSchema = z.strictObject({
  /** Shown in run names ("<name> · <arm> · seed N") and the report title. */
  name: z.string().min(1).max(60).regex(/^[^·\n]+$/, 'must not contain "·" or a line break (it separates the parts of run names)'),
  description: z.string().max(4000).optional(),
  /** A preset id (`clipo train` presets) or a recipe object; arms override it. */
  base: z.union([z.string().min(1), plainObject]),
  /** A built-in model name (e.g. "tiny-demo", "arith-reasoner") or a GGUF path; `--model` overrides it. */
  model: z.string().min(1),
  /** A built-in procedural task (arith-word, tiny-demo). */
  task: z.string().min(1),
  arms: z.array(z.strictObject({
    label: z.string().min(1).max(40).regex(/^[^·\n]+$/, 'must not contain "·" or a line break'),
    /** Deep-merged over the base recipe (objects merge, arrays and values replace). */
    recipe: plainObject.default({}),
  })).min(1).max(8).refine((a) => new Set(a.map((x) => x.label)).size === a.length, 'arm labels must be different'),
  /** training.seed (and the LoRA init seed) of each repetition. */
  seeds: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(10).refine((s) => new Set(s).size === s.length, 'seeds must be different'),
  steps: z.number().int().min(1).max(100_000),
  eval: z.strictObject({
    /** Task splits besides train, e.g. ["test", "test-ood"]. */
    splits: z.array(z.string().min(1)).min(1).max(8),
    /** Perturbed copies of the first split (arith-word only): rename, renumber, distract. */
    perturbations: z.array(z.enum(PERTURBATIONS)).max(PERTURBATIONS.length).default([]),
    /** Problems per split (the same problems for every run). */
    limit: z.number().int().min(1).max(2000),
    /** Samples per problem for pass@k (at `temperature`); pass@1 is also measured greedily. */
    samples: z.number().int().min(1).max(64),
    k: z.number().int().min(1).max(64),
    temperature: z.number().min(0.01).max(2).default(0.6),
    /**
     * Also evaluate the model before RL (the first arm's run at checkpoint 'base': its model, prompt and reward,
     * no adapter) on the same splits, as the report's reference row with each arm's paired difference to it.
     */
    base: z.boolean().default(true),
  }).refine((e) => e.k <= e.samples, { message: 'k must be at most samples (pass@k needs k of the n samples)', path: ['k'] }),
  figures: z.strictObject({
    /** 1-based steps (as the UI counts) at which the embedding scatter is drawn; the nearest stored step is used. */
    scatterSteps: z.array(z.number().int().min(1)).max(6).default([]),
    /** Which embedding to scatter: the CLIPO head's (falls back to pooled states for arms without CLIPO) or pooled states. */
    embedding: z.enum(['head', 'pooled']).default('head'),
  }).prefault({}),
});

export type ExperimentSpec = z.infer<typeof experimentSpecSchema>;

export class SpecError extends Error {
  constructor(message: string, readonly errors: { field: string; message: string }[] = []) {
    super(message);
    this.name = 'SpecError';
  }
}

export function parseExperimentSpec(input: unknown, source = 'experiment spec'): ExperimentSpec {
  const r = experimentSpecSchema.safeParse(input);
  if (r.success) return r.data;
  const errors = r.error.issues.flatMap((i) => {
    const at = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: at ? `${at}.${k}` : k, message: `unknown key "${k}"` }));
    return [{ field: at || '(spec)', message: humanIssue(i as unknown as Parameters<typeof humanIssue>[0]) }];
  });
  throw new SpecError(`invalid ${source}:\n${errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}`, errors);
}

export function loadExperimentSpec(path: string): ExperimentSpec {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new SpecError(`cannot read the experiment spec ${path}: ${(e as Error).message}`); }
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { throw new SpecError(`${path} is not valid JSON: ${(e as Error).message}`); }
  return parseExperimentSpec(json, `experiment spec ${path}`);
}

/** The evaluation datasets of a spec, as `clipo eval --dataset` strings, in report order. */
export function evalSpecs(spec: ExperimentSpec): string[] {
  const first = spec.eval.splits[0]!;
  const out = spec.eval.splits.map((s) => `${spec.task}:${s}`);
  out.splice(1, 0, ...spec.eval.perturbations.map((p) => `${spec.task}:${first}+${p}`));
  return out;
}

/** What a split measures, for table headings. */
export function splitTitle(split: string): string {
  if (split === 'test') return 'in-distribution (test)';
  if (split === 'test-ood') return 'held-out templates (test-ood)';
  const m = /^(.+)\+(\w+)$/.exec(split);
  if (m) return `perturbed: ${m[2]} (${split})`;
  return split;
}
