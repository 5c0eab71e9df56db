import { readFile } from 'node:fs/promises';
import { booleanPointInPolygon } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { Db } from '../../core/db/index.js';
import { notFound } from '../../core/errors.js';

const DATA = new URL('./data/', import.meta.url);

interface SourceUnit {
  Code: string;
  Name: string;
  NameEn: string;
  FullName: string;
  FullNameEn: string;
  CodeName: string;
  AdministrativeUnitShortName: string;
}

export interface AdminUnit {
  code: string;
  level: 'province' | 'commune';
  kind: 'tinh' | 'xa' | 'phuong';
  name: string;
  nameEn: string;
  fullName: string;
  fullNameEn: string;
  parentCode: string | null;
  bbox: [number, number, number, number] | null;
}

interface UnitRow {
  code: string; level: 'province' | 'commune'; kind: 'tinh' | 'xa' | 'phuong'; name: string; name_en: string; full_name: string;
  full_name_en: string; parent_code: string | null; min_lon: number | null; min_lat: number | null; max_lon: number | null; max_lat: number | null;
}

const present = (r: UnitRow): AdminUnit => ({
  code: r.code, level: r.level, kind: r.kind, name: r.name, nameEn: r.name_en, fullName: r.full_name, fullNameEn: r.full_name_en,
  parentCode: r.parent_code, bbox: r.min_lon === null ? null : [r.min_lon, r.min_lat!, r.max_lon!, r.max_lat!],
});

/** Reads the bundled list of Gia Lai's units (MIT, thanglequoc/vietnamese-provinces-database). */
export async function bundledUnits(): Promise<{ province: SourceUnit; wards: SourceUnit[] }> {
  const j = JSON.parse(await readFile(new URL('admin-units/gia-lai-units.json', DATA), 'utf8')) as SourceUnit & { Wards: SourceUnit[] };
  return { province: j, wards: j.Wards };
}

/** Administrative units: the reference every dataset's commune codes are checked against. */
export class GeoService {
  constructor(private readonly db: Db) {}

  /** Seeds the province and its communes with boundaries from the bundled files. Idempotent. */
  async seed(): Promise<{ communes: number }> {
    const existing = await this.db.query<{ n: number }>("SELECT count(*)::int8 AS n FROM admin_units WHERE level = 'commune'");
    const { province, wards } = await bundledUnits();
    if (existing.rows[0]!.n >= wards.length) return { communes: existing.rows[0]!.n };
    const provinceGeo = JSON.parse(await readFile(new URL('admin-units/geojson/52_gia_lai.geojson', DATA), 'utf8')) as GeoJSON.FeatureCollection;
    await this.db.transaction(async (tx) => {
      const insert = (u: SourceUnit, level: string, kind: string, parent: string | null, f: GeoJSON.Feature | undefined) => {
        const b = (f?.bbox ?? null) as number[] | null;
        return tx.query(
          `INSERT INTO admin_units (code, level, kind, name, name_en, full_name, full_name_en, code_name, parent_code, min_lon, min_lat, max_lon, max_lat, geometry)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (code) DO NOTHING`,
          [u.Code, level, kind, u.Name.normalize('NFC'), u.NameEn, u.FullName.normalize('NFC'), u.FullNameEn, u.CodeName, parent,
            b?.[0] ?? null, b?.[1] ?? null, b?.[2] ?? null, b?.[3] ?? null, f ? JSON.stringify(f.geometry) : null],
        );
      };
      await insert(province, 'province', 'tinh', null, provinceGeo.features[0]);
      for (const w of wards) {
        const file = new URL(`admin-units/geojson/wards/${w.Code}_${w.CodeName}.geojson`, DATA);
        const fc = JSON.parse(await readFile(file, 'utf8')) as GeoJSON.FeatureCollection;
        await insert(w, 'commune', w.AdministrativeUnitShortName === 'Phường' ? 'phuong' : 'xa', province.Code, fc.features[0]);
      }
    });
    return { communes: wards.length };
  }

  async list(): Promise<AdminUnit[]> {
    const r = await this.db.query<UnitRow>('SELECT code, level, kind, name, name_en, full_name, full_name_en, parent_code, min_lon, min_lat, max_lon, max_lat FROM admin_units ORDER BY level DESC, name');
    return r.rows.map(present);
  }

  async get(code: string): Promise<AdminUnit> {
    const r = await this.db.query<UnitRow>('SELECT * FROM admin_units WHERE code = $1', [code]);
    if (!r.rows[0]) throw notFound({ vi: `Không có đơn vị hành chính mã ${code}`, en: `No administrative unit ${code}` });
    return present(r.rows[0]);
  }

  /** Codes of all communes, for validating commune-code columns. */
  async communeCodes(): Promise<Set<string>> {
    const r = await this.db.query<{ code: string }>("SELECT code FROM admin_units WHERE level = 'commune'");
    return new Set(r.rows.map((x) => x.code));
  }

  /** The commune containing a point: bounding boxes in SQL first, exact polygon test with turf after. */
  async locate(lon: number, lat: number): Promise<AdminUnit | null> {
    const r = await this.db.query<UnitRow & { geometry: Polygon | MultiPolygon }>(
      `SELECT * FROM admin_units WHERE level = 'commune' AND $1 BETWEEN min_lon AND max_lon AND $2 BETWEEN min_lat AND max_lat`,
      [lon, lat],
    );
    for (const row of r.rows) {
      const f: Feature<Polygon | MultiPolygon> = { type: 'Feature', properties: {}, geometry: row.geometry };
      if (booleanPointInPolygon([lon, lat], f)) return present(row);
    }
    return null;
  }
}

/** The simplified boundaries served to maps (generated by scripts/simplify-communes.mjs). */
export const SIMPLIFIED_COMMUNES = new URL('communes.simplified.geojson', DATA);
