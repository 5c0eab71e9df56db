/**
 * The leaders' dashboard (/dashboard): the Data Strategy's KPIs computed by the platform, the
 * socio-economic indicators with plan vs actual, a commune choropleth of any indicator with drill-down
 * to a commune's trend, progress by target group (A–D) and the tasks, overdue first. A wall-screen
 * grid (1920×1080) that folds to one column on a laptop or a phone. The types are the server's own
 * (src/modules/indicators/schema.ts), so client and server cannot drift apart.
 */
import type { ECharts } from 'echarts/core';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import type {
  IndicatorView, KpiView, QueryResult, StrategySummaryView, StrategyTaskView,
} from '../../../../src/modules/indicators/schema.ts';
import { apiFetch } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { useCommunes } from '../../communes.ts';
import { Chart, downloadPng, type ChartOption } from '../../dashboard/charts.tsx';
import { useFormat } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { SCALE, breaks, classOf } from '../../portal/analyse.ts';

const loadCommuneMap = () => import('../../components/CommuneMap.tsx');
const CommuneMap = lazy(() => loadCommuneMap().then((m) => ({ default: m.CommuneMap })));

type Load<T> = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; value: T };

function useApi<T>(path: string | null, body?: unknown): Load<T> {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const key = JSON.stringify(body ?? null);
  useEffect(() => {
    if (!path) return;
    const ctrl = new AbortController();
    setState({ status: 'loading' });
    apiFetch(path, body === undefined ? { signal: ctrl.signal } : { method: 'POST', body, signal: ctrl.signal })
      .then((value) => setState({ status: 'ready', value: value as T }))
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) setState({ status: 'error', message: e instanceof Error ? e.message : String(e) });
      });
    return () => ctrl.abort();
    // The body is compared by its JSON: a new object with the same content does not refetch.
  }, [path, key]); // eslint-disable-line
  return state;
}

const TONES = { good: '#15803d', warn: '#b45309', bad: '#b91c1c' } as const;
const tone = (ratio: number | null) => (ratio === null ? undefined : ratio >= 1 ? TONES.good : ratio >= 0.8 ? TONES.warn : TONES.bad);

function KpiTile({ kpi }: { kpi: KpiView }) {
  const { t, lang } = useI18n();
  const f = useFormat();
  const target = kpi.targets[0];
  const ratio = kpi.value !== null && target ? kpi.value / target.value : null;
  return (
    <li className="dash-tile" data-testid="kpi-tile" data-code={kpi.code}>
      <p className="dash-tile-name">{lang === 'vi' ? kpi.name : kpi.nameEn}</p>
      <p className="dash-tile-value" style={{ color: tone(ratio) }}>
        {kpi.available && kpi.value !== null ? `${f.num(kpi.value)} ${kpi.unit}` : t('dash.notAvailable')}
      </p>
      {kpi.targets.map((x) => (
        <p key={x.period} className="dash-tile-plan">{t('dash.plan', { period: x.period, target: `${f.num(x.value)} ${kpi.unit}` })}</p>
      ))}
      {ratio !== null && <progress max={1} value={Math.min(1, ratio)} aria-label={`${Math.round(ratio * 100)}%`} />}
      <p className="dash-tile-meta" title={kpi.formula}>{t('dash.target', { code: kpi.strategyTarget })}{kpi.note && !kpi.available ? ` — ${kpi.note}` : ''}</p>
    </li>
  );
}

function IndicatorTile({ ind }: { ind: IndicatorView }) {
  const { t, lang } = useI18n();
  const f = useFormat();
  const plan = ind.plan.find((p) => p.actual !== null) ?? ind.plan[0];
  const round = (n: number) => f.num(Math.round(n * 100) / 100);
  const unit = lang === 'vi' ? ind.unit : ind.unitEn;
  return (
    <li className="dash-tile" data-testid="indicator-tile" data-code={ind.code}>
      <p className="dash-tile-name">
        {lang === 'vi' ? ind.name : ind.nameEn} {ind.sampleLabel && <span className="dash-sample">{t('dash.sample')}</span>}
      </p>
      <p className="dash-tile-value" style={{ color: tone(plan?.ratio ?? null) }}>
        {ind.latest?.value != null ? `${round(ind.latest.value)} ${unit}` : '—'}
      </p>
      {ind.latest && <p className="dash-tile-meta">{t('dash.latest', { period: ind.latest.period })}</p>}
      {plan && (
        <>
          <p className="dash-tile-plan">{t('dash.plan', { period: plan.period, target: `${round(plan.target)} ${unit}` })}</p>
          {plan.actual !== null && (
            <p className="dash-tile-plan">{t('dash.actual', { value: round(plan.actual), ratio: plan.ratio === null ? '—' : `${f.num(Math.round(plan.ratio * 1000) / 10)}%` })}</p>
          )}
          {plan.ratio !== null && <progress max={1} value={Math.min(1, plan.ratio)} aria-label={`${Math.round(plan.ratio * 100)}%`} />}
        </>
      )}
      <p className="dash-tile-meta" title={t('dash.formula', { formula: ind.formulaText })}>{ind.strategyTarget ? t('dash.target', { code: ind.strategyTarget }) : ''}</p>
    </li>
  );
}

/** The choropleth of one indicator for one year, and the trend of the commune picked on it. */
function IndicatorMap({ indicators }: { indicators: IndicatorView[] }) {
  const { t, lang } = useI18n();
  const f = useFormat();
  const mappable = indicators.filter((i) => i.dimensions.some((d) => d.key === 'xa'));
  const [code, setCode] = useState(mappable.find((i) => i.code === 'khach_du_lich')?.code ?? mappable[0]?.code ?? '');
  const [year, setYear] = useState('2025');
  const [commune, setCommune] = useState<string | null>(null);
  const ind = mappable.find((i) => i.code === code);
  const { state: communes, reload } = useCommunes();
  const byYear = useApi<QueryResult>(ind ? '/api/indicators/query' : null, {
    measures: [code], dimensions: ['xa'], timeDimension: { granularity: 'year', dateRange: [`${year}-01-01`, `${year}-12-31`] },
  });
  const series = useApi<QueryResult>(ind ? '/api/indicators/query' : null, {
    measures: [code], timeDimension: { granularity: ind?.grain ?? 'year', dateRange: ['2020-01-01', '2026-12-31'] },
    ...(commune ? { filters: [{ dimension: 'xa', operator: 'equals', values: [commune] }] } : {}),
  });
  const [chart, setChart] = useState<ECharts | null>(null);

  const { colors, values } = useMemo(() => {
    const points = byYear.status === 'ready' ? byYear.value.rows.flatMap((r) => (r.values[code] == null ? [] : [{ key: r.dimensions.xa!, value: r.values[code]! }])) : [];
    const b = breaks(points.map((p) => p.value));
    const c: Record<string, string> = {};
    for (const p of points) c[p.key] = SCALE[classOf(p.value, b)]!;
    return { colors: c, values: new Map(points.map((p) => [p.key, p.value])) };
  }, [byYear, code]);
  const place = commune ? (byYear.status === 'ready' ? byYear.value.labels.xa?.[commune] : null) ?? commune : t('dash.province');
  const seriesOption = useMemo<ChartOption>(() => {
    const rows = series.status === 'ready' ? series.value.rows : [];
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 64, right: 16, top: 24, bottom: 32 },
      xAxis: { type: 'category', data: rows.map((r) => r.time ?? '') },
      yAxis: { type: 'value', name: ind?.unit ?? '' },
      series: [{ type: 'line', name: ind?.name ?? '', data: rows.map((r) => r.values[code] ?? null), smooth: true, showSymbol: false, areaStyle: { opacity: 0.08 } }],
    } as ChartOption;
  }, [series, code, ind]);

  if (!ind) return null;
  const indName = lang === 'vi' ? ind.name : ind.nameEn;
  const unit = lang === 'vi' ? ind.unit : ind.unitEn;
  return (
    <section className="dash-card dash-map-card" aria-labelledby="dash-map-title">
      <h2 id="dash-map-title">{t('dash.map')}</h2>
      <div className="dash-controls">
        <label>
          {t('dash.mapIndicator')}{' '}
          <select value={code} onChange={(e) => { setCode(e.target.value); setCommune(null); }} data-testid="map-indicator">
            {mappable.map((i) => <option key={i.code} value={i.code}>{lang === 'vi' ? i.name : i.nameEn}{i.sampleLabel ? ` (${i.sampleLabel})` : ''}</option>)}
          </select>
        </label>
        <label>
          {t('dash.year')}{' '}
          <select value={year} onChange={(e) => setYear(e.target.value)} data-testid="map-year">
            {['2024', '2025', '2026'].map((y) => <option key={y}>{y}</option>)}
          </select>
        </label>
      </div>
      <div className="dash-map-frame">
        {communes.status === 'ready' ? (
          <Suspense fallback={<p className="map-status">…</p>}>
            <CommuneMap
              collection={communes.collection}
              fillColors={colors}
              selected={null}
              onSelect={(c) => setCommune(c)}
              label={t('dash.mapLabel', { indicator: indName, year })}
              describe={(c) => (values.has(c) ? `${indName}: ${f.num(Math.round(values.get(c)! * 100) / 100)} ${unit}` : t('dash.noValue'))}
            />
          </Suspense>
        ) : communes.status === 'error' ? (
          <button type="button" className="button button--small" onClick={reload}>{communes.message}</button>
        ) : <p className="map-status">…</p>}
      </div>
      <div className="dash-drill" data-testid="drill" data-commune={commune ?? ''}>
        <h3>{t('dash.series', { indicator: indName, place, grain: t(`dash.grain.${ind.grain}` as MessageKey) })}</h3>
        {!commune ? <p className="dash-hint">{t('dash.drill')}</p> : <button type="button" className="button button--small" onClick={() => setCommune(null)}>{t('dash.back')}</button>}
        <button type="button" className="button button--small" onClick={() => downloadPng(chart, `${ind.code}-${commune ?? 'tinh'}`)}>{t('dash.exportPng')}</button>
        <Chart option={seriesOption} label={t('dash.series', { indicator: indName, place, grain: ind.grain })} height={220} testId="series-chart" onReady={setChart} />
      </div>
    </section>
  );
}

function StrategyProgress({ summary, tasks }: { summary: StrategySummaryView; tasks: StrategyTaskView[] }) {
  const { t, lang } = useI18n();
  const groupOption = useMemo<ChartOption>(() => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 16, bottom: 56 },
    xAxis: { type: 'category', data: summary.groups.map((g) => `${g.group}. ${lang === 'vi' ? g.name : g.nameEn}`), axisLabel: { interval: 0, width: 110, overflow: 'break' } },
    yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    series: [{ type: 'bar', data: summary.groups.map((g) => g.averageProgress), itemStyle: { color: '#2c7fb8' }, label: { show: true, position: 'top', formatter: '{c}%' } }],
  }) as ChartOption, [summary, lang, t]);
  const statusOption = useMemo<ChartOption>(() => ({
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    series: [{
      type: 'pie', radius: ['40%', '68%'], top: -10,
      data: (['not_started', 'in_progress', 'at_risk', 'completed'] as const).filter((s) => summary.tasks[s] > 0).map((s) => ({ name: t(`dash.status.${s}`), value: summary.tasks[s] })),
    }],
  }) as ChartOption, [summary, t]);
  const ordered = [...tasks].sort((a, b) => Number(b.overdue) - Number(a.overdue) || (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999'));
  return (
    <>
      <section className="dash-card" aria-labelledby="dash-groups">
        <h2 id="dash-groups">{t('dash.groups')}</h2>
        <Chart option={groupOption} label={t('dash.groups')} testId="groups-chart" />
      </section>
      <section className="dash-card dash-tasks" aria-labelledby="dash-tasks">
        <h2 id="dash-tasks">{t('dash.tasks')}</h2>
        <Chart option={statusOption} label={t('dash.tasks')} height={200} testId="status-chart" />
        <ol className="dash-task-list" data-testid="task-list">
          {ordered.map((task) => (
            <li key={task.code} className={task.overdue ? 'dash-task dash-task--overdue' : 'dash-task'} data-overdue={task.overdue}>
              <strong>{task.code}</strong> {lang === 'vi' ? task.name : task.nameEn}
              <span className="dash-task-meta">
                {task.overdue && <span className="dash-badge-overdue">{t('dash.overdue')}</span>} {t(`dash.status.${task.status}`)} · {task.progress}% · {t('dash.due')}: {task.deadline}
              </span>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}

export function DashboardPage() {
  const { t } = useI18n();
  const { state: auth } = useAuth();
  const signedIn = auth.status === 'authenticated';
  const kpis = useApi<KpiView[]>('/api/strategy/kpis');
  const summary = useApi<StrategySummaryView>('/api/strategy/summary');
  const tasks = useApi<StrategyTaskView[]>('/api/strategy/tasks');
  const indicators = useApi<IndicatorView[]>(signedIn ? '/api/indicators' : null);
  return (
    <div className="dash" data-testid="dashboard">
      <h1>{t('dash.title')}</h1>
      <p className="dash-intro">{t('dash.intro')}</p>
      <section className="dash-card dash-wide" aria-labelledby="dash-kpis">
        <h2 id="dash-kpis">{t('dash.kpis')}</h2>
        {kpis.status === 'ready' ? <ul className="dash-tiles">{kpis.value.map((k) => <KpiTile key={k.code} kpi={k} />)}</ul> : <p>{kpis.status === 'error' ? kpis.message : '…'}</p>}
      </section>
      <section className="dash-card dash-wide" aria-labelledby="dash-ind">
        <h2 id="dash-ind">{t('dash.indicators')}</h2>
        {!signedIn ? <p><a href="/login">{t('dash.loginForIndicators')}</a></p>
          : indicators.status === 'ready' ? <ul className="dash-tiles">{indicators.value.map((i) => <IndicatorTile key={i.code} ind={i} />)}</ul>
            : <p>{indicators.status === 'error' ? indicators.message : '…'}</p>}
      </section>
      {signedIn && indicators.status === 'ready' && <IndicatorMap indicators={indicators.value} />}
      {summary.status === 'ready' && tasks.status === 'ready' && <StrategyProgress summary={summary.value} tasks={tasks.value} />}
    </div>
  );
}
