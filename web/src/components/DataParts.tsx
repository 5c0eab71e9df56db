/**
 * Pieces the data pages share: the section tabs, the four quality badges (đúng, đủ, sạch, sống),
 * the Law on Data class tags, and the loading / error states.
 */
import type { ReactNode } from 'react';
import { useAuth } from '../auth.tsx';
import type { QualityScores } from '../data/api.ts';
import { useCanLoadData, useFormat, type Loadable } from '../data/hooks.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { ROUTE_PATHS, onLinkClick, type Route } from '../router.ts';

const TABS: { route: 'data' | 'upload' | 'quality' | 'publications'; label: MessageKey; steward?: boolean; approver?: boolean }[] = [
  { route: 'data', label: 'data.catalogue' },
  { route: 'upload', label: 'data.upload', steward: true },
  { route: 'quality', label: 'data.quality' },
  { route: 'publications', label: 'pub.queueTitle', approver: true },
];

/** The frame of every data page: its tabs, then the page. */
export function DataLayout({ route, children }: { route: Route; children: ReactNode }) {
  const { t } = useI18n();
  const canLoad = useCanLoadData();
  const { state: auth } = useAuth();
  const canApprove = auth.status === 'authenticated' && (auth.user.role === 'admin' || auth.user.role === 'leader');
  const current = route === 'dataset' ? 'data' : route;
  return (
    <div className="data-page">
      <nav className="data-tabs" aria-label={t('data.sections')}>
        <ul>
          {TABS.filter((tab) => (!tab.steward || canLoad) && (!tab.approver || canApprove)).map((tab) => (
            <li key={tab.route}>
              <a href={ROUTE_PATHS[tab.route]} onClick={onLinkClick} aria-current={current === tab.route ? 'page' : undefined}>
                {t(tab.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="data-body">{children}</div>
    </div>
  );
}

export const DIMENSIONS = ['validity', 'completeness', 'uniqueness', 'freshness'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
const DIMENSION_LABEL: Record<Dimension, MessageKey> = {
  validity: 'q.validity',
  completeness: 'q.completeness',
  uniqueness: 'q.uniqueness',
  freshness: 'q.freshness',
};
const DIMENSION_HINT: Record<Dimension, MessageKey> = {
  validity: 'q.validityHint',
  completeness: 'q.completenessHint',
  uniqueness: 'q.uniquenessHint',
  freshness: 'q.freshnessHint',
};

/** Good from 90 %, fair from 70 %: the thresholds the badges' colours follow. */
export function level(share: number | null): 'good' | 'fair' | 'poor' | 'none' {
  if (share === null) return 'none';
  return share >= 0.9 ? 'good' : share >= 0.7 ? 'fair' : 'poor';
}

export function dimensionLabel(d: Dimension): MessageKey {
  return DIMENSION_LABEL[d];
}

/** The four named quality badges with their percentages and what each measures. */
export function QualityBadges({ quality, compact = false }: { quality: QualityScores | null; compact?: boolean }) {
  const { t } = useI18n();
  const f = useFormat();
  if (!quality) return <p className="muted">{t('q.notScored')}</p>;
  return (
    <ul className={`quality-badges${compact ? ' quality-badges--compact' : ''}`} aria-label={t('q.label')} data-testid="quality-badges">
      {DIMENSIONS.map((d) => (
        <li key={d} className={`quality-badge quality-badge--${level(quality[d])}`} data-dimension={d}>
          <span className="quality-name">{t(DIMENSION_LABEL[d])}</span>
          <span className="quality-value">{f.pct(quality[d])}%</span>
          {!compact && <span className="quality-hint">{t(DIMENSION_HINT[d])}</span>}
        </li>
      ))}
    </ul>
  );
}

/** The overall score as one small badge (catalogue cards, tables). */
export function ScoreBadge({ score }: { score: number | null }) {
  const { t } = useI18n();
  const f = useFormat();
  if (score === null) return null;
  return (
    <span className={`score-badge score-badge--${level(score)}`} title={t('q.score')}>
      <span className="visually-hidden">{t('q.score')}: </span>
      {f.pct(score)}%
    </span>
  );
}

const CLASS_KEYS: Record<string, MessageKey> = {
  core: 'class.core',
  important: 'class.important',
  other: 'class.other',
  open: 'class.open',
  shared: 'class.shared',
  private: 'class.private',
  planned: 'status.planned',
  active: 'status.active',
  retired: 'status.retired',
};

/** The label of a class or status code (importance, access, status), or the code itself. */
export function useClassLabel(): (code: string) => string {
  const { t } = useI18n();
  return (code) => (CLASS_KEYS[code] ? t(CLASS_KEYS[code]) : code);
}

/** Importance, access and status of a dataset as tags. */
export function ClassTags({ importance, access, status }: { importance: string; access: string; status: string }) {
  const { t } = useI18n();
  const label = useClassLabel();
  return (
    <ul className="tags">
      <li className={`tag tag--importance-${importance}`}>
        <span className="visually-hidden">{t('class.importance')}: </span>
        {label(importance)}
      </li>
      <li className={`tag tag--access-${access}`}>
        <span className="visually-hidden">{t('class.access')}: </span>
        {label(access)}
      </li>
      <li className={`tag tag--status-${status}`} data-testid="status-tag">
        <span className="visually-hidden">{t('status.label')}: </span>
        {label(status)}
      </li>
    </ul>
  );
}

/** Loading and error states of a {@link Loadable}; renders `children(value)` when ready. */
export function LoadView<T>({ state, reload, children }: { state: Loadable<T>; reload: () => void; children: (value: T) => ReactNode }) {
  const { t } = useI18n();
  if (state.status === 'loading') {
    return (
      <p className="muted" role="status">
        {t('data.loading')}
      </p>
    );
  }
  if (state.status === 'error') {
    return (
      <div className="form-error" role="alert">
        <p>{t('data.error', { message: state.message })}</p>
        <button type="button" className="button button--small" onClick={reload}>
          {t('data.retry')}
        </button>
      </div>
    );
  }
  return <>{children(state.value)}</>;
}
