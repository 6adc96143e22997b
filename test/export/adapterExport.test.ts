/**
 * Export of a run checkpoint (main/trainer/export/exportRun.ts) against the engine:
 *  - the GGUF adapter loaded in node-llama-cpp gives the engine's log-probs (and carries base-model metadata);
 *  - the PEFT tensors read back from the safetensors file invert to the engine's tensors exactly
 *    (names, shapes, the llama q/k permutation), and adapter_config.json is right (llama and qwen2);
 *  - the merged GGUF gives the same log-probs as base + adapter;
 *  - the Ollama Modelfile names the right files; overwrite needs consent; run names cannot escape.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineModel } from '../../engine/index.js';
import { permuteRows } from '../../engine/ts/peft.js';
import { readGguf, writeTinyModel, type TinyArch } from '../../main/models/gguf/index.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { exportRun } from '../../main/trainer/export/exportRun.js';
import { saveCheckpoint } from '../../main/trainer/trainerState.js';
import { llamaCppLogprobs, tempDir } from '../engine/engineFixtures.js';
import { parseModelfile } from './modelfileParser.js';

const TOKENS = [1, 40, 41, 42, 43, 44, 45, 46, 47, 48];
const RS = 3;
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };

interface Fixture { dataDir: string; store: Store; runId: number; modelPath: string; engine: EngineModel; values: Float32Array; withAdapter: Float32Array; base: Float32Array }

async function runWithCheckpoint(arch: TinyArch, weightType: 'F32' | 'F16' | 'Q8_0' = 'F32'): Promise<Fixture> {
  const dataDir = tempDir('export-');
  const modelPath = join(dataDir, `tiny-${arch}.gguf`);
  writeTinyModel(modelPath, { arch, seed: 11, nLayer: 2, dModel: 64, nHead: 4, nHeadKv: 2, nFf: 128, weightType });
  const store = Store.open(join(dataDir, 'clipo.db'));
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const recipe = parseRecipe({ ...demo, name: '../../etc/evil run', model: { kind: 'file', path: modelPath } });
  const runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: recipe.training.steps });
  const engine = await EngineModel.open(modelPath, { threads: 1 });
  await engine.lora.init({ rank: 4, alpha: 8, seed: 3 });
  const p = await engine.loraParams();
  for (let i = 0; i < p.length; i++) p[i] = 0.2 * Math.sin(i * 0.37 + 1); // nonzero B: the adapter matters
  await engine.setLoraParams(p);
  const runDir = join(dataDir, 'runs', String(runId));
  const c = await saveCheckpoint(runDir, engine, { step: 4, cursor: { epoch: 0, index: 0 }, clipo: null, axes: { head: null, pooled: null } });
  store.checkpoints.add(runId, { step: 4, path: c.path, bytes: c.bytes });
  const seq = [{ tokens: TOKENS, responseStart: RS }];
  const withAdapter = (await engine.forward(seq)).logprobs;
  const base = (await engine.forward(seq, { adapter: false })).logprobs;
  return { dataDir, store, runId, modelPath, engine, values: p, withAdapter, base };
}

describe.each(['qwen2', 'llama'] as const)('export of a %s run', (arch) => {
  let f: Fixture;
  beforeAll(async () => { f = await runWithCheckpoint(arch); });
  afterAll(async () => { await f.engine.dispose(); f.store.close(); });

  it('GGUF adapter: node-llama-cpp gives the engine’s log-probs; metadata names the base', async () => {
    const out = join(f.dataDir, 'out-gguf');
    const r = await exportRun({ store: f.store, dataDir: f.dataDir, runId: f.runId, format: 'gguf', outDir: out });
    expect(r.files.map((x) => x.slice(out.length + 1))).toEqual(['etc-evil-run-step4.gguf', 'README.md']);
    expect(r.command).toBeNull();
    const adapter = r.files[0]!;
    const md = readGguf(adapter).metadata;
    expect(md['general.type']).toEqual({ type: 'string', value: 'adapter' });
    expect(md['general.architecture']).toEqual({ type: 'string', value: arch });
    expect(md['adapter.type']).toEqual({ type: 'string', value: 'lora' });
    expect(md['adapter.lora.alpha']).toEqual({ type: 'f32', value: 8 });
    expect(md['general.base_model.0.name']).toEqual({ type: 'string', value: `clipo-tiny-${arch}` });
    expect((md['clipo.base_model.sha256'] as { value: string }).value).toMatch(/^[0-9a-f]{64}$/);
    const ref = await llamaCppLogprobs(f.modelPath, TOKENS, RS, adapter);
    const err = maxDiff(f.withAdapter, ref);
    console.log(`[${arch}] exported GGUF adapter in node-llama-cpp vs engine: max |Δ log p| = ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
    expect(maxDiff(f.base, ref)).toBeGreaterThan(1e-2);
    const card = readFileSync(r.files[1]!, 'utf8');
    expect(card).toContain('rank 4, alpha 8');
    expect(card).toContain('grpo');
    // refuses to overwrite without consent; allowed with it
    await expect(exportRun({ store: f.store, dataDir: f.dataDir, runId: f.runId, format: 'gguf', outDir: out })).rejects.toMatchObject({ code: 'conflict' });
    await exportRun({ store: f.store, dataDir: f.dataDir, runId: f.runId, format: 'gguf', outDir: out, overwrite: true, hashBase: false });
    expect(readdirSync(out).sort()).toEqual(['README.md', 'etc-evil-run-step4.gguf']); // nothing else, nothing outside
    expect(existsSync(join(f.dataDir, 'etc'))).toBe(false);
  });

  it('PEFT: safetensors tensors invert to the engine tensors exactly; config fields right', async () => {
    const out = join(f.dataDir, 'out-peft');
    const r = await exportRun({ store: f.store, dataDir: f.dataDir, runId: f.runId, format: 'peft', outDir: out, hashBase: false });
    expect(r.files.map((x) => x.slice(out.length + 1))).toEqual(['adapter_model.safetensors', 'adapter_config.json', 'README.md']);
    const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: `clipo-tiny-${arch}`, r: 4, lora_alpha: 8, bias: 'none', use_dora: false, use_rslora: false, fan_in_fan_out: false });
    expect([...cfg.target_modules].sort()).toEqual(['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
    // Read the safetensors file independently of engine/ts/peft.ts.
    const b = readFileSync(join(out, 'adapter_model.safetensors'));
    const n = Number(b.readBigUInt64LE(0));
    const header = JSON.parse(b.subarray(8, 8 + n).toString()) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    const body = b.subarray(8 + n);
    const layout = f.engine.lora.tensors();
    expect(Object.keys(header).filter((k) => k !== '__metadata__')).toHaveLength(layout.length);
    const hf: Record<string, string> = { attn_q: 'self_attn.q_proj', attn_k: 'self_attn.k_proj', attn_v: 'self_attn.v_proj', attn_output: 'self_attn.o_proj', ffn_gate: 'mlp.gate_proj', ffn_up: 'mlp.up_proj', ffn_down: 'mlp.down_proj' };
    const info = f.engine.info;
    let off = 0, permuted = 0;
    for (const t of layout) {
      const [, layer, kind, ab] = /^blk\.(\d+)\.(\w+)\.weight\.lora_([ab])$/.exec(t.name)!;
      const name = `base_model.model.model.layers.${layer}.${hf[kind!]}.lora_${ab!.toUpperCase()}.weight`;
      const h = header[name]!;
      expect(h, name).toBeDefined();
      expect(h.dtype).toBe('F32');
      expect(h.shape).toEqual([t.shape[1], t.shape[0]]); // torch [out, in] of ggml ne [in, out]
      const raw = body.subarray(h.data_offsets[0], h.data_offsets[1]);
      let data: Float32Array = new Float32Array(Uint8Array.from(raw).buffer);
      const isQK = ab === 'b' && (kind === 'attn_q' || kind === 'attn_k');
      if (arch === 'llama' && isQK) { data = permuteRows(data, h.shape[0]!, h.shape[1]!, kind === 'attn_q' ? info.nHead : info.nHeadKv); permuted++; }
      const engineT = f.values.subarray(off, off + t.shape[0] * t.shape[1]);
      off += t.shape[0] * t.shape[1];
      expect(Buffer.from(data.buffer).equals(Buffer.from(engineT.slice().buffer)), `${name} bytes`).toBe(true);
      // for llama the file really is permuted (HF row order), not a copy
      if (arch === 'llama' && isQK) expect(Buffer.from(raw).equals(Buffer.from(engineT.slice().buffer))).toBe(false);
    }
    expect(permuted).toBe(arch === 'llama' ? 4 : 0);
  });

  it('merged GGUF gives the log-probs of base + adapter', async () => {
    const out = join(f.dataDir, 'out-merged');
    const r = await exportRun({ store: f.store, dataDir: f.dataDir, runId: f.runId, format: 'merged-gguf', outDir: out, hashBase: false });
    const merged = r.files[0]!;
    expect(merged.endsWith('-merged.gguf')).toBe(true);
    const m = await EngineModel.open(merged, { threads: 1 });
    try {
      const lp = (await m.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false })).logprobs;
      const err = maxDiff(lp, f.withAdapter);
      console.log(`[${arch}] merged GGUF (F32) vs engine base+adapter: max |Δ log p| = ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-4);
    } finally {
      await m.dispose();
    }
    const ref = await llamaCppLogprobs(merged, TOKENS, RS);
    expect(maxDiff(ref, f.withAdapter)).toBeLessThan(1e-4);
  });
});

describe('Ollama export and quantised merge', () => {
  it('Modelfile names the base and the adapter; the command is given', async () => {
    const f = await runWithCheckpoint('qwen2');
    try {
      const out = join(f.dataDir, 'out-ollama');
      const r = await exportRun({ store: f.store, dataDir: f.dataDir, runId: f.runId, format: 'ollama', outDir: out, hashBase: false });
      expect(r.files.map((x) => x.slice(out.length + 1))).toEqual(['etc-evil-run-step4.gguf', 'Modelfile', 'README.md']);
      const cmds = parseModelfile(readFileSync(join(out, 'Modelfile'), 'utf8'));
      expect(cmds.find((c) => c.cmd === 'FROM')!.args).toBe(f.modelPath);
      expect(cmds.find((c) => c.cmd === 'ADAPTER')!.args).toBe('./etc-evil-run-step4.gguf');
      expect(cmds.find((c) => c.cmd === 'TEMPLATE')!.args).toBe('{{ if .System }}{{ .System }}\n{{ end }}{{ .Prompt }}'); // demo recipe: chatTemplate none
      expect(r.command).toBe(`ollama create etc-evil-run-step4 -f ${join(out, 'Modelfile')}`);
      expect(existsSync(join(out, cmds.find((c) => c.cmd === 'ADAPTER')!.args))).toBe(true);
    } finally { await f.engine.dispose(); f.store.close(); }
  });

  it.each(['F16', 'Q8_0'] as const)('merged GGUF of a %s base keeps the base type and stays close to base + adapter', async (wt) => {
    const f = await runWithCheckpoint('qwen2', wt);
    try {
      const out = join(f.dataDir, 'out-merged-q');
      const r = await exportRun({ store: f.store, dataDir: f.dataDir, runId: f.runId, format: 'merged-gguf', outDir: out, hashBase: false });
      const g = readGguf(r.files[0]!);
      expect(g.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!.type).toBe(wt);
      const ref = await llamaCppLogprobs(r.files[0]!, TOKENS, RS);
      const base = await llamaCppLogprobs(f.modelPath, TOKENS, RS);
      // llama.cpp's own base + adapter on the same quantised base: the merge should add only requantisation noise
      const a = await exportRun({ store: f.store, dataDir: f.dataDir, runId: f.runId, format: 'gguf', outDir: join(f.dataDir, 'out-a'), hashBase: false });
      const own = await llamaCppLogprobs(f.modelPath, TOKENS, RS, a.files[0]!);
      const effect = maxDiff(base, own);
      const err = maxDiff(ref, own);
      console.log(`[qwen2 ${wt}] merged GGUF vs base + adapter (both in llama.cpp): max |Δ log p| = ${err.toExponential(2)}; engine vs llama.cpp base+adapter ${maxDiff(own, f.withAdapter).toExponential(2)}; adapter effect ${effect.toExponential(2)}`);
      expect(err).toBeLessThan(effect / 5);
      if (wt === 'F16') expect(err).toBeLessThan(1e-2);
    } finally { await f.engine.dispose(); f.store.close(); }
  });
});
