/**
 * The map of Gia Lai's communes and wards. Fully offline: the style has no tile source, glyphs or
 * sprite (the province's network may be closed), so names appear in a hover tooltip rather than as
 * map labels.
 */
import { Map as MapLibreMap, NavigationControl, setWorkerUrl, type ExpressionSpecification, type MapLayerMouseEvent, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
// The bundled MapLibre would look for its worker next to itself; Vite hashes and moves files, so the
// worker is emitted as an asset and its URL handed over explicitly.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useEffect, useRef, useState } from 'react';
import { KIND_COLOURS, bboxOf, type BBox, type CommuneCollection, type CommuneProperties } from '../communes.ts';
import { useI18n } from '../i18n.ts';

setWorkerUrl(workerUrl);

declare global {
  interface Window {
    /** The live map, for the browser test and for debugging from the console. */
    __provdataMap?: MapLibreMap;
  }
}

/** MapLibre's GeoJSON source data type, which the package does not export by name. */
type GeoJSONData = Extract<Parameters<MapLibreMap['addSource']>[1], { type: 'geojson' }>['data'];

const SOURCE = 'communes';
const FILL = 'communes-fill';

const STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#dfe9ee' } }],
};

function prefersReducedMotion(): boolean {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}

function padding(container: HTMLElement): number {
  return Math.max(12, Math.min(48, Math.round(Math.min(container.clientWidth, container.clientHeight) / 12)));
}

function provinceBbox(collection: CommuneCollection): BBox {
  const box: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of collection.features) bboxOf(f.geometry, box);
  return box;
}

interface Hover {
  x: number;
  y: number;
  commune: CommuneProperties;
}

export interface CommuneMapProps {
  collection: CommuneCollection;
  selected?: { code: string; bbox: BBox } | null;
  onSelect?: (code: string | null) => void;
  /** A choropleth: the fill colour of each commune code (communes not listed are grey). */
  fillColors?: Record<string, string> | null;
  /** The map's accessible name (default: the communes of the province). */
  label?: string;
  /** Shown after the kind and code in the tooltip, e.g. the mapped value. */
  describe?: (code: string) => string | null;
}

const NO_VALUE = '#e5e7eb';

/** The fill colour expression: by kind (xã/phường), or the choropleth's colour per commune code. */
function fillColor(colors: Record<string, string> | null | undefined): ExpressionSpecification | string {
  if (!colors) return ['match', ['get', 'kind'], 'phuong', KIND_COLOURS.phuong, KIND_COLOURS.xa];
  const pairs = Object.entries(colors).flat();
  return pairs.length > 0 ? (['match', ['get', 'code'], ...pairs, NO_VALUE] as unknown as ExpressionSpecification) : NO_VALUE;
}

export function CommuneMap({ collection, selected = null, onSelect, fillColors, label, describe }: CommuneMapProps) {
  const { t, lang } = useI18n();
  const containerRef = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;
  const fillColorsRef = useRef(fillColors);
  fillColorsRef.current = fillColors;
  const [loaded, setLoaded] = useState(false);
  const [failed, setFailed] = useState(false);
  const [hover, setHover] = useState<Hover | null>(null);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const bounds = provinceBbox(collection);
    let map: MapLibreMap;
    try {
      map = new MapLibreMap({
        container,
        style: STYLE,
        bounds,
        fitBoundsOptions: { padding: padding(container) },
        attributionControl: { compact: true, customAttribution: '© Thang Le Quoc (MIT)' },
        dragRotate: false,
        pitchWithRotate: false,
        touchPitch: false,
        renderWorldCopies: false,
        minZoom: 5,
        maxZoom: 16,
      });
    } catch (error) {
      // No WebGL (old phone, locked-down browser): the side panel still works without the map.
      console.warn('map', error);
      setFailed(true);
      return;
    }
    mapRef.current = map;
    window.__provdataMap = map;
    map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    map.touchZoomRotate.disableRotation();

    let hovered: string | null = null;
    const setHovered = (code: string | null) => {
      if (hovered === code) return;
      if (hovered !== null) map.setFeatureState({ source: SOURCE, id: hovered }, { hover: false });
      hovered = code;
      if (code !== null) map.setFeatureState({ source: SOURCE, id: code }, { hover: true });
    };

    map.on('load', () => {
      map.addSource(SOURCE, {
        type: 'geojson',
        data: collection as unknown as GeoJSONData,
        // Codes are strings ("21553"); feature-state needs ids it can address, so promote `code`.
        promoteId: 'code',
      });
      map.addLayer({
        id: FILL,
        type: 'fill',
        source: SOURCE,
        paint: {
          'fill-color': fillColor(fillColorsRef.current),
          'fill-opacity': [
            'case',
            ['boolean', ['feature-state', 'selected'], false],
            fillColorsRef.current ? 0.95 : 0.75,
            ['boolean', ['feature-state', 'hover'], false],
            fillColorsRef.current ? 1 : 0.6,
            fillColorsRef.current ? 0.85 : 0.32,
          ],
        },
      });
      map.addLayer({
        id: 'communes-outline',
        type: 'line',
        source: SOURCE,
        paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 7, 0.6, 12, 1.6] },
      });
      map.addLayer({
        id: 'communes-highlight',
        type: 'line',
        source: SOURCE,
        paint: {
          'line-color': '#0f172a',
          'line-width': [
            'case',
            ['boolean', ['feature-state', 'selected'], false],
            2.5,
            ['boolean', ['feature-state', 'hover'], false],
            1.8,
            0,
          ],
        },
      });
      map.once('idle', () => setLoaded(true));
    });

    const showTooltip = (event: MapLayerMouseEvent) => {
      const props = event.features?.[0]?.properties as Partial<CommuneProperties> | undefined;
      if (!props?.code) return;
      setHovered(props.code);
      setHover({
        x: event.point.x,
        y: event.point.y,
        commune: {
          code: props.code,
          name: String(props.name ?? ''),
          nameEn: String(props.nameEn ?? ''),
          fullName: String(props.fullName ?? ''),
          kind: props.kind === 'phuong' ? 'phuong' : 'xa',
        },
      });
    };
    map.on('mousemove', FILL, (event) => {
      map.getCanvas().style.cursor = 'pointer';
      showTooltip(event);
    });
    map.on('mouseleave', FILL, () => {
      setHovered(null);
      map.getCanvas().style.cursor = '';
      setHover(null);
    });
    // The tooltip is anchored to a screen point; once the map moves, that point means nothing.
    map.on('movestart', () => {
      setHovered(null);
      setHover(null);
    });

    // A tap (touch screens have no hover) both names the commune and selects it.
    map.on('click', FILL, (event) => {
      showTooltip(event);
      const code = (event.features?.[0]?.properties as Partial<CommuneProperties> | undefined)?.code;
      if (code) onSelectRef.current?.(code);
    });

    return () => {
      if (window.__provdataMap === map) delete window.__provdataMap;
      mapRef.current = null;
      setLoaded(false);
      map.remove();
    };
  }, [collection]);

  // A new choropleth (other data, other measure) repaints the communes without rebuilding the map.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !loaded || !map.getLayer(FILL)) return;
    map.setPaintProperty(FILL, 'fill-color', fillColor(fillColors));
  }, [fillColors, loaded]);

  // Selecting a commune (from the map or the list) highlights it and zooms to it; clearing the
  // selection goes back to the whole province (where the map starts, so no move on first load).
  const selectedCode = selected?.code ?? null;
  const selectedBbox = selected?.bbox;
  const hadSelection = useRef(false);
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !loaded) return;
    const container = map.getContainer();
    const animate = !prefersReducedMotion();
    if (selectedCode !== null && selectedBbox) {
      hadSelection.current = true;
      map.setFeatureState({ source: SOURCE, id: selectedCode }, { selected: true });
      map.fitBounds(selectedBbox, { padding: padding(container) * 2, maxZoom: 13, animate });
    } else if (hadSelection.current) {
      hadSelection.current = false;
      map.fitBounds(provinceBbox(collection), { padding: padding(container), animate });
    }
    return () => {
      if (selectedCode !== null && map.getSource(SOURCE)) map.setFeatureState({ source: SOURCE, id: selectedCode }, { selected: false });
    };
  }, [selectedCode, selectedBbox, loaded, collection]);

  const total = collection.features.length;
  return (
    <div className="map-wrap">
      <div
        ref={containerRef}
        className="map"
        data-testid="commune-map"
        data-loaded={loaded ? 'true' : 'false'}
        role="region"
        aria-label={label ?? t('home.mapLabel', { total })}
      />
      {!loaded && !failed && (
        <p className="map-status" role="status">
          {t('home.loading')}
        </p>
      )}
      {failed && (
        <p className="map-status map-status--error" role="alert">
          {t('home.noWebgl')}
        </p>
      )}
      {hover && (
        <div
          className="map-tooltip"
          data-testid="commune-tooltip"
          role="tooltip"
          style={{ transform: `translate(${Math.round(hover.x)}px, ${Math.round(hover.y)}px)` }}
        >
          <strong>{hover.commune.fullName}</strong>
          <span>
            {lang === 'en' && hover.commune.nameEn ? `${hover.commune.nameEn} · ` : ''}
            {t(hover.commune.kind === 'phuong' ? 'kind.phuong' : 'kind.xa')} · {t('home.code')} {hover.commune.code}
          </span>
          {describe && <span>{describe(hover.commune.code)}</span>}
        </div>
      )}
    </div>
  );
}
