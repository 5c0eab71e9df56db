import { useEffect, useId, useState } from 'react';
import { LoadView } from '../../components/DataParts.tsx';
import { useOrgName } from '../../components/LdopParts.tsx';
import { useLoad } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { searchServices } from '../../ldop/api.ts';
import { onLinkClick, servicePath } from '../../router.ts';

const PAGE_SIZE = 20;

export const KIND_LABEL: Record<string, MessageKey> = { dataset: 'ldop.kind.dataset', query: 'ldop.kind.query', rest: 'ldop.kind.rest' };

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Dịch vụ: the one searchable catalogue of LDOP services, with provider and who has access now. */
export function ServicesPage() {
  const { t } = useI18n();
  const orgName = useOrgName();
  const [query, setQuery] = useState('');
  const [offset, setOffset] = useState(0);
  const q = useDebounced(query, 300);
  const searchId = useId();
  const hintId = useId();
  const params = { q, limit: PAGE_SIZE, offset };
  const { state, reload } = useLoad(JSON.stringify(params), (signal) => searchServices(params, signal));

  return (
    <div className="ldop-services">
      <h1>{t('ldop.services')}</h1>
      <p className="lead">{t('ldop.servicesIntro')}</p>
      <form className="catalogue-search" role="search" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor={searchId}>{t('ldop.search')}</label>
        <input
          id={searchId}
          type="search"
          value={query}
          placeholder={t('ldop.searchPlaceholder')}
          aria-describedby={hintId}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => {
            setQuery(e.target.value);
            setOffset(0);
          }}
        />
        <p className="hint" id={hintId}>
          {t('ldop.searchHint')}
        </p>
      </form>
      <LoadView state={state} reload={reload}>
        {(result) => (
          <>
            <p className="results-count" role="status">
              {t('ldop.results', { count: result.total })}
            </p>
            {result.items.length === 0 ? (
              <p className="empty">{t('ldop.noServices')}</p>
            ) : (
              <ul className="dataset-cards" data-testid="service-results">
                {result.items.map((s) => (
                  <li key={s.id}>
                    <article className="dataset-card service-card">
                      <div className="dataset-card-head">
                        <h2>
                          <a href={servicePath(s.id)} onClick={onLinkClick}>
                            {s.title}
                          </a>
                        </h2>
                        <span className="tag">{KIND_LABEL[s.kind] ? t(KIND_LABEL[s.kind]!) : s.kind}</span>
                      </div>
                      <p className="dataset-agency">
                        <span className="visually-hidden">{t('ldop.provider')}: </span>
                        {orgName(s.orgId)}
                      </p>
                      {s.description && <p className="dataset-description">{s.description}</p>}
                      <p className="dataset-meta">
                        <code className="service-path">{s.path}</code>
                      </p>
                      <p className="dataset-meta">
                        {s.access.length === 0 ? (
                          t('ldop.accessNone')
                        ) : (
                          <span>
                            {t('ldop.access')}: {[...new Set(s.access.map((a) => orgName(a.consumerOrgId)))].join(', ')}
                          </span>
                        )}
                      </p>
                    </article>
                  </li>
                ))}
              </ul>
            )}
            {result.total > PAGE_SIZE && (
              <div className="pager">
                <button type="button" className="button button--small button--ghost" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
                  ←
                </button>
                <span>
                  {offset + 1}–{Math.min(offset + PAGE_SIZE, result.total)} / {result.total}
                </span>
                <button type="button" className="button button--small button--ghost" disabled={offset + PAGE_SIZE >= result.total} onClick={() => setOffset(offset + PAGE_SIZE)}>
                  →
                </button>
              </div>
            )}
          </>
        )}
      </LoadView>
    </div>
  );
}
