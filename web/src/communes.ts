/**
 * The communes and wards (xã/phường) of Gia Lai as served by `GET /api/geo/communes.geojson`, plus the
 * little geometry the UI needs (bounding boxes) so that turf stays out of the browser bundle.
 */
import { useCallback, useEffect, useState } from 'react';
import { apiFetch } from './api.ts';
import { foldVietnamese } from './text.ts';

/** `xa` = xã (rural commune), `phuong` = phường (urban ward). */
export type CommuneKind = 'xa' | 'phuong';

/** Map fill and legend colour of each kind (the panel and the map must agree). */
export const KIND_COLOURS: Record<CommuneKind, string> = { phuong: '#c2410c', xa: '#15803d' };

export interface CommuneProperties {
  code: string;
  name: string;
  nameEn: string;
  fullName: string;
  kind: CommuneKind;
}

type Position = [number, number];
export type CommuneGeometry = { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] };

export interface CommuneFeature {
  type: 'Feature';
  id: string;
  properties: CommuneProperties;
  geometry: CommuneGeometry;
}

export interface CommuneCollection {
  type: 'FeatureCollection';
  features: CommuneFeature[];
}

/** [west, south, east, north] */
export type BBox = [number, number, number, number];

/** A commune ready for the side panel: properties, bounding box and a folded search key. */
export interface Commune extends CommuneProperties {
  bbox: BBox;
  searchKey: string;
}

function isCommuneFeature(value: unknown): value is CommuneFeature {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as { properties?: Record<string, unknown>; geometry?: { type?: unknown } };
  const p = f.properties;
  return (
    !!p &&
    typeof p.code === 'string' &&
    typeof p.name === 'string' &&
    typeof p.fullName === 'string' &&
    (p.kind === 'xa' || p.kind === 'phuong') &&
    (f.geometry?.type === 'Polygon' || f.geometry?.type === 'MultiPolygon')
  );
}

/** @throws Error when the body is not a FeatureCollection of communes. */
export function parseCommunes(body: unknown): CommuneCollection {
  const features = (body as { type?: unknown; features?: unknown } | null)?.features;
  if ((body as { type?: unknown } | null)?.type !== 'FeatureCollection' || !Array.isArray(features)) {
    throw new Error('not a FeatureCollection');
  }
  const valid = features.filter(isCommuneFeature);
  if (valid.length !== features.length) throw new Error(`${features.length - valid.length} malformed features`);
  return { type: 'FeatureCollection', features: valid };
}

export function bboxOf(geometry: CommuneGeometry, into?: BBox): BBox {
  const box: BBox = into ?? [Infinity, Infinity, -Infinity, -Infinity];
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  for (const polygon of polygons) {
    // Holes lie inside the outer ring; only the outer ring can widen the box.
    for (const [x, y] of polygon[0] ?? []) {
      if (x < box[0]) box[0] = x;
      if (y < box[1]) box[1] = y;
      if (x > box[2]) box[2] = x;
      if (y > box[3]) box[3] = y;
    }
  }
  return box;
}

export function toCommunes(collection: CommuneCollection): Commune[] {
  return collection.features
    .map((f) => ({
      ...f.properties,
      bbox: bboxOf(f.geometry),
      searchKey: foldVietnamese(`${f.properties.fullName} ${f.properties.nameEn} ${f.properties.code}`),
    }))
    .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
}

export type CommunesState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; collection: CommuneCollection; communes: Commune[] };

/** Fetches the boundaries once per mount; `reload` retries after an error. */
export function useCommunes(): { state: CommunesState; reload: () => void } {
  const [state, setState] = useState<CommunesState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    apiFetch('/api/geo/communes.geojson', { signal: controller.signal })
      .then((body) => {
        const collection = parseCommunes(typeof body === 'string' ? JSON.parse(body) : body);
        setState({ status: 'ready', collection, communes: toCommunes(collection) });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setState({ status: 'error', message: error instanceof Error ? error.message : String(error) });
      });
    return () => controller.abort();
  }, [attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, reload };
}
