import { lazy, Suspense, useEffect, useId, useMemo, useRef, useState } from 'react';
import { KIND_COLOURS, useCommunes, type Commune } from '../communes.ts';
import { useI18n } from '../i18n.ts';
import { matchesQuery } from '../text.ts';

// MapLibre is most of the bundle: load it on its own so the header, counts and search come first
// on a slow phone connection.
const loadCommuneMap = () => import('../components/CommuneMap.tsx');
const CommuneMap = lazy(() => loadCommuneMap().then((m) => ({ default: m.CommuneMap })));

/** Home: the map of the 135 communes and wards, their counts, and a search that zooms to one. */
export function HomePage() {
  const { t } = useI18n();
  const { state, reload } = useCommunes();
  const [query, setQuery] = useState('');
  const [selectedCode, setSelectedCode] = useState<string | null>(null);
  const searchId = useId();
  // Fetch the map code while the boundaries download, not after.
  useEffect(() => void loadCommuneMap(), []);
  const hintId = useId();

  const communes = state.status === 'ready' ? state.communes : [];
  const counts = useMemo(
    () => ({
      total: communes.length,
      xa: communes.filter((c) => c.kind === 'xa').length,
      phuong: communes.filter((c) => c.kind === 'phuong').length,
    }),
    [communes],
  );
  const results = useMemo(() => (query.trim() ? communes.filter((c) => matchesQuery(c.searchKey, query)) : communes), [communes, query]);
  const mapSectionRef = useRef<HTMLElement>(null);

  /** On a phone the map sits above the list: bring it into view to show the zoom. */
  function chooseFromList(code: string) {
    const next = code === selectedCode ? null : code;
    setSelectedCode(next);
    if (next && window.matchMedia('(max-width: 799px)').matches) {
      mapSectionRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
    }
  }

  const selected: Commune | null = communes.find((c) => c.code === selectedCode) ?? null;
  const selectedForMap = useMemo(() => (selected ? { code: selected.code, bbox: selected.bbox } : null), [selected]);

  return (
    <div className="home">
      <section className="home-map" aria-labelledby="home-title" ref={mapSectionRef}>
        <h1 id="home-title" className="visually-hidden">
          {t('home.title')}
        </h1>
        {state.status === 'ready' && (
          <Suspense
            fallback={
              <p className="map-status" role="status">
                {t('home.loading')}
              </p>
            }
          >
            <CommuneMap collection={state.collection} selected={selectedForMap} onSelect={setSelectedCode} />
          </Suspense>
        )}
        {state.status === 'loading' && (
          <p className="map-status" role="status">
            {t('home.loading')}
          </p>
        )}
        {state.status === 'error' && (
          <div className="map-status map-status--error" role="alert">
            <p>{t('home.loadFailed', { message: state.message })}</p>
            <button type="button" className="button" onClick={reload}>
              {t('home.retry')}
            </button>
          </div>
        )}
      </section>

      <aside className="home-panel" aria-label={t('home.title')}>
        <h2 className="panel-title">{t('home.title')}</h2>
        {state.status === 'ready' && (
          <>
            <p className="panel-intro">{t('home.intro', { total: counts.total })}</p>
            <dl className="counts" aria-label={t('home.countsLabel')} data-testid="commune-counts">
              <div className="count count--total">
                <dt>{t('home.total')}</dt>
                <dd>{counts.total}</dd>
              </div>
              <div className="count">
                <dt>
                  <span className="swatch" style={{ background: KIND_COLOURS.xa }} aria-hidden="true" />
                  {t('home.xa')}
                </dt>
                <dd>{counts.xa}</dd>
              </div>
              <div className="count">
                <dt>
                  <span className="swatch" style={{ background: KIND_COLOURS.phuong }} aria-hidden="true" />
                  {t('home.phuong')}
                </dt>
                <dd>{counts.phuong}</dd>
              </div>
            </dl>

            {selected && (
              <div className="selected" aria-live="polite">
                <p className="selected-label">{t('home.selected')}</p>
                <p className="selected-name">{selected.fullName}</p>
                <p className="selected-meta">
                  {t(selected.kind === 'phuong' ? 'kind.phuong' : 'kind.xa')} · {t('home.code')} {selected.code}
                </p>
                <button type="button" className="button button--ghost" onClick={() => setSelectedCode(null)}>
                  {t('home.showAll')}
                </button>
              </div>
            )}

            <div className="search">
              <label htmlFor={searchId}>{t('home.search')}</label>
              <input
                id={searchId}
                type="search"
                value={query}
                placeholder={t('home.searchPlaceholder')}
                aria-describedby={hintId}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => setQuery(e.target.value)}
              />
              <p id={hintId} className="hint">
                {t('home.searchHint')} <span aria-live="polite">{t('home.results', { count: results.length })}</span>
              </p>
            </div>
            {results.length === 0 ? (
              <p className="empty">{t('home.noResults')}</p>
            ) : (
              <ul className="commune-list" data-testid="commune-list">
                {results.map((c) => (
                  <li key={c.code}>
                    <button
                      type="button"
                      className="commune-item"
                      aria-pressed={c.code === selectedCode}
                      onClick={() => chooseFromList(c.code)}
                    >
                      <span className="swatch" style={{ background: KIND_COLOURS[c.kind] }} aria-hidden="true" />
                      <span className="commune-name">{c.fullName}</span>
                      <span className="commune-code">{c.code}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </aside>
    </div>
  );
}
