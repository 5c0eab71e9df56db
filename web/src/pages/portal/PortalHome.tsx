/**
 * Cổng dữ liệu mở — home: a search box, the KPI (open datasets against the 2027/2030 targets, approved
 * applications), the count of datasets per priority theme, the newest datasets and the applications.
 */
import { useId, useState, type ReactNode } from 'react';
import { LoadView } from '../../components/DataParts.tsx';
import { listThemes } from '../../data/api.ts';
import { useFormat, useLoad } from '../../data/hooks.ts';
import { useI18n } from '../../i18n.ts';
import { getKpi, listApps, searchPackages, type Kpi, type PortalPackage } from '../../portal/api.ts';
import { ROUTE_PATHS, navigate, onLinkClick, portalDatasetPath } from '../../router.ts';

/** The strategy's priority themes, first and always shown (with 0 when nothing is published yet). */
const PRIORITY = ['cong-nghiep', 'doanh-nghiep', 'lao-dong', 'du-lich', 'quy-hoach', 'ocop'];

export function searchPath(params: { q?: string; groups?: string }): string {
  const qs = new URLSearchParams();
  if (params.q) qs.set('q', params.q);
  if (params.groups) qs.set('groups', params.groups);
  const s = qs.toString();
  return `${ROUTE_PATHS.openDataSearch}${s ? `?${s}` : ''}`;
}

/** The section tabs of the portal, then the page. */
export function PortalLayout({ current, children }: { current: 'home' | 'search' | 'dataset' | 'developers'; children: ReactNode }) {
  const { t } = useI18n();
  const tabs = [
    { key: 'home', href: ROUTE_PATHS.openData, label: t('portal.home') },
    { key: 'search', href: ROUTE_PATHS.openDataSearch, label: t('portal.search') },
    { key: 'developers', href: ROUTE_PATHS.openDataDevelopers, label: t('dev.title') },
  ];
  return (
    <div className="data-page portal">
      <nav className="data-tabs" aria-label={t('portal.sections')}>
        <ul>
          {tabs.map((tab) => (
            <li key={tab.key}>
              <a href={tab.href} onClick={onLinkClick} aria-current={(current === 'dataset' ? 'search' : current) === tab.key ? 'page' : undefined}>
                {tab.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="data-body">{children}</div>
    </div>
  );
}

export function packageTitle(p: PortalPackage, lang: string): string {
  return lang === 'en' && p.titleEn ? p.titleEn : p.title;
}

export function PortalHome() {
  const { t, lang } = useI18n();
  const f = useFormat();
  const [query, setQuery] = useState('');
  const searchId = useId();
  const hintId = useId();
  const overview = useLoad('overview', async (signal) => {
    const [kpi, themes, byTheme, newest, apps] = await Promise.all([
      getKpi(signal),
      listThemes(signal),
      searchPackages({ q: '', filters: {}, rows: 0, start: 0 }, signal),
      searchPackages({ q: '', filters: {}, rows: 5, start: 0, sort: 'metadata_modified desc' }, signal),
      listApps(signal),
    ]);
    return { kpi, themes, byTheme, newest, apps };
  });

  return (
    <PortalLayout current="home">
      <h1>{t('nav.openData')}</h1>
      <p className="portal-intro">{t('portal.intro')}</p>
      <form
        className="catalogue-search portal-search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(searchPath({ q: query.trim() }));
        }}
      >
        <label htmlFor={searchId}>{t('portal.searchLabel')}</label>
        <div className="portal-search-row">
          <input id={searchId} type="search" value={query} placeholder={t('portal.searchPlaceholder')} aria-describedby={hintId} autoComplete="off" spellCheck={false} onChange={(e) => setQuery(e.target.value)} />
          <button type="submit" className="button">
            {t('portal.searchSubmit')}
          </button>
        </div>
        <p id={hintId} className="hint">
          {t('portal.searchHint')}
        </p>
      </form>

      <LoadView state={overview.state} reload={overview.reload}>
        {({ kpi, themes, byTheme, newest, apps }) => {
          const counts = new Map(byTheme.facets.groups.map((g) => [g.name, g.count]));
          const ordered = [...themes].sort((a, b) => {
            const pa = PRIORITY.indexOf(a.code);
            const pb = PRIORITY.indexOf(b.code);
            return (pa === -1 ? 99 : pa) - (pb === -1 ? 99 : pb) || (counts.get(b.code) ?? 0) - (counts.get(a.code) ?? 0);
          });
          const shown = ordered.filter((th) => PRIORITY.includes(th.code) || (counts.get(th.code) ?? 0) > 0);
          return (
            <>
              <KpiPanel kpi={kpi} />
              <section aria-labelledby="portal-themes">
                <h2 id="portal-themes">{t('portal.themes')}</h2>
                <ul className="theme-grid" data-testid="theme-counts">
                  {shown.map((th) => (
                    <li key={th.code}>
                      <a className="theme-card" href={searchPath({ groups: th.code })} onClick={onLinkClick}>
                        <span className="theme-name">{th[lang]}</span>
                        <span className="theme-count">{t('portal.themeCount', { count: f.int(counts.get(th.code) ?? 0) })}</span>
                      </a>
                    </li>
                  ))}
                </ul>
              </section>
              <section aria-labelledby="portal-newest">
                <h2 id="portal-newest">{t('portal.newest')}</h2>
                <ul className="dataset-cards" data-testid="newest">
                  {newest.results.map((p) => (
                    <li key={p.id}>
                      <PackageCard pkg={p} />
                    </li>
                  ))}
                </ul>
                <p>
                  <a href={ROUTE_PATHS.openDataSearch} onClick={onLinkClick}>
                    {t('portal.all')} ({f.int(byTheme.count)}) →
                  </a>
                </p>
              </section>
              <section aria-labelledby="portal-apps">
                <h2 id="portal-apps">{t('portal.apps')}</h2>
                <p>
                  <a href={ROUTE_PATHS.openDataDevelopers} onClick={onLinkClick} data-testid="developers-link">
                    {t('dev.home')}
                  </a>
                </p>
                {apps.length === 0 ? (
                  <p className="muted">{t('portal.noApps')}</p>
                ) : (
                  <ul className="dataset-cards">
                    {apps.map((a) => (
                      <li key={a.id} className="dataset-card">
                        <h3>
                          <a href={a.url} rel="noopener noreferrer">
                            {a.name}
                          </a>
                        </h3>
                        <p className="dataset-agency">{a.developerName}</p>
                        <p className="dataset-description">{a.description}</p>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            </>
          );
        }}
      </LoadView>
    </PortalLayout>
  );
}

function Progress({ value, target, year }: { value: number; target: number; year: number }) {
  const { t } = useI18n();
  const pct = target > 0 ? Math.min(100, Math.round((value / target) * 100)) : 0;
  const label = t('portal.kpiProgress', { value, target, pct, year });
  return (
    <div className="kpi-progress">
      <div className="kpi-bar" role="progressbar" aria-valuemin={0} aria-valuemax={target} aria-valuenow={Math.min(value, target)} aria-label={label}>
        <span style={{ width: `${pct}%` }} />
      </div>
      <span className="kpi-progress-text">{label}</span>
    </div>
  );
}

function KpiPanel({ kpi }: { kpi: Kpi }) {
  const { t } = useI18n();
  const f = useFormat();
  return (
    <section aria-labelledby="portal-kpi" className="kpi-panel" data-testid="kpi">
      <h2 id="portal-kpi">{t('portal.kpi')}</h2>
      <div className="kpi-grid">
        <div className="kpi-card">
          <p className="kpi-value">{f.int(kpi.openDatasets)}</p>
          <p className="kpi-name">{t('portal.kpiDatasets')}</p>
          <Progress value={kpi.openDatasets} target={kpi.target2027} year={2027} />
          <Progress value={kpi.openDatasets} target={kpi.target2030} year={2030} />
        </div>
        <div className="kpi-card">
          <p className="kpi-value">{f.int(kpi.approvedApps)}</p>
          <p className="kpi-name">{t('portal.kpiApps')}</p>
          <p className="muted">{t('portal.kpiAppsTarget', { target: kpi.appsTarget })}</p>
        </div>
      </div>
    </section>
  );
}

/** One search result or newest dataset. */
export function PackageCard({ pkg }: { pkg: PortalPackage }) {
  const { t, lang } = useI18n();
  const f = useFormat();
  const notes = lang === 'en' && pkg.notesEn ? pkg.notesEn : pkg.notes;
  const agency = lang === 'en' && pkg.org?.titleEn ? pkg.org.titleEn : pkg.org?.title;
  const formats = [...new Set(pkg.resources.map((r) => r.format))];
  const score = pkg.extras.quality_score ? Number(pkg.extras.quality_score) : null;
  return (
    <article className="dataset-card">
      <div className="dataset-card-head">
        <h3>
          <a href={portalDatasetPath(pkg.name)} onClick={onLinkClick}>
            {packageTitle(pkg, lang)}
          </a>
        </h3>
        {score !== null && Number.isFinite(score) && (
          <span className={`score-badge score-badge--${score >= 0.9 ? 'good' : score >= 0.7 ? 'fair' : 'poor'}`} title={t('q.score')}>
            <span className="visually-hidden">{t('q.score')}: </span>
            {f.pct(score)}%
          </span>
        )}
      </div>
      {agency && <p className="dataset-agency">{agency}</p>}
      <ul className="tags">
        {pkg.groups.map((g) => (
          <li key={g.name} className="tag tag--access-open">
            <span className="visually-hidden">{t('portal.theme')}: </span>
            {lang === 'en' && g.description ? g.description : g.title}
          </li>
        ))}
        {formats.map((fmt) => (
          <li key={fmt} className="tag">
            <span className="visually-hidden">{t('portal.formats')}: </span>
            {fmt}
          </li>
        ))}
      </ul>
      {notes && <p className="dataset-description">{notes}</p>}
      <p className="dataset-meta">
        {pkg.modified && <span>{t('portal.updated', { date: f.date(pkg.modified) })}</span>}
        {pkg.extras.row_count && <span>{t('cat.rows', { count: f.int(Number(pkg.extras.row_count)) })}</span>}
      </p>
    </article>
  );
}
