// LibraryStore: the small reference tables — models, datasets, recipes. Few
// rows each; the point is uniqueness (path, name, (name, version)) and the
// camelCase mapping, not speed.
import type { Database, Statement } from 'better-sqlite3';
import { StoreError, toStoreError } from './StoreError.js';

export interface ModelEntry {
  id: number; path: string; name: string; arch: string; sizeBytes: number; nParams: number | null;
  quant: string | null; fingerprint: string; addedAt: number;
}
export type NewModel = Omit<ModelEntry, 'id' | 'addedAt' | 'nParams' | 'quant'> & {
  nParams?: number | null; quant?: string | null; addedAt?: number;
};

export type DatasetKind = 'builtin' | 'jsonl' | 'csv';
export interface DatasetEntry {
  id: number; name: string; kind: DatasetKind; path: string; fieldMapping: Record<string, string>;
  rowCounts: Record<string, number>; malformedCount: number; addedAt: number;
}
export type NewDataset = Omit<DatasetEntry, 'id' | 'addedAt' | 'malformedCount'> & { malformedCount?: number; addedAt?: number };

export interface RecipeEntry { id: number; name: string; version: number; json: string; createdAt: number }

interface ModelRow { id: number; path: string; name: string; arch: string; size_bytes: number; n_params: number | null; quant: string | null; fingerprint: string; added_at: number }
interface DatasetRow { id: number; name: string; kind: DatasetKind; path: string; field_mapping_json: string; row_counts_json: string; malformed_count: number; added_at: number }
interface RecipeRow { id: number; name: string; version: number; json: string; created_at: number }

const toModel = (r: ModelRow): ModelEntry => ({
  id: r.id, path: r.path, name: r.name, arch: r.arch, sizeBytes: r.size_bytes, nParams: r.n_params, quant: r.quant,
  fingerprint: r.fingerprint, addedAt: r.added_at,
});
const toDataset = (r: DatasetRow): DatasetEntry => ({
  id: r.id, name: r.name, kind: r.kind, path: r.path, fieldMapping: JSON.parse(r.field_mapping_json) as Record<string, string>,
  rowCounts: JSON.parse(r.row_counts_json) as Record<string, number>, malformedCount: r.malformed_count, addedAt: r.added_at,
});
const toRecipe = (r: RecipeRow): RecipeEntry => ({ id: r.id, name: r.name, version: r.version, json: r.json, createdAt: r.created_at });

export class LibraryStore {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    const p = (sql: string): Statement => db.prepare(sql);
    this.s = {
      addModel: p(`INSERT INTO models (path, name, arch, size_bytes, n_params, quant, fingerprint, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      models: p('SELECT * FROM models ORDER BY name, id'),
      modelByPath: p('SELECT * FROM models WHERE path = ?'),
      modelByFingerprint: p('SELECT * FROM models WHERE fingerprint = ? ORDER BY id'),
      removeModel: p('DELETE FROM models WHERE id = ?'),
      addDataset: p(`INSERT INTO datasets (name, kind, path, field_mapping_json, row_counts_json, malformed_count, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      datasets: p('SELECT * FROM datasets ORDER BY name'),
      datasetByName: p('SELECT * FROM datasets WHERE name = ?'),
      removeDataset: p('DELETE FROM datasets WHERE id = ?'),
      addRecipe: p(`INSERT INTO recipes (name, version, json, created_at)
        VALUES (?, coalesce((SELECT max(version) FROM recipes WHERE name = ?), 0) + 1, ?, ?) RETURNING *`),
      latestRecipe: p('SELECT * FROM recipes WHERE name = ? ORDER BY version DESC LIMIT 1'),
      recipeVersion: p('SELECT * FROM recipes WHERE name = ? AND version = ?'),
      recipes: p('SELECT * FROM recipes r WHERE version = (SELECT max(version) FROM recipes WHERE name = r.name) ORDER BY name'),
    };
  }

  private run<T>(what: string, f: () => T): T {
    try {
      return f();
    } catch (err) {
      throw toStoreError(err, what);
    }
  }

  addModel(m: NewModel): number {
    return this.run(`adding model ${m.path}`, () => Number(this.s.addModel!.run(
      m.path, m.name, m.arch, m.sizeBytes, m.nParams ?? null, m.quant ?? null, m.fingerprint, m.addedAt ?? Date.now(),
    ).lastInsertRowid));
  }
  models(): ModelEntry[] { return (this.s.models!.all() as ModelRow[]).map(toModel); }
  modelByPath(path: string): ModelEntry | null {
    const r = this.s.modelByPath!.get(path) as ModelRow | undefined;
    return r ? toModel(r) : null;
  }
  modelsByFingerprint(fp: string): ModelEntry[] { return (this.s.modelByFingerprint!.all(fp) as ModelRow[]).map(toModel); }
  removeModel(id: number): void { this.run(`removing model ${id}`, () => this.s.removeModel!.run(id)); }

  addDataset(d: NewDataset): number {
    return this.run(`adding dataset ${d.name}`, () => Number(this.s.addDataset!.run(
      d.name, d.kind, d.path, JSON.stringify(d.fieldMapping), JSON.stringify(d.rowCounts), d.malformedCount ?? 0,
      d.addedAt ?? Date.now(),
    ).lastInsertRowid));
  }
  datasets(): DatasetEntry[] { return (this.s.datasets!.all() as DatasetRow[]).map(toDataset); }
  datasetByName(name: string): DatasetEntry | null {
    const r = this.s.datasetByName!.get(name) as DatasetRow | undefined;
    return r ? toDataset(r) : null;
  }
  removeDataset(id: number): void { this.run(`removing dataset ${id}`, () => this.s.removeDataset!.run(id)); }

  /** Saves a new version of recipe `name` (1 for a new name); recipes are never edited in place. */
  saveRecipe(name: string, json: string, createdAt = Date.now()): RecipeEntry {
    return this.run(`saving recipe ${name}`, () => toRecipe(this.s.addRecipe!.get(name, name, json, createdAt) as RecipeRow));
  }
  recipe(name: string, version?: number): RecipeEntry {
    const r = (version === undefined ? this.s.latestRecipe!.get(name) : this.s.recipeVersion!.get(name, version)) as RecipeRow | undefined;
    if (!r) throw new StoreError('NOT_FOUND', `recipe ${name}${version === undefined ? '' : ` v${version}`} does not exist`);
    return toRecipe(r);
  }
  /** Latest version of every recipe. */
  recipes(): RecipeEntry[] { return (this.s.recipes!.all() as RecipeRow[]).map(toRecipe); }
}
