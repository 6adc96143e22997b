/**
 * `clipo export` / `runs.export`: turns a run checkpoint into files other tools
 * load (docs/EXPORT.md). Loads the engine (so it lives under main/trainer and
 * runs in the CLI process or a tool child process, never in the UI process):
 * the checkpoint's engine.state gives the exact adapter tensors, written as
 *  - gguf: a GGUF LoRA adapter (llama.cpp / LM Studio / Ollama) with base-model metadata;
 *  - peft: adapter_model.safetensors + adapter_config.json (llama q/k permutation undone);
 *  - ollama: the GGUF adapter + a Modelfile + the `ollama create` command;
 *  - merged-gguf: base + adapter folded into one model file;
 *  - verl: a verl launch bundle (no engine needed).
 * Every format also writes a model card (README.md). Nothing is written outside
 * `outDir`, and nothing is overwritten without `overwrite`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { EngineModel } from '../../../engine/index.js';
import { writePeft } from '../../../engine/ts/peft.js';
import { shownStep, type ExportFormat, type ExportResult, type Recipe } from '../../api/contract/index.js';
import { modelCard, type CardEvaluation } from '../../export/modelCard.js';
import { mergeLoraIntoGguf } from '../../export/mergeLora.js';
import { ollamaCreateCommand, ollamaModelfile, ollamaModelName, templateFamily } from '../../export/modelfile.js';
import { writeFileAtomic } from '../../export/atomicWrite.js';
import { makeDirBounded, planExport, slugify, type ExportPlan } from '../../export/safePath.js';
import { verlBundleFiles, writeVerlBundle } from '../../export/verlBundle.js';
import { readGguf, writeGguf, type GgufValue } from '../../models/gguf/index.js';
import { parseRecipe } from '../../recipes/index.js';
import type { Store } from '../../store/index.js';
import { loadTaskRows, withoutMaxRows } from '../loadTaskRows.js';
import { resolveModelPath } from '../resolveModelPath.js';

export interface ExportRunOptions {
  store: Store;
  dataDir: string;
  runId: number;
  format: ExportFormat;
  outDir: string;
  checkpoint?: number;
  overwrite?: boolean;
  threads?: number;
  /** sha256 of the base model for the metadata/card (default true; reads the whole file once). */
  hashBase?: boolean;
}

const err = (message: string, code: string) => Object.assign(new Error(message), { code });

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The base model's human name: its HF repo id when the GGUF records one, else general.name, else the file name. */
export function baseModelName(md: Record<string, GgufValue>, path: string): string {
  const s = (k: string) => { const v = md[k]; return v && v.type === 'string' ? v.value : undefined; };
  const url = s('general.base_model.0.repo_url') ?? s('general.source.url') ?? s('general.repo_url');
  const m = url ? /huggingface\.co\/([^/\s]+\/[^/\s?#]+)/.exec(url) : null;
  if (m) return m[1]!;
  const org = s('general.base_model.0.organization'), name = s('general.base_model.0.name');
  if (org && name) return `${org}/${name}`;
  return s('general.name') ?? basename(path).replace(/\.gguf$/i, '');
}

export function evaluationsForCard(store: Store, runId: number): CardEvaluation[] {
  return store.evaluations.ofRun(runId).map((e) => ({
    checkpoint: e.checkpointStep === null ? 'base' as const : e.checkpointStep, dataset: e.dataset, split: e.split, metric: e.metric, k: e.k, value: e.value, n: e.n,
  }));
}

/**
 * Runs the writing part of an export; if it fails (a full disk, a killed
 * engine), removes every file it created and every folder planExport created,
 * so a retry finds the folder as before instead of "file(s) already exist".
 * Files that existed before (overwrite) are left as they are.
 */
async function writingInto<T>(plan: ExportPlan, write: (put: (target: string, data: string | Uint8Array) => void) => Promise<T> | T): Promise<T> {
  const existedBefore = new Set(plan.targets.filter((t) => existsSync(t)));
  const dirs = [...plan.createdDirs];
  const put = (target: string, data: string | Uint8Array) => {
    dirs.push(...makeDirBounded(dirname(target))); // e.g. the verl bundle's data/ folder
    writeFileAtomic(target, data);
  };
  try {
    return await write(put);
  } catch (err) {
    for (const t of plan.targets) if (!existedBefore.has(t)) rmSync(t, { force: true });
    for (const d of dirs.reverse()) { try { rmdirSync(d); } catch { /* not empty: something else lives there */ } }
    throw err;
  }
}

export async function exportRun(o: ExportRunOptions): Promise<ExportResult> {
  const run = o.store.runs.get(o.runId);
  const recipe: Recipe = parseRecipe(JSON.parse(run.recipeJson));
  const slug = slugify(run.name, `run-${o.runId}`);

  if (o.format === 'verl') {
    const train = await loadTaskRows(recipe.data, () => undefined);
    const test = recipe.data.kind === 'builtin' ? await loadTaskRows(withoutMaxRows({ ...recipe.data, split: 'heldout' }), () => undefined) : [];
    const plan = planExport(o.outDir, verlBundleFiles(test.length > 0, recipe.algorithm.objective === 'conspo'), o.overwrite ?? false);
    let baseModel: string | undefined;
    if (recipe.model.kind === 'file') { try { baseModel = baseModelName(readGguf(recipe.model.path).metadata, recipe.model.path); } catch { /* keep the placeholder */ } }
    return writingInto(plan, (put) => {
      const files = writeVerlBundle({ root: plan.root, recipe, runName: run.name, train, test, writeFile: put, ...(baseModel ? { baseModel } : {}) });
      return { files, command: `bash ${join(plan.root, 'run_verl.sh')}` };
    });
  }

  const cks = o.store.checkpoints.list(o.runId);
  if (cks.length === 0) throw err(`run ${o.runId} has no checkpoint yet; train it for at least ${recipe.training.checkpointEvery} steps first`, 'not_found');
  const ck = o.checkpoint === undefined ? cks.at(-1)! : cks.find((c) => c.step === o.checkpoint);
  if (!ck) throw err(`run ${o.runId} has no checkpoint after step ${shownStep(o.checkpoint!)}; checkpoints after steps ${cks.map((c) => shownStep(c.step)).join(', ')}`, 'not_found');
  const modelPath = resolveModelPath(recipe, o.dataDir);
  const base = readGguf(modelPath);
  const baseName = baseModelName(base.metadata, modelPath);
  const stem = `${slug}-step${ck.step}`;
  const files: Record<ExportFormat, string[]> = {
    gguf: [`${stem}.gguf`, 'README.md'],
    peft: ['adapter_model.safetensors', 'adapter_config.json', 'README.md'],
    ollama: [`${stem}.gguf`, 'Modelfile', 'README.md'],
    'merged-gguf': [`${stem}-merged.gguf`, 'README.md'],
    verl: [],
  };
  const plan = planExport(o.outDir, files[o.format], o.overwrite ?? false);
  const target = (rel: string) => plan.targets[files[o.format].indexOf(rel)]!;
  const sha = o.hashBase === false ? null : await sha256File(modelPath);

  const engine = await EngineModel.open(modelPath, { threads: o.threads ?? 1 });
  let command: string | null = null;
  const usage: string[] = [];
  try {
    return await writingInto(plan, async (put) => {
      await engine.loadState(join(ck.path, 'engine.state'));
      if (engine.info.trainable === 'full') {
        // Full-parameter SFT (recipe.sft.params 'full'): the checkpoint is a whole model, so only the model GGUF exists.
        if (o.format !== 'merged-gguf') {
          throw err(`run ${o.runId} trained every parameter (full-parameter SFT): there is no adapter to export as ${o.format}; ` +
            'export it as merged-gguf (the complete model)', 'invalid_argument');
        }
        const out = target(`${stem}-merged.gguf`);
        await engine.full.saveGguf(out, { type: 'f32' });
        usage.push(`- Any GGUF runtime: \`llama-cli -m ${basename(out)}\` (every tensor trained, F32)`);
        return finish(put, [out]);
      }
      const lora = engine.lora.info!;
      const layout = engine.lora.tensors();
      const values = await engine.loraParams();
      const arch = engine.info.arch;
      if (o.format === 'gguf' || o.format === 'ollama') {
        const file = target(`${stem}.gguf`);
        writeAdapterGguf(file, { arch, alpha: lora.alpha, layout, values, baseName, baseFile: basename(modelPath), sha, runName: run.name, step: ck.step });
        usage.push(
          `- llama.cpp: \`llama-cli -m ${basename(modelPath)} --lora ${basename(file)}\``,
          `- LM Studio: load ${basename(modelPath)} and add ${basename(file)} as its LoRA adapter`,
          `- node-llama-cpp: \`model.createContext({ lora: { adapters: [{ filePath: '${basename(file)}' }] } })\``,
        );
        if (o.format === 'ollama') {
          const chatTemplate = base.metadata['tokenizer.chat_template'];
          const family = templateFamily(chatTemplate?.type === 'string' ? chatTemplate.value : undefined, recipe.prompt.chatTemplate);
          const mf = target('Modelfile');
          put(mf, ollamaModelfile({ baseModelPath: modelPath, adapterFile: basename(file), family, systemPrompt: recipe.prompt.systemPrompt, stop: recipe.rollout.stop }));
          command = ollamaCreateCommand(ollamaModelName(stem), mf);
          usage.unshift(`- Ollama: \`${command}\` then \`ollama run ${ollamaModelName(stem)}\``);
        }
      } else if (o.format === 'peft') {
        // A fresh folder with a random name (mkdtemp creates it exclusively): nothing planted can redirect it.
        const tmp = mkdtempSync(join(plan.root, '.clipo-peft-'));
        try {
          writePeft(tmp, {
            arch, nHead: engine.info.nHead, nHeadKv: engine.info.nHeadKv, rank: lora.rank, alpha: lora.alpha, baseModel: baseName,
            tensors: layout.map((t) => ({ name: t.name, ne0: t.shape[0], ne1: t.shape[1] })), values,
          });
          renameSync(join(tmp, 'adapter_model.safetensors'), target('adapter_model.safetensors'));
          renameSync(join(tmp, 'adapter_config.json'), target('adapter_config.json'));
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
        usage.push(
          '- Hugging Face PEFT: `PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained("' + baseName + '"), "<this folder>")`',
          '- vLLM: `LLM(model="' + baseName + '", enable_lora=True)` with `LoRARequest("adapter", 1, "<this folder>")`',
        );
      } else if (o.format === 'merged-gguf') {
        let off = 0;
        const tensors = layout.map((t) => { const n = t.shape[0] * t.shape[1]; const data = values.slice(off, off + n); off += n; return { name: t.name, shape: t.shape, data }; });
        const out = target(`${stem}-merged.gguf`);
        const rep = mergeLoraIntoGguf(modelPath, out, { alpha: lora.alpha, tensors }, { 'general.name': `${baseName} + ${run.name} (step ${ck.step})` });
        const conv = [...new Set(rep.merged.filter((m) => m.from !== m.to).map((m) => `${m.from}→${m.to}`))];
        usage.push(`- Any GGUF runtime: \`llama-cli -m ${basename(out)}\` (${rep.merged.length} tensors merged${conv.length ? `; re-encoded ${conv.join(', ')}` : ', same types as the base'})`);
      }
      return finish(put, files[o.format].filter((f) => f !== 'README.md').map(target));
    });
  } finally {
    await engine.dispose();
  }

  function finish(put: (path: string, data: string | Uint8Array) => void, written: string[]): { files: string[]; command: string | null } {
    const metrics = o.store.metrics.latest(o.runId, 1)[0]?.metrics ?? {};
    const card = modelCard({
      runName: run.name, runId: o.runId, step: ck!.step, format: o.format, baseModelName: baseName, baseModelFile: basename(modelPath), baseModelSha256: sha,
      arch: engine.info.arch, recipe, finalMetrics: Object.fromEntries(Object.entries(metrics).filter(([, v]) => v !== null)) as Record<string, number>,
      evaluations: evaluationsForCard(o.store, o.runId), files: written.map((f) => relative(plan.root, f)), usage,
    });
    put(target('README.md'), card);
    return { files: [...written, target('README.md')], command };
  }
}

export interface AdapterGgufInput {
  arch: string;
  alpha: number;
  layout: { name: string; shape: [number, number] }[];
  values: Float32Array;
  baseName: string;
  baseFile: string;
  sha: string | null;
  runName: string;
  step: number;
}

/** The GGUF LoRA adapter llama.cpp loads (ENGINE-NOTES §5), plus base-model provenance keys it ignores. */
export function writeAdapterGguf(path: string, a: AdapterGgufInput): void {
  const str = (value: string): GgufValue => ({ type: 'string', value });
  const md: Record<string, GgufValue> = {
    'general.architecture': str(a.arch),
    'general.type': str('adapter'),
    'general.name': str(`${a.runName} (step ${a.step})`),
    'adapter.type': str('lora'),
    'adapter.lora.alpha': { type: 'f32', value: a.alpha },
    'general.base_model.count': { type: 'u32', value: 1 },
    'general.base_model.0.name': str(a.baseName),
    'clipo.base_model.file': str(a.baseFile),
    'clipo.run.step': { type: 'u32', value: a.step },
  };
  if (a.sha) md['clipo.base_model.sha256'] = str(a.sha);
  let off = 0;
  const tensors = a.layout.map((t) => {
    const n = t.shape[0] * t.shape[1];
    const v = a.values.slice(off, off + n);
    off += n;
    return { name: t.name, shape: [t.shape[0], t.shape[1]], type: 'F32' as const, data: new Uint8Array(v.buffer) };
  });
  writeGguf(path, md, tensors);
}
