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

export type DatasetKind = 'builtin' | 'jsonl' | 'csv' | 'parquet';
/** One split of an imported dataset: its files (relative to the dataset's path) and how many records they hold. */
export interface DatasetSplit { files: string[]; records: number }
export interface DatasetEntry {
  id: number; name: string; kind: DatasetKind; path: string; fieldMapping: Record<string, string>;
  rowCounts: Record<string, number>; malformedCount: number; addedAt: number;
  /** Where it came from ({type:'file', ...} or {type:'hub', repo, config, revision, ...}). */
  source: Record<string, unknown>;
  /** The file's own columns. */
  columns: { path: string; type: string; example: string }[];
  splits: Record<string, DatasetSplit>;
}
export type NewDataset = Omit<DatasetEntry, 'id' | 'addedAt' | 'malformedCount' | 'source' | 'columns' | 'splits'> & {
  malformedCount?: number; addedAt?: number; source?: DatasetEntry['source']; columns?: DatasetEntry['columns']; splits?: DatasetEntry['splits'];
};
/** A row that failed a dataset's mapping or format. */
export interface DatasetError { split: string; file: string; line: number; reason: string; detail: string }

export interface RecipeEntry { id: number; name: string; version: number; json: string; createdAt: number }

interface ModelRow { id: number; path: string; name: string; arch: string; size_bytes: number; n_params: number | null; quant: string | null; fingerprint: string; added_at: number }
interface DatasetRow {
  id: number; name: string; kind: DatasetKind; path: string; source_json: string; columns_json: string; splits_json: string;
  field_mapping_json: string; row_counts_json: string; malformed_count: number; added_at: number;
}
interface RecipeRow { id: number; name: string; version: number; json: string; created_at: number }

const toModel = (r: ModelRow): ModelEntry => ({
  id: r.id, path: r.path, name: r.name, arch: r.arch, sizeBytes: r.size_bytes, nParams: r.n_params, quant: r.quant,
  fingerprint: r.fingerprint, addedAt: r.added_at,
});
const toDataset = (r: DatasetRow): DatasetEntry => ({
  id: r.id, name: r.name, kind: r.kind, path: r.path, fieldMapping: JSON.parse(r.field_mapping_json) as Record<string, string>,
  rowCounts: JSON.parse(r.row_counts_json) as Record<string, number>, malformedCount: r.malformed_count, addedAt: r.added_at,
  source: JSON.parse(r.source_json) as DatasetEntry['source'], columns: JSON.parse(r.columns_json) as DatasetEntry['columns'],
  splits: JSON.parse(r.splits_json) as DatasetEntry['splits'],
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
      addDataset: p(`INSERT INTO datasets (name, kind, path, source_json, columns_json, splits_json, field_mapping_json, row_counts_json, malformed_count, added_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      datasets: p('SELECT * FROM datasets ORDER BY name'),
      datasetByName: p('SELECT * FROM datasets WHERE name = ?'),
      dataset: p('SELECT * FROM datasets WHERE id = ?'),
      removeDataset: p('DELETE FROM datasets WHERE id = ?'),
      setMapping: p('UPDATE datasets SET field_mapping_json = ?, row_counts_json = ?, malformed_count = ? WHERE id = ?'),
      clearErrors: p('DELETE FROM dataset_errors WHERE dataset_id = ?'),
      addError: p('INSERT INTO dataset_errors (dataset_id, split, file, line, reason, detail) VALUES (?, ?, ?, ?, ?, ?)'),
      errors: p('SELECT split, file, line, reason, detail FROM dataset_errors WHERE dataset_id = ? ORDER BY split, id LIMIT ?'),
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

  addDataset(d: NewDataset, errors: readonly DatasetError[] = []): number {
    return this.run(`adding dataset ${d.name}`, () => this.db.transaction(() => {
      const id = Number(this.s.addDataset!.run(
        d.name, d.kind, d.path, JSON.stringify(d.source ?? {}), JSON.stringify(d.columns ?? []), JSON.stringify(d.splits ?? {}),
        JSON.stringify(d.fieldMapping), JSON.stringify(d.rowCounts), d.malformedCount ?? 0, d.addedAt ?? Date.now(),
      ).lastInsertRowid);
      for (const e of errors) this.s.addError!.run(id, e.split, e.file, e.line, e.reason, e.detail);
      return id;
    })());
  }
  dataset(id: number): DatasetEntry | null {
    const r = this.s.dataset!.get(id) as DatasetRow | undefined;
    return r ? toDataset(r) : null;
  }
  /** A new mapping replaces the row counts and the failed rows in one transaction. */
  setDatasetMapping(id: number, mapping: Record<string, string>, rowCounts: Record<string, number>, malformedCount: number, errors: readonly DatasetError[]): void {
    this.run(`updating dataset ${id}`, () => this.db.transaction(() => {
      this.s.setMapping!.run(JSON.stringify(mapping), JSON.stringify(rowCounts), malformedCount, id);
      this.s.clearErrors!.run(id);
      for (const e of errors) this.s.addError!.run(id, e.split, e.file, e.line, e.reason, e.detail);
    })());
  }
  datasetErrors(id: number, limit = 1000): DatasetError[] {
    return this.s.errors!.all(id, limit) as DatasetError[];
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
