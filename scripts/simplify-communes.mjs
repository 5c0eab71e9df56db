#!/usr/bin/env node
/**
 * Builds `src/modules/geo/data/communes.simplified.geojson`: one small FeatureCollection of Gia Lai's
 * 135 communes and wards (xã/phường) for the web map, from the 135 full-resolution ward files (35 MB).
 *
 * Why not simply run `turf.simplify` on each polygon: neighbouring communes share their boundary vertex for
 * vertex, but simplifying each polygon on its own drops different vertices on the two sides, which opens
 * slivers and overlaps between neighbours. So, as TopoJSON does, the rings are cut into arcs at junctions
 * (vertices where more than two boundaries meet), each arc is simplified once (Douglas–Peucker via
 * `@turf/turf`, end points kept), and both neighbours reuse the same simplified arc.
 *
 * Usage: node scripts/simplify-communes.mjs [--tolerance 0.0002]
 * Source data: src/modules/geo/data/admin-units (MIT, see LICENSE there).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineString, simplify } from '@turf/turf';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'src/modules/geo/data');
const wardsDir = join(dataDir, 'admin-units/geojson/wards');
const unitsFile = join(dataDir, 'admin-units/gia-lai-units.json');
const outFile = join(dataDir, 'communes.simplified.geojson');

const toleranceArg = process.argv.indexOf('--tolerance');
/** Douglas–Peucker tolerance in degrees; 0.0002° ≈ 22 m, invisible at province and commune zoom. */
const TOLERANCE = toleranceArg > 0 ? Number(process.argv[toleranceArg + 1]) : 0.0002;
const DECIMALS = 5;

/** @param {number[]} p */
const keyOf = (p) => `${p[0]},${p[1]}`;
const round = (v) => Math.round(v * 10 ** DECIMALS) / 10 ** DECIMALS;

// ---- 1. Read units (names) and boundaries -------------------------------------------------------
const units = JSON.parse(readFileSync(unitsFile, 'utf8'));
/** @type {Map<string, any>} */
const unitByCode = new Map(units.Wards.map((w) => [String(w.Code), w]));

const files = readdirSync(wardsDir).filter((f) => f.endsWith('.geojson')).sort();
/** @type {{ code: string, polygons: number[][][][] }[]} */
const communes = [];
for (const file of files) {
  const fc = JSON.parse(readFileSync(join(wardsDir, file), 'utf8'));
  const features = fc.type === 'FeatureCollection' ? fc.features : [fc];
  for (const f of features) {
    const code = String(f.id ?? f.properties?.code);
    const g = f.geometry;
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    communes.push({ code, polygons });
  }
}

// ---- 2. Find junctions: vertices with more than two distinct neighbours --------------------------
/** Rings without the closing duplicate vertex. */
const openRing = (ring) => (keyOf(ring[0]) === keyOf(ring[ring.length - 1]) ? ring.slice(0, -1) : ring);
/** @type {Map<string, Set<string>>} */
const neighbours = new Map();
for (const c of communes) {
  for (const poly of c.polygons) {
    for (const ring of poly) {
      const r = openRing(ring);
      for (let i = 0; i < r.length; i++) {
        const k = keyOf(r[i]);
        let s = neighbours.get(k);
        if (!s) neighbours.set(k, (s = new Set()));
        s.add(keyOf(r[(i + r.length - 1) % r.length]));
        s.add(keyOf(r[(i + 1) % r.length]));
      }
    }
  }
}
const isJunction = (p) => (neighbours.get(keyOf(p))?.size ?? 0) > 2;

// ---- 3. Cut rings into arcs; simplify each distinct arc once -------------------------------------
/** @type {Map<string, number[][]>} canonical arc key → simplified coordinates (canonical direction) */
const arcCache = new Map();
/** Arcs whose ring collapsed get a smaller tolerance on the next pass. */
const arcTolerance = new Map();

function canonical(arc) {
  const fwd = arc.map(keyOf);
  const first = fwd[0];
  const last = fwd[fwd.length - 1];
  // Direction-independent identity: the same arc walked from either side gets the same key.
  const reversed = first > last || (first === last && fwd[1] > fwd[fwd.length - 2]);
  const keys = reversed ? [...fwd].reverse() : fwd;
  return { key: `${keys[0]}|${keys[1]}|${keys[keys.length - 2]}|${keys[keys.length - 1]}|${keys.length}`, reversed };
}

function simplifyArc(arc) {
  const { key, reversed } = canonical(arc);
  let out = arcCache.get(key);
  if (!out) {
    const coords = reversed ? [...arc].reverse() : arc;
    const tol = arcTolerance.get(key) ?? TOLERANCE;
    out = coords.length <= 2 || tol === 0 ? coords : simplify(lineString(coords), { tolerance: tol, highQuality: true }).geometry.coordinates;
    arcCache.set(key, out);
  }
  return { coords: reversed ? [...out].reverse() : out, key };
}

/** Rotate a ring without junctions to start at its smallest vertex so both sides cut it alike. */
function rotateToMin(r) {
  let best = 0;
  for (let i = 1; i < r.length; i++) if (keyOf(r[i]) < keyOf(r[best])) best = i;
  return [...r.slice(best), ...r.slice(0, best)];
}

function simplifyRing(ring) {
  let r = openRing(ring);
  let start = r.findIndex(isJunction);
  if (start < 0) {
    r = rotateToMin(r);
    start = 0;
  }
  r = [...r.slice(start), ...r.slice(0, start)];
  const out = [];
  const keys = [];
  let arc = [r[0]];
  for (let i = 1; i <= r.length; i++) {
    const p = r[i % r.length];
    arc.push(p);
    if (i === r.length || isJunction(p)) {
      const { coords, key } = simplifyArc(arc);
      keys.push(key);
      out.push(...(out.length ? coords.slice(1) : coords));
      arc = [p];
    }
  }
  // Round to 5 decimals (≈1 m) and drop the consecutive duplicates rounding may create.
  const rounded = [];
  for (const p of out) {
    const q = [round(p[0]), round(p[1])];
    const prev = rounded[rounded.length - 1];
    if (!prev || prev[0] !== q[0] || prev[1] !== q[1]) rounded.push(q);
  }
  return { coords: rounded, keys };
}

/**
 * @param {boolean} dropCollapsed drop rings that are still degenerate; the source has a few
 *   sub-metre sliver triangles that vanish once rounded to 5 decimals.
 */
function buildAll(dropCollapsed) {
  arcCache.clear();
  const collapsed = [];
  const result = communes.map((c) => {
    const polygons = [];
    for (const poly of c.polygons) {
      const rings = [];
      for (const [i, ring] of poly.entries()) {
        const { coords, keys } = simplifyRing(ring);
        if (coords.length < 4) {
          if (!dropCollapsed) collapsed.push(keys);
          if (i === 0) break; // the outer ring is gone, so are its holes
          continue;
        }
        rings.push(coords);
      }
      if (rings.length) polygons.push(rings);
    }
    if (!polygons.length) throw new Error(`Commune ${c.code} has no polygon left`);
    return { code: c.code, polygons };
  });
  return { result, collapsed };
}

// A ring made of two or three short arcs can collapse to a line; give those arcs a finer tolerance
// (down to none), and only then drop what is left degenerate.
let built = buildAll(false);
for (let pass = 0; built.collapsed.length && pass < 5; pass++) {
  for (const keys of built.collapsed) {
    for (const k of keys) arcTolerance.set(k, pass >= 3 ? 0 : (arcTolerance.get(k) ?? TOLERANCE) / 4);
  }
  built = buildAll(pass === 4);
}

// ---- 4. Write the FeatureCollection ---------------------------------------------------------------
const features = built.result
  .map(({ code, polygons }) => {
    const unit = unitByCode.get(code);
    if (!unit) throw new Error(`No unit named for ward code ${code}`);
    const kind = unit.AdministrativeUnitShortName === 'Phường' ? 'phuong' : 'xa';
    const nfc = (s) => String(s).normalize('NFC');
    return {
      type: 'Feature',
      id: code,
      properties: { code, name: nfc(unit.Name), nameEn: nfc(unit.NameEn), fullName: nfc(unit.FullName), kind },
      geometry: polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons },
    };
  })
  .sort((a, b) => a.id.localeCompare(b.id));

if (features.length !== unitByCode.size) {
  throw new Error(`Expected ${unitByCode.size} communes, built ${features.length}`);
}

// One feature per line: small, and diffs stay readable when the source data changes.
const body = features.map((f) => JSON.stringify(f)).join(',\n');
writeFileSync(outFile, `{"type":"FeatureCollection","features":[\n${body}\n]}\n`);

const points = features.reduce((n, f) => n + JSON.stringify(f.geometry.coordinates).split('],[').length, 0);
const size = Buffer.byteLength(readFileSync(outFile));
console.log(`${features.length} communes, ${points} points, ${(size / 1e6).toFixed(2)} MB → ${outFile}`);
