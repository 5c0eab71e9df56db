/**
 * The public page of one published dataset: metadata, the four quality badges, a paged preview, an
 * automatic chart and commune map, downloads, version, licence, how to cite and the CKAN API lines.
 * Everything comes from the public API, so an unpublished dataset is "không tìm thấy" here as well.
 */
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useCommunes } from '../../communes.ts';
import { LoadView, QualityBadges } from '../../components/DataParts.tsx';
import { PortalChart } from '../../components/PortalChart.tsx';
import { useFormat, useLoad, useReference } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { SCALE, aggregate, breaks, classOf, columnInfo, planFor, type ColumnInfo, type Plan, type Point } from '../../portal/analyse.ts';
import { datastoreSearch, downloadUrl, getPublicDetails, getUsage, showPackage, type PortalPackage, type PublicColumn, type PublicQuality } from '../../portal/api.ts';
import { ROUTE_PATHS, onLinkClick, portalDatasetPath } from '../../router.ts';
import { PortalLayout, packageTitle } from './PortalHome.tsx';

const loadCommuneMap = () => import('../../components/CommuneMap.tsx');
const CommuneMap = lazy(() => loadCommuneMap().then((m) => ({ default: m.CommuneMap })));

const PREVIEW_ROWS = 10;
/** Rows read to draw the chart and the map (the datastore caps a page at 32,000). */
const CHART_ROWS = 10_000;
const TOP_BARS = 12;

const FREQ: Record<string, MessageKey> = {
  daily: 'freq.daily',
  weekly: 'freq.weekly',
  monthly: 'freq.monthly',
  quarterly: 'freq.quarterly',
  semiannual: 'freq.semiannual',
  annual: 'freq.annual',
  irregular: 'freq.irregular',
  never: 'freq.never',
};

export function PortalDataset({ slug }: { slug: string }) {
  const { t } = useI18n();
  const { state, reload } = useLoad(`pkg:${slug}`, async (signal) => {
    const pkg = await showPackage(slug, signal);
    // Titles of the columns and the quality scores: a nicety, the page works without them.
    const details = await getPublicDetails(slug, signal).catch(() => null);
    return { pkg, details };
  });

  if (state.status === 'error' && (state.code === 'http_404' || state.code === 'NOT_FOUND' || /Not Found/i.test(state.message))) {
    return (
      <PortalLayout current="dataset">
        <DatasetNotFound />
      </PortalLayout>
    );
  }
  return (
    <PortalLayout current="dataset">
      <LoadView state={state} reload={reload}>
        {({ pkg, details }) => <DatasetView pkg={pkg} columns={details?.columns ?? []} quality={details?.quality ?? null} />}
      </LoadView>
      {state.status === 'loading' && <span className="visually-hidden">{t('data.loading')}</span>}
    </PortalLayout>
  );
}

function DatasetNotFound() {
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${t('portal.notFoundTitle')} — ${t('nav.openData')}`;
  }, [t]);
  return (
    <div className="portal-not-found" data-testid="portal-not-found">
      <h1>{t('portal.notFoundTitle')}</h1>
      <p>{t('portal.notFoundBody')}</p>
      <a href={ROUTE_PATHS.openDataSearch} onClick={onLinkClick}>
        {t('portal.back')}
      </a>
    </div>
  );
}

function DatasetView({ pkg, columns, quality }: { pkg: PortalPackage; columns: PublicColumn[]; quality: PublicQuality | null }) {
  const { t, lang } = useI18n();
  const f = useFormat();
  const { themeName } = useReference();
  const title = packageTitle(pkg, lang);
  const notes = lang === 'en' && pkg.notesEn ? pkg.notesEn : pkg.notes;
  const agency = (lang === 'en' && pkg.org?.titleEn ? pkg.org.titleEn : pkg.org?.title) ?? pkg.author ?? '—';
  const resource = pkg.resources[0] ?? null;
  const usage = useLoad(`usage:${pkg.name}`, (signal) => getUsage(pkg.name, signal));

  useEffect(() => {
    document.title = `${title} — ${t('nav.openData')}`;
  }, [title, t]);

  const temporal = pkg.extras.temporal_start || pkg.extras.temporal_end ? `${pkg.extras.temporal_start ? f.date(pkg.extras.temporal_start) : '…'} – ${pkg.extras.temporal_end ? f.date(pkg.extras.temporal_end) : '…'}` : '—';
  const u = usage.state.status === 'ready' ? usage.state.value : null;

  return (
    <article className="dataset portal-dataset" data-testid="portal-dataset">
      <a className="back-link" href={ROUTE_PATHS.openDataSearch} onClick={onLinkClick}>
        {t('portal.back')}
      </a>
      <div className="dataset-header">
        <div>
          <h1>{title}</h1>
          <p className="dataset-agency">{agency}</p>
        </div>
      </div>
      {notes && <p className="dataset-description">{notes}</p>}

      <section aria-labelledby="pd-downloads" className="portal-downloads">
        <h2 id="pd-downloads">{t('portal.downloads')}</h2>
        <Downloads pkg={pkg} />
      </section>

      <section aria-labelledby="pd-meta">
        <h2 id="pd-meta">{t('portal.metadata')}</h2>
        <dl className="meta-list">
          <div>
            <dt>{t('portal.agency')}</dt>
            <dd>{agency}</dd>
          </div>
          <div>
            <dt>{t('portal.theme')}</dt>
            <dd>{pkg.groups.map((g) => (lang === 'vi' ? g.title : themeName(g.name))).join(', ') || '—'}</dd>
          </div>
          <div>
            <dt>{t('portal.frequency')}</dt>
            <dd>{FREQ[pkg.extras.frequency ?? ''] ? t(FREQ[pkg.extras.frequency!]!) : (pkg.extras.frequency ?? '—')}</dd>
          </div>
          <div>
            <dt>{t('portal.temporal')}</dt>
            <dd>{temporal}</dd>
          </div>
          <div>
            <dt>{t('portal.spatial')}</dt>
            <dd>{pkg.extras.spatial ?? '—'}</dd>
          </div>
          <div>
            <dt>{t('portal.rows')}</dt>
            <dd>{pkg.extras.row_count ? f.int(Number(pkg.extras.row_count)) : '—'}</dd>
          </div>
          <div>
            <dt>{t('portal.contact')}</dt>
            <dd>
              {pkg.maintainer ?? '—'}
              {pkg.maintainerEmail && (
                <>
                  {' · '}
                  <a href={`mailto:${pkg.maintainerEmail}`}>{pkg.maintainerEmail}</a>
                </>
              )}
            </dd>
          </div>
          <div>
            <dt>{t('portal.keywords')}</dt>
            <dd>{pkg.tags.join(', ') || '—'}</dd>
          </div>
          <div>
            <dt>{t('portal.usage')}</dt>
            <dd data-testid="usage">{u ? `${f.int(u.views)} / ${f.int(u.downloads)} / ${f.int(u.apiCalls)}` : '—'}</dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="pd-quality">
        <h2 id="pd-quality">{t('portal.quality')}</h2>
        {quality ? (
          <QualityBadges quality={quality} />
        ) : pkg.extras.quality_score ? (
          <p>
            {t('q.score')}: <strong>{f.pct(Number(pkg.extras.quality_score))}%</strong>
          </p>
        ) : (
          <p className="muted">{t('q.notScored')}</p>
        )}
      </section>

      {resource && <DataSections resourceId={resource.id} columns={columns} />}

      <section aria-labelledby="pd-versions">
        <h2 id="pd-versions">{t('portal.versions')}</h2>
        <ol className="portal-versions" data-testid="versions">
          <li>
            <strong>{t('portal.versionCurrent', { version: pkg.version ?? '1' })}</strong>
            <br />
            <span className="muted">{t('portal.versionDates', { created: f.dateTime(pkg.created), modified: f.dateTime(pkg.modified) })}</span>
          </li>
        </ol>
        <p className="muted">{t('portal.versionNote')}</p>
      </section>

      <section aria-labelledby="pd-licence">
        <h2 id="pd-licence">{t('portal.licence')}</h2>
        <p data-testid="licence">
          {pkg.licenseUrl ? (
            <a href={pkg.licenseUrl} rel="license noopener noreferrer">
              {pkg.licenseTitle ?? pkg.licenseId}
            </a>
          ) : (
            (pkg.licenseTitle ?? pkg.licenseId ?? '—')
          )}
          {pkg.licenseId?.startsWith('CC-BY') && <> — {t('portal.licenceNote')}</>}
        </p>
      </section>

      <section aria-labelledby="pd-cite">
        <h2 id="pd-cite">{t('portal.cite')}</h2>
        <Copyable testId="citation" text={citation(pkg, agency, title, t, f.date)} />
      </section>

      <section aria-labelledby="pd-api">
        <h2 id="pd-api">{t('portal.api')}</h2>
        <p className="muted">{t('portal.apiIntro')}</p>
        <Copyable
          testId="api-snippet"
          code
          text={[
            `curl '${window.location.origin}/api/3/action/package_show?id=${pkg.name}'`,
            resource ? `curl '${window.location.origin}/api/3/action/datastore_search?resource_id=${resource.id}&limit=5'` : '',
            `curl -o ${pkg.name}.csv '${window.location.origin}${downloadUrl(pkg.name, 'csv')}'`,
          ]
            .filter(Boolean)
            .join('\n')}
        />
      </section>
    </article>
  );
}

function citation(pkg: PortalPackage, agency: string, title: string, t: ReturnType<typeof useI18n>['t'], date: (iso: string | null) => string): string {
  const year = pkg.modified ? new Date(pkg.modified).getUTCFullYear() : new Date().getFullYear();
  return t('portal.citeText', {
    agency,
    year,
    title,
    version: pkg.version ?? '1',
    url: `${window.location.origin}${portalDatasetPath(pkg.name)}`,
    today: date(new Date().toISOString()),
  }).normalize('NFC');
}

function Copyable({ text, testId, code = false }: { text: string; testId: string; code?: boolean }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="copyable">
      {code ? (
        <pre className="code-block" data-testid={testId} tabIndex={0}>
          <code>{text}</code>
        </pre>
      ) : (
        <blockquote className="citation" data-testid={testId}>
          {text}
        </blockquote>
      )}
      <button
        type="button"
        className="button button--small button--ghost"
        onClick={() => {
          void navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false));
        }}
      >
        {copied ? t('portal.copied') : t('portal.copy')}
      </button>
    </div>
  );
}

function Downloads({ pkg }: { pkg: PortalPackage }) {
  const { t } = useI18n();
  const formats = new Set(pkg.resources.map((r) => r.format.toLowerCase()));
  const items: { format: 'csv' | 'xlsx' | 'json' | 'geojson'; label: MessageKey }[] = [
    { format: 'csv', label: 'portal.downloadCsv' },
    { format: 'xlsx', label: 'portal.downloadXlsx' },
    { format: 'json', label: 'portal.downloadJson' },
    { format: 'geojson', label: 'portal.downloadGeojson' },
  ];
  return (
    <ul className="download-list">
      {items
        .filter((i) => formats.has(i.format) || i.format === 'csv')
        .map((i) => (
          <li key={i.format}>
            <a className="button button--small" href={downloadUrl(pkg.name, i.format)} download data-testid={`download-${i.format}`}>
              {t(i.label)}
            </a>
          </li>
        ))}
    </ul>
  );
}

/** Preview table, chart and map: they all read the datastore of the published version. */
function DataSections({ resourceId, columns }: { resourceId: string; columns: PublicColumn[] }) {
  const { t } = useI18n();
  const [offset, setOffset] = useState(0);
  const preview = useLoad(`preview:${resourceId}:${offset}`, (signal) => datastoreSearch({ resourceId, limit: PREVIEW_ROWS, offset }, signal));
  const fields = preview.state.status === 'ready' ? preview.state.value.fields : null;
  const info = useMemo(() => (fields ? columnInfo(fields, columns) : null), [fields, columns]);
  const plan = useMemo(() => (info ? planFor(info) : null), [info]);

  return (
    <>
      <section aria-labelledby="pd-preview">
        <h2 id="pd-preview">{t('portal.preview')}</h2>
        <LoadView state={preview.state} reload={preview.reload}>
          {(page) => <PreviewTable page={page} info={info ?? []} offset={offset} onOffset={setOffset} />}
        </LoadView>
      </section>
      {plan && info && <Figures resourceId={resourceId} plan={plan} />}
    </>
  );
}

function PreviewTable({ page, info, offset, onOffset }: { page: { records: Record<string, unknown>[]; total: number }; info: ColumnInfo[]; offset: number; onOffset: (n: number) => void }) {
  const { t } = useI18n();
  const f = useFormat();
  const pages = Math.max(1, Math.ceil(page.total / PREVIEW_ROWS));
  const current = Math.floor(offset / PREVIEW_ROWS) + 1;
  const cell = (c: ColumnInfo, v: unknown) => {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v === 'number') return /^(nam|year)(_|$)|_(nam|year)$/.test(c.id) ? String(v) : f.num(v);
    if (c.type === 'date' && typeof v === 'string' && /^\d{4}-\d\d-\d\d$/.test(v)) return f.date(v);
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  return (
    <>
      <div className="table-wrap" tabIndex={0} role="region" aria-label={t('portal.preview')}>
        <table className="table" data-testid="preview-table">
          <caption>{t('portal.previewCaption', { from: f.int(offset + 1), to: f.int(Math.min(offset + PREVIEW_ROWS, page.total)), total: f.int(page.total) })}</caption>
          <thead>
            <tr>
              {info.map((c) => (
                <th key={c.id} scope="col" className={c.type === 'int' || c.type === 'numeric' ? 'num' : undefined}>
                  {c.title}
                  {c.unit && !c.title.includes(c.unit) && <span className="muted"> ({c.unit})</span>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {page.records.map((r, i) => (
              <tr key={i}>
                {info.map((c) => (
                  <td key={c.id} className={c.type === 'int' || c.type === 'numeric' ? 'num' : undefined}>
                    {cell(c, r[c.id])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <nav className="pager" aria-label={t('portal.paging')}>
          <button type="button" className="button button--small button--ghost" disabled={current <= 1} onClick={() => onOffset(Math.max(0, offset - PREVIEW_ROWS))}>
            {t('portal.prev')}
          </button>
          <span aria-live="polite">{t('portal.page', { page: f.int(current), pages: f.int(pages) })}</span>
          <button type="button" className="button button--small button--ghost" disabled={current >= pages} onClick={() => onOffset(offset + PREVIEW_ROWS)}>
            {t('portal.next')}
          </button>
        </nav>
      )}
    </>
  );
}

function formatKeyFor(plan: Plan, date: (iso: string | null) => string): (key: string) => string {
  if (plan.kind === 'time' && plan.dimension?.type === 'date') {
    return (key) => {
      const m = /^(\d{4})-(\d\d)-(\d\d)/.exec(key);
      if (!m) return key;
      return m[3] === '01' ? `${m[2]}/${m[1]}` : date(key);
    };
  }
  return (key) => key;
}

/** The automatic chart and the commune map, from one read of the needed columns. */
function Figures({ resourceId, plan }: { resourceId: string; plan: Plan }) {
  const { t } = useI18n();
  const f = useFormat();
  const wanted = [plan.dimension?.id, plan.measure?.id, plan.commune?.id].filter((x): x is string => !!x);
  const unique = [...new Set(wanted)];
  const rows = useLoad(`fig:${resourceId}:${unique.join(',')}`, (signal) =>
    unique.length === 0 ? Promise.resolve(null) : datastoreSearch({ resourceId, limit: CHART_ROWS, fields: unique }, signal),
  );
  const data = rows.state.status === 'ready' ? rows.state.value : null;
  const measureName = plan.measure ? `${plan.measure.title}${plan.measure.unit && !plan.measure.title.includes(plan.measure.unit) ? ` (${plan.measure.unit})` : ''}` : null;

  const chart = useMemo(() => {
    if (!data || !plan.kind || !plan.dimension) return null;
    let points: Point[] = aggregate(data.records, plan.dimension.id, plan.measure?.id ?? null);
    if (plan.kind === 'time') points.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    else points = points.sort((a, b) => b.value - a.value).slice(0, TOP_BARS);
    return points;
  }, [data, plan]);

  const byCommune = useMemo(() => (data && plan.commune ? aggregate(data.records, plan.commune.id, plan.measure?.id ?? null) : null), [data, plan]);

  const chartTitle = !plan.dimension
    ? ''
    : plan.kind === 'category' && chart && chart.length >= TOP_BARS
      ? t(measureName ? 'portal.chartTop' : 'portal.chartCount', { measure: measureName ?? '', dimension: plan.dimension.title, count: TOP_BARS })
      : t(measureName ? 'portal.chartSeries' : 'portal.chartCount', { measure: measureName ?? '', dimension: plan.dimension.title });
  const partial = data && data.total > data.records.length ? <p className="muted">{t('portal.chartPartial', { rows: f.int(data.records.length), total: f.int(data.total) })}</p> : null;

  return (
    <>
      <section aria-labelledby="pd-chart">
        <h2 id="pd-chart">{t('portal.chart')}</h2>
        {!plan.kind ? (
          <p className="muted">{t('portal.chartNone')}</p>
        ) : (
          <LoadView state={rows.state} reload={rows.reload}>
            {() =>
              chart && plan.kind ? (
                <>
                  <PortalChart kind={plan.kind} points={chart} title={chartTitle} format={(n) => f.num(Math.round(n * 100) / 100)} formatKey={formatKeyFor(plan, f.date)} />
                  {partial}
                </>
              ) : null
            }
          </LoadView>
        )}
      </section>
      {plan.commune && byCommune && (
        <section aria-labelledby="pd-map">
          <h2 id="pd-map">{t('portal.map')}</h2>
          <ChoroplethMap points={byCommune} measure={measureName} />
          {partial}
        </section>
      )}
    </>
  );
}

function ChoroplethMap({ points, measure }: { points: Point[]; measure: string | null }) {
  const { t } = useI18n();
  const f = useFormat();
  const { state, reload } = useCommunes();
  useEffect(() => void loadCommuneMap(), []);
  const { colors, bounds, values } = useMemo(() => {
    const b = breaks(points.map((p) => p.value));
    const c: Record<string, string> = {};
    const v = new Map<string, number>();
    for (const p of points) {
      c[p.key] = SCALE[classOf(p.value, b)]!;
      v.set(p.key, p.value);
    }
    return { colors: c, bounds: b, values: v };
  }, [points]);
  const fmt = (n: number) => f.num(Math.round(n * 100) / 100);
  const caption = measure ? t('portal.mapCaption', { measure }) : t('portal.mapCountCaption');
  const legend = bounds.map((upper, i) => ({ colour: SCALE[i]!, from: i === 0 ? Math.min(...points.map((p) => p.value)) : bounds[i - 1]!, to: upper }));
  return (
    <figure className="portal-map">
      <figcaption className="portal-chart-title">{caption}</figcaption>
      <div className="portal-map-frame">
        {state.status === 'ready' ? (
          <Suspense fallback={<p className="map-status">{t('home.loading')}</p>}>
            <CommuneMap
              collection={state.collection}
              fillColors={colors}
              label={t('portal.mapLabel', { measure: measure ?? t('portal.rows') })}
              describe={(code) => (values.has(code) ? `${measure ?? t('portal.rows')}: ${fmt(values.get(code)!)}` : t('portal.noValue'))}
            />
          </Suspense>
        ) : state.status === 'error' ? (
          <div className="form-error" role="alert">
            <p>{t('home.loadFailed', { message: state.message })}</p>
            <button type="button" className="button button--small" onClick={reload}>
              {t('home.retry')}
            </button>
          </div>
        ) : (
          <p className="map-status" role="status">
            {t('home.loading')}
          </p>
        )}
      </div>
      <ul className="map-legend" aria-label={t('portal.legend')}>
        {legend.map((l, i) => (
          <li key={i}>
            <span className="swatch" style={{ background: l.colour }} aria-hidden="true" />
            {fmt(l.from)} – {fmt(l.to)}
          </li>
        ))}
        <li>
          <span className="swatch" style={{ background: '#e5e7eb' }} aria-hidden="true" />
          {t('portal.noValue')}
        </li>
      </ul>
    </figure>
  );
}
