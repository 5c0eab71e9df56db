/**
 * Picks what to draw for a dataset from its columns alone: a time series when there is a date or
 * year column, otherwise bars by the first category column; a commune choropleth when a column holds
 * commune codes. The figures are then summed from the rows (`aggregate`).
 */
import type { FieldType, PublicColumn } from './api.ts';

export interface ColumnInfo {
  id: string;
  title: string;
  type: FieldType;
  unit: string | null;
  codeList: string | null;
}

export interface Plan {
  kind: 'time' | 'category' | null;
  /** The date/year or category column. */
  dimension: ColumnInfo | null;
  /** The first measure (a number that is not a code or a year); null → count rows. */
  measure: ColumnInfo | null;
  /** The column with 5-digit commune codes, for the map. */
  commune: ColumnInfo | null;
}

const NUMERIC = new Set(['int', 'numeric', 'integer', 'number']);
const YEAR_NAME = /^(nam|year)(_|$)|_(nam|year)$/i;
const CODE_NAME = /^(ma|code|id)(_|$)|_(id|code)$/i;

/** Merges the datastore's field types with the catalogue's titles, units and code lists. */
export function columnInfo(fields: { id: string; type: FieldType }[], columns: PublicColumn[]): ColumnInfo[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  return fields.map((f) => {
    const c = byName.get(f.id);
    return { id: f.id, title: c?.title ?? f.id, type: f.type, unit: c?.unit ?? null, codeList: c?.codeList ?? null };
  });
}

export function planFor(columns: ColumnInfo[]): Plan {
  const isCommune = (c: ColumnInfo) => c.codeList === 'communes' || c.id === 'ma_xa';
  const isYear = (c: ColumnInfo) => NUMERIC.has(c.type) && YEAR_NAME.test(c.id);
  const commune = columns.find(isCommune) ?? null;
  const time = columns.find((c) => c.type === 'date') ?? columns.find(isYear) ?? null;
  const measure = columns.find((c) => NUMERIC.has(c.type) && c !== time && !isYear(c) && !CODE_NAME.test(c.id)) ?? null;
  if (time) return { kind: 'time', dimension: time, measure, commune };
  const category = columns.find((c) => c.type === 'text' && !isCommune(c) && !CODE_NAME.test(c.id) && !c.codeList) ?? null;
  return { kind: category ? 'category' : null, dimension: category, measure, commune };
}

export interface Point {
  key: string;
  value: number;
}

/** Sums `measure` (or counts rows) per value of `key`; rows without a key are left out. */
export function aggregate(records: Record<string, unknown>[], key: string, measure: string | null): Point[] {
  const sums = new Map<string, number>();
  for (const r of records) {
    const k = r[key];
    if (k === null || k === undefined || k === '') continue;
    const v = measure ? Number(r[measure]) : 1;
    if (!Number.isFinite(v)) continue;
    const name = String(k);
    sums.set(name, (sums.get(name) ?? 0) + v);
  }
  return [...sums].map(([k, value]) => ({ key: k, value }));
}

/** Five classes from light to dark (colour-blind safe, ColorBrewer YlGnBu). */
export const SCALE = ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'] as const;

/** Quantile class breaks: the upper bound of each class. */
export function breaks(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return SCALE.map((_, i) => sorted[Math.min(sorted.length - 1, Math.ceil(((i + 1) * sorted.length) / SCALE.length) - 1)]!);
}

export function classOf(value: number, bounds: number[]): number {
  const i = bounds.findIndex((b) => value <= b);
  return i === -1 ? bounds.length - 1 : i;
}
