import { useId, useState, type KeyboardEvent } from 'react';
import { LoadView } from '../../components/DataParts.tsx';
import { StatusBadge, useOrgName } from '../../components/LdopParts.tsx';
import { useFormat, useLoad } from '../../data/hooks.ts';
import { useI18n } from '../../i18n.ts';
import { listAgreements, type Agreement } from '../../ldop/api.ts';
import { agreementPath, onLinkClick } from '../../router.ts';

type Tab = 'consumer' | 'provider';
const TABS: Tab[] = ['consumer', 'provider'];

function AgreementTable({ items, side }: { items: Agreement[]; side: Tab }) {
  const { t } = useI18n();
  const f = useFormat();
  const orgName = useOrgName();
  if (items.length === 0) return <p className="empty">{t('ldop.noAgreements')}</p>;
  return (
    <ul className="dataset-cards agreement-cards" data-testid={`agreements-${side}`}>
      {items.map((a) => (
        <li key={a.id}>
          <article className="dataset-card agreement-card">
            <div className="dataset-card-head">
              <h2>
                <a href={agreementPath(a.id)} onClick={onLinkClick}>
                  {a.serviceTitle ?? a.serviceCode ?? a.serviceId}
                </a>
              </h2>
              <StatusBadge status={a.status} />
            </div>
            <p className="dataset-agency">
              {side === 'consumer' ? (
                <>
                  {t('ldop.provider')}: {orgName(a.providerOrgId)}
                </>
              ) : (
                <>
                  {t('ldop.consumer')}: {orgName(a.consumerOrgId)} · <code>{a.consumerSubsystem}</code>
                </>
              )}
            </p>
            <p className="dataset-meta">
              <span>
                {t('ldop.fields')}: {a.fields.length}
              </span>
              <span>
                {t('ldop.period')}: {f.date(a.validFrom)} – {f.date(a.validTo)}
              </span>
              <span>
                {t('ldop.updated')}: {f.dateTime(a.updatedAt)}
              </span>
            </p>
          </article>
        </li>
      ))}
    </ul>
  );
}

/** Thỏa thuận: what we asked of others, and what others ask of us (pending first). */
export function AgreementsPage() {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>(() => (new URLSearchParams(window.location.search).get('side') === 'provider' ? 'provider' : 'consumer'));
  const base = useId();
  const { state, reload } = useLoad(`agreements:${tab}`, (signal) => listAgreements(tab, signal));
  const labels: Record<Tab, string> = { consumer: t('ldop.asConsumer'), provider: t('ldop.asProvider') };

  function choose(next: Tab) {
    setTab(next);
    window.history.replaceState(null, '', next === 'provider' ? '?side=provider' : window.location.pathname);
  }
  function onKey(e: KeyboardEvent) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const next = tab === 'consumer' ? 'provider' : 'consumer';
    choose(next);
    document.getElementById(`${base}-${next}`)?.focus();
  }
  const pendingFirst = (items: Agreement[]) => [...items].sort((a, b) => Number(b.status === 'requested') - Number(a.status === 'requested'));

  return (
    <div className="ldop-agreements">
      <h1>{t('ldop.agreements')}</h1>
      <div className="tabs" role="tablist" aria-label={t('ldop.agreements')}>
        {TABS.map((id) => (
          <button
            key={id}
            id={`${base}-${id}`}
            type="button"
            role="tab"
            aria-selected={tab === id}
            aria-controls={`${base}-panel`}
            tabIndex={tab === id ? 0 : -1}
            className="tab"
            onClick={() => choose(id)}
            onKeyDown={onKey}
          >
            {labels[id]}
          </button>
        ))}
      </div>
      <div id={`${base}-panel`} role="tabpanel" aria-labelledby={`${base}-${tab}`} className="tab-panel">
        <LoadView state={state} reload={reload}>
          {(items) => <AgreementTable items={pendingFirst(items)} side={tab} />}
        </LoadView>
      </div>
    </div>
  );
}
