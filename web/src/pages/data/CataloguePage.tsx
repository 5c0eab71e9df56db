import { useEffect, useId, useState } from 'react';
import { ClassTags, LoadView, ScoreBadge, useClassLabel } from '../../components/DataParts.tsx';
import { FACETS, searchDatasets, type Dataset, type Facet, type FacetValue } from '../../data/api.ts';
import { useFormat, useLoad, useReference } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { datasetPath, onLinkClick } from '../../router.ts';

const PAGE_SIZE = 20;

const FACET_TITLES: Record<Facet, MessageKey> = {
  theme: 'facet.theme',
  publisher: 'facet.publisher',
  importance: 'class.importance',
  access: 'class.access',
  status: 'status.label',
};

/** Waits until typing pauses, so the catalogue is not searched on every key press. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Danh mục dữ liệu: full-text search (diacritics optional, typos tolerated) with facet filters. */
export function CataloguePage() {
  const { t, lang } = useI18n();
  const [query, setQuery] = useState('');
  const [filters, setFilters] = useState<Partial<Record<Facet, string[]>>>({});
  const [offset, setOffset] = useState(0);
  const q = useDebounced(query, 300);
  const searchId = useId();
  const hintId = useId();
  const { orgName, themeName } = useReference();
  const classLabel = useClassLabel();
  // Filters start open where there is room beside the results, folded on a phone.
  const [wide] = useState(() => window.matchMedia('(min-width: 800px)').matches);

  const params = { q, filters, limit: PAGE_SIZE, offset };
  const { state, reload } = useLoad(JSON.stringify(params), (signal) => searchDatasets(params, signal));

  function toggle(facet: Facet, value: string, on: boolean) {
    setFilters((current) => {
      const values = new Set(current[facet] ?? []);
      if (on) values.add(value);
      else values.delete(value);
      return { ...current, [facet]: [...values] };
    });
    setOffset(0);
  }

  function facetLabel(facet: Facet, v: FacetValue): string {
    if (facet === 'publisher') return orgName(v.value) !== v.value ? orgName(v.value) : (v.label ?? v.value);
    if (facet === 'theme') return lang === 'vi' && v.label ? v.label : themeName(v.value);
    return classLabel(v.value);
  }

  const anyFilter = FACETS.some((f) => (filters[f] ?? []).length > 0);
  const result = state.status === 'ready' ? state.value : null;

  return (
    <div className="catalogue">
      <h1>{t('data.catalogue')}</h1>
      <form className="catalogue-search" role="search" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor={searchId}>{t('cat.search')}</label>
        <input
          id={searchId}
          type="search"
          value={query}
          placeholder={t('cat.searchPlaceholder')}
          aria-describedby={hintId}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => {
            setQuery(e.target.value);
            setOffset(0);
          }}
        />
        <p id={hintId} className="hint">
          {t('cat.searchHint')}
        </p>
      </form>

      <div className="catalogue-layout">
        <details className="facets" open={wide}>
          <summary>{t('cat.filters')}</summary>
          {result &&
            FACETS.filter((facet) => result.facets[facet].length > 0).map((facet) => (
              <fieldset key={facet} className="facet">
                <legend>{t(FACET_TITLES[facet])}</legend>
                {result.facets[facet].map((v) => {
                  const checked = (filters[facet] ?? []).includes(v.value);
                  return (
                    <label key={v.value} className="facet-option">
                      <input type="checkbox" checked={checked} onChange={(e) => toggle(facet, v.value, e.target.checked)} />
                      <span className="facet-label">{facetLabel(facet, v)}</span>
                      <span className="facet-count">{v.count}</span>
                    </label>
                  );
                })}
              </fieldset>
            ))}
          {anyFilter && (
            <button
              type="button"
              className="button button--small button--ghost"
              onClick={() => {
                setFilters({});
                setOffset(0);
              }}
            >
              {t('cat.clearFilters')}
            </button>
          )}
        </details>

        <section className="catalogue-results" aria-labelledby={`${searchId}-results`}>
          <p id={`${searchId}-results`} className="results-count" aria-live="polite" data-testid="catalogue-count">
            {result ? t('cat.results', { count: result.total }) : ''}
          </p>
          <LoadView state={state} reload={reload}>
            {(value) =>
              value.items.length === 0 ? (
                <p className="empty">{t('cat.noResults')}</p>
              ) : (
                <>
                  <ul className="dataset-cards" data-testid="catalogue-results">
                    {value.items.map((d) => (
                      <li key={d.id}>
                        <DatasetCard dataset={d} agency={orgName(d.publisherOrgId)} />
                      </li>
                    ))}
                  </ul>
                  <Pager total={value.total} offset={offset} onOffset={setOffset} />
                </>
              )
            }
          </LoadView>
        </section>
      </div>
    </div>
  );
}

function DatasetCard({ dataset: d, agency }: { dataset: Dataset; agency: string }) {
  const { t, lang } = useI18n();
  const f = useFormat();
  const title = lang === 'en' && d.titleEn ? d.titleEn : d.title;
  const description = lang === 'en' && d.descriptionEn ? d.descriptionEn : d.description;
  return (
    <article className="dataset-card">
      <div className="dataset-card-head">
        <h2>
          <a href={datasetPath(d.slug)} onClick={onLinkClick}>
            {title}
          </a>
        </h2>
        <ScoreBadge score={d.quality?.score ?? null} />
      </div>
      <p className="dataset-agency">{agency}</p>
      <ClassTags importance={d.importance} access={d.access} status={d.status} />
      {description && <p className="dataset-description">{description}</p>}
      <p className="dataset-meta">
        {d.latestVersion !== null && <span>{t('cat.version', { version: d.latestVersion })}</span>}
        {d.rowCount !== null && <span>{t('cat.rows', { count: f.int(d.rowCount) })}</span>}
        {d.status === 'planned' && d.plannedCompletion && <span>{t('cat.plannedBy', { when: d.plannedCompletion })}</span>}
      </p>
    </article>
  );
}

export function Pager({ total, offset, onOffset, pageSize = PAGE_SIZE }: { total: number; offset: number; onOffset: (offset: number) => void; pageSize?: number }) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.floor(offset / pageSize) + 1;
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={t('cat.paging')}>
      <button type="button" className="button button--small button--ghost" disabled={page <= 1} onClick={() => onOffset(Math.max(0, offset - pageSize))}>
        {t('cat.prev')}
      </button>
      <span aria-live="polite">{t('cat.page', { page, pages })}</span>
      <button type="button" className="button button--small button--ghost" disabled={page >= pages} onClick={() => onOffset(offset + pageSize)}>
        {t('cat.next')}
      </button>
    </nav>
  );
}
