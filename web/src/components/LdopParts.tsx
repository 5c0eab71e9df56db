/**
 * Pieces the LDOP pages share: the section tabs, agreement status badges, the terms of an agreement,
 * shortened digests, the commune names, and the notifications bell of the header.
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { apiFetch } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { useFormat, useReference } from '../data/hooks.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { listNotifications, markNotificationRead, type AgreementStatus, type Notification, type Terms } from '../ldop/api.ts';
import { ROUTE_PATHS, navigate, onLinkClick, usePathname, type Route } from '../router.ts';

const TABS: { route: 'ldopServices' | 'ldopAgreements' | 'ldopSystems' | 'ldopLog'; label: MessageKey }[] = [
  { route: 'ldopServices', label: 'ldop.services' },
  { route: 'ldopAgreements', label: 'ldop.agreements' },
  { route: 'ldopSystems', label: 'ldop.systems' },
  { route: 'ldopLog', label: 'ldop.log' },
];

/** The frame of every LDOP page: its tabs, then the page (signed-in users only). */
export function LdopLayout({ route, children }: { route: Route; children: ReactNode }) {
  const { t } = useI18n();
  const { state } = useAuth();
  const current = route === 'ldopService' ? 'ldopServices' : route === 'ldopAgreement' ? 'ldopAgreements' : route;
  return (
    <div className="data-page ldop-page">
      <nav className="data-tabs" aria-label={t('ldop.sections')}>
        <ul>
          {TABS.map((tab) => (
            <li key={tab.route}>
              <a href={ROUTE_PATHS[tab.route]} onClick={onLinkClick} aria-current={current === tab.route ? 'page' : undefined}>
                {t(tab.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="data-body">
        {state.status === 'anonymous' ? (
          <p className="form-error" role="alert">
            {t('ldop.needLogin')}{' '}
            <a href={ROUTE_PATHS.login} onClick={onLinkClick}>
              {t('auth.login')}
            </a>
          </p>
        ) : state.status === 'loading' ? null : (
          children
        )}
      </div>
    </div>
  );
}

/** True when the signed-in user may request, approve and manage systems (the server checks again). */
export function useIsSteward(): boolean {
  const { state } = useAuth();
  return state.status === 'authenticated' && (state.user.role === 'admin' || state.user.role === 'steward');
}

/** The caller's agency, or null (administrators without one). */
export function useMyOrg(): string | null {
  const { state } = useAuth();
  return state.status === 'authenticated' ? state.user.orgId : null;
}

export function StatusBadge({ status }: { status: AgreementStatus | string }) {
  const { t } = useI18n();
  const known = ['requested', 'changes_requested', 'active', 'rejected', 'revoked', 'expired', 'withdrawn'].includes(status);
  return (
    <span className={`status-badge status-badge--${status}`} data-testid="agreement-status" data-status={status}>
      {known ? t(`ldop.st.${status}` as MessageKey) : status}
    </span>
  );
}

/** A SHA-256 shortened to its first 10 hex digits, the whole value in the tooltip and for screen readers' copy. */
export function Digest({ value }: { value: string }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <code className="digest" title={value}>
      {value.slice(0, 10)}…
    </code>
  );
}

interface Unit {
  code: string;
  name: string;
  nameEn: string;
}

let unitsCache: Promise<Unit[]> | null = null;

/** Commune and ward names by code (public reference data, fetched once per page load). */
export function useCommuneNames(): { names: Map<string, string>; list: { code: string; name: string }[] } {
  const { lang } = useI18n();
  const [units, setUnits] = useState<Unit[]>([]);
  useEffect(() => {
    let live = true;
    unitsCache ??= apiFetch('/api/geo/units').then((body) =>
      (Array.isArray(body) ? body : [])
        .filter((u): u is Record<string, unknown> => typeof u === 'object' && u !== null && (u as Record<string, unknown>).level === 'commune')
        .map((u) => ({ code: String(u.code), name: String(u.fullName ?? u.name), nameEn: String(u.fullNameEn ?? u.nameEn ?? u.name) })),
    );
    unitsCache.then(
      (value) => live && setUnits(value),
      () => {
        unitsCache = null;
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return useMemo(() => {
    const list = units.map((u) => ({ code: u.code, name: lang === 'en' ? u.nameEn : u.name })).sort((a, b) => a.name.localeCompare(b.name, lang));
    return { names: new Map(list.map((u) => [u.code, u.name])), list };
  }, [units, lang]);
}

/** The commune codes of a `ma_xa in [...]` (or `eq`) condition, else null. */
export function communeCodesOf(filter: Terms['rowFilter']): string[] | null {
  const c = filter.find((f) => f.column === 'ma_xa' && (f.op === 'in' || f.op === 'eq'));
  if (!c) return null;
  return (Array.isArray(c.value) ? c.value : [c.value]).map(String);
}

/** The terms of an agreement as a definition list: fields (masked ones marked), rows, period, volume. */
export function TermsView({ terms, masked }: { terms: Terms; masked: string[] }) {
  const { t } = useI18n();
  const f = useFormat();
  const { names } = useCommuneNames();
  const communes = communeCodesOf(terms.rowFilter);
  const others = terms.rowFilter.filter((c) => !(c.column === 'ma_xa' && (c.op === 'in' || c.op === 'eq')));
  return (
    <dl className="meta-list terms" data-testid="agreement-terms">
      <div>
        <dt>{t('ldop.fields')}</dt>
        <dd>
          <ul className="field-chips">
            {terms.fields.map((name) => (
              <li key={name} className={`field-chip${masked.includes(name) ? ' field-chip--masked' : ''}`} data-masked={masked.includes(name) ? 'true' : 'false'}>
                <code>{name}</code>
                {masked.includes(name) && <span className="field-chip-note"> · {t('ldop.mask')}</span>}
              </li>
            ))}
          </ul>
        </dd>
      </div>
      <div>
        <dt>{t('ldop.rowFilter')}</dt>
        <dd>
          {communes ? (
            <span title={communes.join(', ')}>{communes.map((c) => `${names.get(c) ?? c} (${c})`).join(', ')}</span>
          ) : others.length === 0 ? (
            t('ldop.wholeProvince')
          ) : null}
          {others.map((c, i) => (
            <code key={i} className="condition">
              {c.column} {c.op} {Array.isArray(c.value) ? `[${c.value.join(', ')}]` : String(c.value)}
            </code>
          ))}
        </dd>
      </div>
      <div>
        <dt>{t('ldop.purpose')}</dt>
        <dd>{terms.purpose}</dd>
      </div>
      <div>
        <dt>{t('ldop.legalBasis')}</dt>
        <dd>{terms.legalBasis}</dd>
      </div>
      <div>
        <dt>{t('ldop.period')}</dt>
        <dd>
          {f.date(terms.validFrom)} – {f.date(terms.validTo)}
        </dd>
      </div>
      <div>
        <dt>{t('ldop.dailyRowLimit')}</dt>
        <dd>{terms.dailyRowLimit === null ? '—' : t('ldop.rowsPerDay', { count: f.int(terms.dailyRowLimit) })}</dd>
      </div>
    </dl>
  );
}

/** The agency's name in the UI language (falls back to its id). */
export function useOrgName(): (id: string | null) => string {
  const { orgName } = useReference();
  return useCallback((id: string | null) => (id ? orgName(id) : '—'), [orgName]);
}

const BELL_POLL_MS = 60_000;

/**
 * The notifications bell of the header: the unread count on the button, a panel listing the agency's
 * notifications; opening one marks it read and follows its link.
 */
export function NotificationBell() {
  const { t } = useI18n();
  const f = useFormat();
  const pathname = usePathname();
  const [items, setItems] = useState<Notification[]>([]);
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const wrapRef = useRef<HTMLDivElement>(null);

  const refresh = useCallback(() => {
    listNotifications().then(setItems, () => undefined);
  }, []);

  // Refresh on every navigation (a decision just taken shows at once) and every minute.
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, BELL_POLL_MS);
    return () => clearInterval(timer);
  }, [refresh, pathname]);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    const onClick = (e: MouseEvent) => {
      if (wrapRef.current && !wrapRef.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const unread = items.filter((n) => !n.readAt).length;

  async function follow(n: Notification) {
    setOpen(false);
    if (!n.readAt) {
      setItems((list) => list.map((x) => (x.id === n.id ? { ...x, readAt: new Date().toISOString() } : x)));
      await markNotificationRead(n.id).catch(() => undefined);
    }
    if (n.link && n.link.startsWith('/')) navigate(n.link);
  }

  return (
    <div className="bell" ref={wrapRef}>
      <button
        type="button"
        className="bell-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={unread > 0 ? t('ldop.notificationsUnread', { count: unread }) : t('ldop.notifications')}
        title={t('ldop.notifications')}
        onClick={() => {
          if (!open) refresh();
          setOpen((o) => !o);
        }}
        data-testid="notifications-bell"
      >
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          />
        </svg>
        {unread > 0 && (
          <span className="bell-count" data-testid="notifications-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div className="bell-panel" id={panelId} role="region" aria-label={t('ldop.notifications')} data-testid="notifications-panel">
          <h2 className="bell-title">{t('ldop.notifications')}</h2>
          {items.length === 0 ? (
            <p className="muted">{t('ldop.noNotifications')}</p>
          ) : (
            <ul className="bell-list">
              {items.map((n) => (
                <li key={n.id} className={n.readAt ? 'bell-item' : 'bell-item bell-item--unread'}>
                  <button type="button" onClick={() => void follow(n)} data-testid="notification">
                    <span className="bell-item-title">{n.title}</span>
                    {n.body && <span className="bell-item-body">{n.body}</span>}
                    <span className="bell-item-time">{f.dateTime(n.createdAt)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
