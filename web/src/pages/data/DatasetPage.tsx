import { createContext, useContext, useEffect, useId, useState } from 'react';
import { ClassTags, LoadView, QualityBadges } from '../../components/DataParts.tsx';
import { PublishPanel } from '../../components/PublishPanel.tsx';
import {
  diffVersions,
  getDataset,
  getLineage,
  listRows,
  listVersions,
  type Dataset,
  type DiffResult,
  type RowsPage,
  type VersionInfo,
} from '../../data/api.ts';
import { useCanLoadData, useFormat, useLoad, usePersonName, useReference } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { ROUTE_PATHS, onLinkClick, uploadPath } from '../../router.ts';
import { Pager } from './CataloguePage.tsx';

const ROWS_PAGE = 20;

/** Column name → its title, for the diff tables (which carry names, as the API returns them). */
const ColumnTitles = createContext<ReadonlyMap<string, string>>(new Map());

/** How a diff table heads a column: its title, the source line in words, else its name. */
function useColumnLabel(): (name: string) => string {
  const titles = useContext(ColumnTitles);
  const { t } = useI18n();
  return (name) => titles.get(name) ?? (name === '_line' ? t('ds.sourceLine') : name);
}

const typeKey = (type: string) => `type.${type}` as MessageKey;
const freqKey = (f: string) => `freq.${f}` as MessageKey;
const modeKey = (m: string) => `mode.${m}` as MessageKey;

/** Shows a cell value as people read it: numbers in the UI's locale, booleans as Có/Không. */
function useCell() {
  const { t } = useI18n();
  const f = useFormat();
  return (value: unknown): string => {
    if (value === null || value === undefined || value === '') return '';
    if (typeof value === 'number') return f.num(value);
    if (typeof value === 'boolean') return t(value ? 'ds.yes' : 'ds.no');
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  };
}

/** One catalogued dataset: metadata, schema, quality, versions with a diff, lineage and its rows. */
export function DatasetPage({ slug }: { slug: string }) {
  const { t } = useI18n();
  const { state, reload } = useLoad(slug, (signal) => getDataset(slug, signal));
  if (state.status === 'error' && state.code === 'NOT_FOUND') {
    return (
      <div>
        <p role="alert">{t('ds.notFound', { slug })}</p>
        <a href={ROUTE_PATHS.data} onClick={onLinkClick}>
          {t('ds.back')}
        </a>
      </div>
    );
  }
  return (
    <LoadView state={state} reload={reload}>
      {(dataset) => <DatasetView dataset={dataset} />}
    </LoadView>
  );
}

function DatasetView({ dataset: d }: { dataset: Dataset }) {
  const { t, lang } = useI18n();
  const f = useFormat();
  const canLoad = useCanLoadData();
  const { orgName, themeName } = useReference();
  const title = lang === 'en' && d.titleEn ? d.titleEn : d.title;
  const description = lang === 'en' && d.descriptionEn ? d.descriptionEn : d.description;
  const hasVersions = d.latestVersion !== null;

  useEffect(() => {
    document.title = `${title} — ${t('app.name')}`;
  }, [title, t]);

  return (
    <article className="dataset" data-testid="dataset-page">
      <a className="back-link" href={ROUTE_PATHS.data} onClick={onLinkClick}>
        {t('ds.back')}
      </a>
      <header className="dataset-header">
        <div>
          <h1>{title}</h1>
          <p className="dataset-agency">{orgName(d.publisherOrgId)}</p>
          <ClassTags importance={d.importance} access={d.access} status={d.status} />
        </div>
        {canLoad && (
          <a className="button" href={uploadPath(d.slug)} onClick={onLinkClick} data-testid="dataset-upload">
            {t('ds.uploadButton')}
          </a>
        )}
      </header>
      {description && <p className="dataset-description">{description}</p>}

      <section aria-labelledby="ds-quality">
        <h2 id="ds-quality">{t('q.label')}</h2>
        <QualityBadges quality={d.quality} />
      </section>

      <section aria-labelledby="ds-meta">
        <h2 id="ds-meta">{t('ds.metadata')}</h2>
        <dl className="meta-list">
          <div>
            <dt>{t('ds.slug')}</dt>
            <dd>
              <code>{d.slug}</code>
            </dd>
          </div>
          <div>
            <dt>{t('ds.publisher')}</dt>
            <dd>{orgName(d.publisherOrgId)}</dd>
          </div>
          {d.themes.length > 0 && (
            <div>
              <dt>{t('ds.themes')}</dt>
              <dd>{d.themes.map(themeName).join(', ')}</dd>
            </div>
          )}
          {d.keywords.length > 0 && (
            <div>
              <dt>{t('ds.keywords')}</dt>
              <dd>{d.keywords.join(', ')}</dd>
            </div>
          )}
          <div>
            <dt>{t('ds.frequency')}</dt>
            <dd>{t(freqKey(d.updateFrequency))}</dd>
          </div>
          <div>
            <dt>{t('ds.licence')}</dt>
            <dd>{d.licence === 'none' ? t('ds.noLicence') : d.licence}</dd>
          </div>
          <div>
            <dt>{t('ds.personal')}</dt>
            <dd>{t(d.personalData ? 'ds.yes' : 'ds.no')}</dd>
          </div>
          <div>
            <dt>{t('ds.latest')}</dt>
            <dd data-testid="dataset-latest">{d.latestVersion ?? t('data.none')}</dd>
          </div>
          <div>
            <dt>{t('ds.rowCount')}</dt>
            <dd>{f.int(d.rowCount)}</dd>
          </div>
          <div>
            <dt>{t('ds.lastLoaded')}</dt>
            <dd>{f.dateTime(d.lastLoadedAt)}</dd>
          </div>
          {d.plannedCompletion && (
            <div>
              <dt>{t('ds.planned')}</dt>
              <dd>{d.plannedCompletion}</dd>
            </div>
          )}
          {(d.contact.name || d.contact.email) && (
            <div>
              <dt>{t('ds.contact')}</dt>
              <dd>{[d.contact.name, d.contact.email].filter(Boolean).join(' · ')}</dd>
            </div>
          )}
        </dl>
      </section>

      <section aria-labelledby="ds-schema">
        <h2 id="ds-schema">{t('ds.schema')}</h2>
        {d.columns.length === 0 ? (
          <p className="muted">{t('ds.noSchema')}</p>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="ds-schema">
            <table className="table" data-testid="schema-table">
              <thead>
                <tr>
                  <th scope="col">{t('ds.col.name')}</th>
                  <th scope="col">{t('ds.col.title')}</th>
                  <th scope="col">{t('ds.col.type')}</th>
                  <th scope="col">{t('ds.col.element')}</th>
                  <th scope="col">{t('ds.col.key')}</th>
                  <th scope="col">{t('ds.col.required')}</th>
                </tr>
              </thead>
              <tbody>
                {d.columns.map((c) => (
                  <tr key={c.name}>
                    <td>
                      <code>{c.name}</code>
                    </td>
                    <td>{c.title}</td>
                    <td>
                      {t(typeKey(c.type))}
                      {c.unit ? ` (${c.unit})` : ''}
                    </td>
                    <td>{c.elementCode ? <code>{c.elementCode}</code> : t('data.none')}</td>
                    <td>{c.key ? t('ds.yes') : ''}</td>
                    <td>{c.required ? t('ds.yes') : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {hasVersions ? (
        <ColumnTitles.Provider value={new Map(d.columns.map((c) => [c.name, c.title]))}>
          <VersionSections slug={d.slug} latest={d.latestVersion} />
        </ColumnTitles.Provider>
      ) : (
        <p className="muted">{t('ds.noVersions')}</p>
      )}
      {hasVersions && <PublishPanel dataset={d} />}
    </article>
  );
}

function VersionSections({ slug, latest }: { slug: string; latest: number | null }) {
  const { t } = useI18n();
  const { state, reload } = useLoad(`${slug}@${latest}`, (signal) => listVersions(slug, signal));
  if (state.status === 'error' && state.code === 'LDOP_AGREEMENT_REQUIRED') {
    // Another agency's shared dataset: its rows are read through an LDOP agreement, not on this page.
    return (
      <section aria-labelledby="ds-rows-ldop" data-testid="dataset-needs-agreement">
        <h2 id="ds-rows-ldop">{t('ds.rowsTitle')}</h2>
        <p role="status">{t('ds.needsAgreement')}</p>
        <a className="button" href={ROUTE_PATHS.ldopServices} onClick={onLinkClick}>
          {t('ds.requestAgreement')}
        </a>
      </section>
    );
  }
  return (
    <LoadView state={state} reload={reload}>
      {(versions) => (
        <>
          <VersionsSection slug={slug} versions={versions} />
          <LineageSection slug={slug} latest={latest} />
          <RowsSection slug={slug} versions={versions} />
        </>
      )}
    </LoadView>
  );
}

function VersionsSection({ slug, versions }: { slug: string; versions: VersionInfo[] }) {
  const { t } = useI18n();
  const f = useFormat();
  const person = usePersonName();
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const numbers = sorted.map((v) => v.version);
  const [from, setFrom] = useState<number | null>(numbers[1] ?? null);
  const [to, setTo] = useState<number | null>(numbers[0] ?? null);
  const [diff, setDiff] = useState<{ status: 'idle' | 'loading' } | { status: 'ready'; value: DiffResult } | { status: 'error'; message: string }>({ status: 'idle' });
  const fromId = useId();
  const toId = useId();

  async function compare() {
    if (from === null || to === null) return;
    setDiff({ status: 'loading' });
    try {
      setDiff({ status: 'ready', value: await diffVersions(slug, from, to) });
    } catch (error) {
      setDiff({ status: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }

  return (
    <section aria-labelledby="ds-versions">
      <h2 id="ds-versions">{t('ds.versions')}</h2>
      <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="ds-versions">
        <table className="table table--data" data-testid="versions-table">
          <thead>
            <tr>
              <th scope="col">{t('ds.v.version')}</th>
              <th scope="col">{t('ds.v.mode')}</th>
              <th scope="col" className="num">
                {t('ds.v.rows')}
              </th>
              <th scope="col" className="num">
                {t('ds.v.added')}
              </th>
              <th scope="col" className="num">
                {t('ds.v.removed')}
              </th>
              <th scope="col">{t('ds.v.by')}</th>
              <th scope="col">{t('ds.v.at')}</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((v) => (
              <tr key={v.version}>
                <th scope="row">{v.version}</th>
                <td>{v.mode ? t(modeKey(v.mode)) : ''}</td>
                <td className="num">{f.int(v.rowCount ?? v.rowsLoaded)}</td>
                <td className="num">{f.int(v.added)}</td>
                <td className="num">{f.int(v.removed)}</td>
                <td>{v.createdByName ?? person(v.createdBy)}</td>
                <td>{f.dateTime(v.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted">{t('ds.v.countsHint')}</p>

      <h3>{t('ds.diff')}</h3>
      {numbers.length < 2 ? (
        <p className="muted">{t('ds.diffNeedTwo')}</p>
      ) : (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void compare();
          }}
        >
          <div className="field field--inline">
            <label htmlFor={fromId}>{t('ds.diffFrom')}</label>
            <select id={fromId} value={from ?? ''} onChange={(e) => setFrom(Number(e.target.value))}>
              {numbers.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <div className="field field--inline">
            <label htmlFor={toId}>{t('ds.diffTo')}</label>
            <select id={toId} value={to ?? ''} onChange={(e) => setTo(Number(e.target.value))}>
              {numbers.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="button button--small" disabled={diff.status === 'loading' || from === to}>
            {t('ds.diffRun')}
          </button>
        </form>
      )}
      <div aria-live="polite" data-testid="diff-result">
        {diff.status === 'loading' && <p className="muted">{t('data.loading')}</p>}
        {diff.status === 'error' && <p className="form-error">{t('data.error', { message: diff.message })}</p>}
        {diff.status === 'ready' && <DiffView diff={diff.value} />}
      </div>
    </section>
  );
}

function DiffView({ diff }: { diff: DiffResult }) {
  const { t } = useI18n();
  return (
    <div className="diff">
      <p>{t('ds.diffCounts', diff.counts)}</p>
      {diff.added.length > 0 && <RowTable caption={t('ds.diffAdded')} rows={diff.added} className="diff-added" />}
      {diff.removed.length > 0 && <RowTable caption={t('ds.diffRemoved')} rows={diff.removed} className="diff-removed" />}
      {diff.changed.length > 0 && <ChangedTable changed={diff.changed} />}
    </div>
  );
}

const asRow = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Changed rows as their key and, per changed column, "before → after". */
function ChangedTable({ changed }: { changed: unknown[] }) {
  const { t } = useI18n();
  const cell = useCell();
  const label = useColumnLabel();
  const caption = t('ds.diffChanged');
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="table table--compact diff-changed">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('ds.col.key')}</th>
            <th scope="col">{caption}</th>
          </tr>
        </thead>
        <tbody>
          {changed.slice(0, 50).map((item, i) => {
            const c = asRow(item);
            const before = asRow(c.before);
            const after = asRow(c.after);
            const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
            return (
              <tr key={i}>
                <td>
                  {Object.values(asRow(c.key))
                    .map((v) => cell(v))
                    .join(' | ')}
                </td>
                <td>
                  {fields.map((k) => (
                    <span key={k} className="change">
                      {label(k)}: <del>{cell(before[k])}</del> → <ins>{cell(after[k])}</ins>{' '}
                    </span>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** A small table of loose rows (diffs): columns are the union of their keys, system columns last. */
function RowTable({ caption, rows, className }: { caption: string; rows: Record<string, unknown>[]; className?: string }) {
  const cell = useCell();
  const label = useColumnLabel();
  const shown = rows.slice(0, 50);
  const columns = [...new Set(shown.flatMap((r) => Object.keys(r)))];
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className={`table table--compact ${className ?? ''}`}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {label(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{cell(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LineageSection({ slug, latest }: { slug: string; latest: number | null }) {
  const { t } = useI18n();
  const f = useFormat();
  const person = usePersonName();
  const { state, reload } = useLoad(`${slug}@${latest}`, (signal) => getLineage(slug, signal));
  return (
    <section aria-labelledby="ds-lineage">
      <h2 id="ds-lineage">{t('ds.lineage')}</h2>
      <LoadView state={state} reload={reload}>
        {(entries) => (
          <ol className="lineage" data-testid="lineage">
            {[...entries]
              .sort((a, b) => b.version - a.version)
              .map((e) => (
                <li key={e.version}>
                  <p className="lineage-title">
                    {e.upload ? t('ds.lineageItem', { version: e.version, file: e.upload.filename }) : t('ds.lineageNoFile', { version: e.version })}
                  </p>
                  <p className="lineage-meta">
                    {e.upload && (
                      <>
                        <abbr title={e.upload.sha256}>SHA-256 {e.upload.sha256.slice(0, 12)}</abbr> · {f.bytes(e.upload.size)} ·{' '}
                      </>
                    )}
                    {e.createdByName ?? person(e.createdBy)} · <time dateTime={e.createdAt}>{f.dateTime(e.createdAt)}</time>
                    {e.mode && <> · {t(modeKey(e.mode))}</>}
                    {e.run && <> · {t('ds.lineageRun', { read: f.int(e.run.rowsRead), rejected: f.int(e.run.rowsRejected) })}</>}
                  </p>
                </li>
              ))}
          </ol>
        )}
      </LoadView>
    </section>
  );
}

function RowsSection({ slug, versions }: { slug: string; versions: VersionInfo[] }) {
  const { t } = useI18n();
  const f = useFormat();
  const cell = useCell();
  const numbers = versions.map((v) => v.version).sort((a, b) => b - a);
  const [version, setVersion] = useState<number | null>(numbers[0] ?? null);
  const [filter, setFilter] = useState('');
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<{ column: string; dir: 'asc' | 'desc' } | null>(null);
  const [offset, setOffset] = useState(0);
  const versionId = useId();
  const filterId = useId();

  useEffect(() => {
    const timer = setTimeout(() => setQ(filter), 300);
    return () => clearTimeout(timer);
  }, [filter]);

  const query = { version, limit: ROWS_PAGE, offset, q, sort: sort ? `${sort.column}:${sort.dir}` : null };
  const { state, reload } = useLoad(JSON.stringify([slug, query]), (signal) => listRows(slug, query, signal));

  function columnsOf(page: RowsPage): RowsPage['columns'] {
    if (page.columns.length) return page.columns;
    const names = [...new Set(page.rows.flatMap((r) => Object.keys(r)))];
    return names.map((name) => ({ name, title: name, type: 'text' }));
  }

  function toggleSort(column: string) {
    setSort((s) => (s?.column === column ? { column, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { column, dir: 'asc' }));
    setOffset(0);
  }

  return (
    <section aria-labelledby="ds-rows">
      <h2 id="ds-rows">{t('ds.rowsTitle')}</h2>
      <div className="inline-form">
        <div className="field field--inline">
          <label htmlFor={versionId}>{t('ds.rowsVersion')}</label>
          <select
            id={versionId}
            value={version ?? ''}
            onChange={(e) => {
              setVersion(Number(e.target.value));
              setOffset(0);
            }}
          >
            {numbers.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--inline field--grow">
          <label htmlFor={filterId}>{t('ds.rowsSearch')}</label>
          <input
            id={filterId}
            type="search"
            value={filter}
            autoComplete="off"
            onChange={(e) => {
              setFilter(e.target.value);
              setOffset(0);
            }}
          />
        </div>
      </div>
      <LoadView state={state} reload={reload}>
        {(page) => {
          const columns = columnsOf(page);
          if (page.rows.length === 0) return <p className="muted">{t('ds.rowsEmpty')}</p>;
          return (
            <>
              <p className="muted" aria-live="polite">
                {t('ds.rowsRange', { from: f.int(offset + 1), to: f.int(offset + page.rows.length), total: f.int(page.total) })}
              </p>
              <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="ds-rows">
                <table className="table table--data" data-testid="rows-table">
                  <thead>
                    <tr>
                      {columns.map((c) => {
                        const sorted = sort?.column === c.name ? sort.dir : null;
                        return (
                          <th
                            key={c.name}
                            scope="col"
                            className={c.type === 'integer' || c.type === 'number' ? 'num' : undefined}
                            aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                          >
                            {c.masked ? (
                              <span title={t('ds.maskedColumn')} data-masked="true">
                                {c.title} <span aria-hidden="true">🔒</span>
                              </span>
                            ) : (
                              <button type="button" className="sort-button" onClick={() => toggleSort(c.name)} title={t('ds.sortBy', { column: c.title })}>
                                {c.title}
                                <span aria-hidden="true" className="sort-mark">
                                  {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                                </span>
                              </button>
                            )}
                          </th>
                        );
                      })}
                    </tr>
                  </thead>
                  <tbody>
                    {page.rows.map((row, i) => (
                      <tr key={offset + i}>
                        {columns.map((c) => (
                          <td key={c.name} className={c.type === 'integer' || c.type === 'number' ? 'num' : undefined}>
                            {cell(row[c.name])}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager total={page.total} offset={offset} onOffset={setOffset} pageSize={ROWS_PAGE} />
            </>
          );
        }}
      </LoadView>
    </section>
  );
}
