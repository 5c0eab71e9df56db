/**
 * Tìm dữ liệu: CKAN `package_search` with facets (theme, commune, agency, format, licence) and their counts,
 * paginated. The query and filters live in the address (`?q=du+lich&groups=du-lich&page=2`) so a
 * search can be shared and the back button works.
 */
import { useEffect, useId, useState } from 'react';
import { LoadView } from '../../components/DataParts.tsx';
import { useFormat, useLoad, useReference } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { FACET_FIELDS, searchPackages, type FacetField, type FacetItem } from '../../portal/api.ts';
import { PackageCard, PortalLayout } from './PortalHome.tsx';

const PAGE_SIZE = 10;
/** Values shown per facet before "show more" (135 communes would push the results off the screen). */
const FACET_SHOWN = 8;
const SORTS = { relevance: undefined, newest: 'metadata_modified desc', title: 'title_string asc' } as const;
type SortKey = keyof typeof SORTS;

interface SearchState {
  q: string;
  filters: Partial<Record<FacetField, string>>;
  page: number;
  sort: SortKey;
}

function readState(): SearchState {
  const qs = new URLSearchParams(window.location.search);
  const filters: Partial<Record<FacetField, string>> = {};
  for (const field of FACET_FIELDS) {
    const value = qs.get(field);
    if (value) filters[field] = value;
  }
  const sort = qs.get('sort');
  return { q: qs.get('q') ?? '', filters, page: Math.max(1, Number(qs.get('page')) || 1), sort: sort === 'newest' || sort === 'title' ? sort : 'relevance' };
}

function writeState(state: SearchState): void {
  const qs = new URLSearchParams();
  if (state.q.trim()) qs.set('q', state.q.trim());
  for (const field of FACET_FIELDS) if (state.filters[field]) qs.set(field, state.filters[field]!);
  if (state.sort !== 'relevance') qs.set('sort', state.sort);
  if (state.page > 1) qs.set('page', String(state.page));
  const s = qs.toString();
  const next = `${window.location.pathname}${s ? `?${s}` : ''}`;
  if (next !== window.location.pathname + window.location.search) window.history.replaceState(null, '', next);
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function PortalSearch() {
  const { t, lang } = useI18n();
  const f = useFormat();
  const { orgName, themeName } = useReference();
  const [state, setState] = useState<SearchState>(readState);
  const q = useDebounced(state.q, 300);
  const searchId = useId();
  const hintId = useId();
  const sortId = useId();
  const [wide] = useState(() => window.matchMedia('(min-width: 800px)').matches);
  const [expanded, setExpanded] = useState<Partial<Record<FacetField, boolean>>>({});

  useEffect(() => writeState(state), [state]);

  const params = { q, filters: state.filters, rows: PAGE_SIZE, start: (state.page - 1) * PAGE_SIZE, sort: SORTS[state.sort] };
  const { state: result, reload } = useLoad(JSON.stringify(params), (signal) => searchPackages(params, signal));
  const value = result.status === 'ready' ? result.value : null;

  function label(field: FacetField, item: FacetItem): string {
    if (field === 'groups') return lang === 'vi' ? item.displayName : themeName(item.name);
    if (field === 'organization') return orgName(item.name) !== item.name ? orgName(item.name) : item.displayName;
    return item.displayName;
  }
  const setFilter = (field: FacetField, v: string | undefined) => setState((s) => ({ ...s, filters: { ...s.filters, [field]: v }, page: 1 }));
  const anyFilter = FACET_FIELDS.some((field) => state.filters[field]);
  const pages = value ? Math.max(1, Math.ceil(value.count / PAGE_SIZE)) : 1;

  return (
    <PortalLayout current="search">
      <h1>{t('portal.search')}</h1>
      <form className="catalogue-search" role="search" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor={searchId}>{t('portal.searchLabel')}</label>
        <input
          id={searchId}
          type="search"
          value={state.q}
          placeholder={t('portal.searchPlaceholder')}
          aria-describedby={hintId}
          autoComplete="off"
          spellCheck={false}
          data-testid="portal-search"
          onChange={(e) => setState((s) => ({ ...s, q: e.target.value, page: 1 }))}
        />
        <p id={hintId} className="hint">
          {t('portal.searchHint')}
        </p>
      </form>

      <div className="catalogue-layout">
        <details className="facets" open={wide}>
          <summary>{t('portal.filters')}</summary>
          {value &&
            FACET_FIELDS.filter((field) => value.facets[field].length > 0 || state.filters[field]).map((field) => (
              <fieldset key={field} className="facet" data-facet={field}>
                <legend>{t(`portal.facet.${field}` as MessageKey)}</legend>
                <label className="facet-option">
                  <input type="radio" name={`facet-${field}`} checked={!state.filters[field]} onChange={() => setFilter(field, undefined)} />
                  <span className="facet-label">{t('portal.anyValue')}</span>
                </label>
                {value.facets[field]
                  .filter((item, i) => expanded[field] || i < FACET_SHOWN || state.filters[field] === item.name)
                  .map((item) => (
                    <label key={item.name} className="facet-option">
                      <input type="radio" name={`facet-${field}`} checked={state.filters[field] === item.name} onChange={() => setFilter(field, item.name)} />
                      <span className="facet-label">{label(field, item)}</span>
                      <span className="facet-count">{f.int(item.count)}</span>
                    </label>
                  ))}
                {value.facets[field].length > FACET_SHOWN && (
                  <button type="button" className="button button--small button--ghost facet-more" aria-expanded={!!expanded[field]}
                    onClick={() => setExpanded((e) => ({ ...e, [field]: !e[field] }))}>
                    {expanded[field] ? t('portal.facetLess') : t('portal.facetMore', { count: value.facets[field].length - FACET_SHOWN })}
                  </button>
                )}
              </fieldset>
            ))}
          {anyFilter && (
            <button type="button" className="button button--small button--ghost" onClick={() => setState((s) => ({ ...s, filters: {}, page: 1 }))}>
              {t('portal.clearFilters')}
            </button>
          )}
        </details>

        <section className="catalogue-results" aria-labelledby={`${searchId}-count`}>
          <div className="portal-results-head">
            <p id={`${searchId}-count`} className="results-count" aria-live="polite" data-testid="portal-count">
              {value ? t('portal.results', { count: f.int(value.count) }) : ''}
            </p>
            <label className="portal-sort" htmlFor={sortId}>
              <span>{t('portal.sort')}</span>
              <select id={sortId} value={state.sort} onChange={(e) => setState((s) => ({ ...s, sort: e.target.value as SortKey, page: 1 }))}>
                <option value="relevance">{t('portal.sortRelevance')}</option>
                <option value="newest">{t('portal.sortNewest')}</option>
                <option value="title">{t('portal.sortTitle')}</option>
              </select>
            </label>
          </div>
          <LoadView state={result} reload={reload}>
            {(found) =>
              found.results.length === 0 ? (
                <p className="empty">{t('portal.noResults')}</p>
              ) : (
                <>
                  <ul className="dataset-cards" data-testid="portal-results">
                    {found.results.map((p) => (
                      <li key={p.id}>
                        <PackageCard pkg={p} />
                      </li>
                    ))}
                  </ul>
                  {pages > 1 && (
                    <nav className="pager" aria-label={t('portal.paging')}>
                      <button type="button" className="button button--small button--ghost" disabled={state.page <= 1} onClick={() => setState((s) => ({ ...s, page: s.page - 1 }))}>
                        {t('portal.prev')}
                      </button>
                      <span aria-live="polite">{t('portal.page', { page: state.page, pages })}</span>
                      <button type="button" className="button button--small button--ghost" disabled={state.page >= pages} onClick={() => setState((s) => ({ ...s, page: s.page + 1 }))}>
                        {t('portal.next')}
                      </button>
                    </nav>
                  )}
                </>
              )
            }
          </LoadView>
        </section>
      </div>
    </PortalLayout>
  );
}
