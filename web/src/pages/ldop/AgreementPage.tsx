import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { LoadView } from '../../components/DataParts.tsx';
import { StatusBadge, TermsView, communeCodesOf, useCommuneNames, useIsSteward, useMyOrg, useOrgName } from '../../components/LdopParts.tsx';
import { useFormat, useLoad } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import {
  approveAgreement,
  decideAgreement,
  getAgreement,
  getService,
  type Agreement,
  type Decision,
  type RowCondition,
  type Service,
  type ServiceField,
} from '../../ldop/api.ts';
import { ROUTE_PATHS, onLinkClick, servicePath } from '../../router.ts';
import { dateInput, periodBoundary } from './ServicePage.tsx';

const ACTIONS = ['requested', 'resubmitted', 'approved', 'rejected', 'changes_requested', 'revoked', 'withdrawn', 'expired'];

/** The fields a consumer receives masked under these terms: personal data not granted in clear, and the provider's extra ones. */
export function maskedOf(terms: { fields: string[]; clearFields: string[]; maskedFields: string[] }, fields: ServiceField[]): string[] {
  const personal = new Set(fields.filter((f) => f.personalData !== 'none').map((f) => f.name));
  return terms.fields.filter((name) => terms.maskedFields.includes(name) || (personal.has(name) && !terms.clearFields.includes(name)));
}

const messageOf = (err: unknown) => (err instanceof ApiError || err instanceof Error ? err.message : String(err));

/** Phê duyệt, possibly narrowing: fewer fields, more masked fields, fewer communes, shorter period, lower volume. */
function ApproveForm({ agreement, service, onDone }: { agreement: Agreement; service: Service; onDone: (a: Agreement) => void }) {
  const { t } = useI18n();
  const { names } = useCommuneNames();
  const personal = new Set(service.fields.filter((f) => f.personalData !== 'none').map((f) => f.name));
  const [include, setInclude] = useState<string[]>(agreement.fields);
  const [masked, setMasked] = useState<string[]>(() => maskedOf(agreement, service.fields));
  const requestedCommunes = communeCodesOf(agreement.rowFilter);
  const [communes, setCommunes] = useState<string[]>(requestedCommunes ?? []);
  const [validTo, setValidTo] = useState(agreement.validTo ? dateInput(new Date(agreement.validTo)) : '');
  const [limit, setLimit] = useState(String(agreement.dailyRowLimit ?? ''));
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ids = { to: useId(), limit: useId(), note: useId() };

  /** A personal field may be unmasked only if it was asked in clear. */
  const lockedMask = (name: string) => personal.has(name) && !agreement.clearFields.includes(name);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (include.length === 0) return setError(t('ldop.needFields'));
    setError(null);
    setBusy(true);
    const fields = agreement.fields.filter((f) => include.includes(f));
    const rowFilter: RowCondition[] = agreement.rowFilter.map((c) =>
      requestedCommunes && c.column === 'ma_xa' && c.op === 'in' && Array.isArray(c.value) ? { ...c, value: c.value.filter((v) => communes.includes(String(v))) } : c,
    );
    try {
      const requestedTo = agreement.validTo ? dateInput(new Date(agreement.validTo)) : null;
      const done = await approveAgreement(agreement.id, {
        fields,
        clearFields: fields.filter((f) => personal.has(f) && !masked.includes(f)),
        maskedFields: fields.filter((f) => masked.includes(f)),
        ...(requestedCommunes ? { rowFilter } : {}),
        ...(validTo && validTo !== requestedTo ? { validTo: periodBoundary(validTo, true) } : {}),
        ...(limit && Number(limit) !== agreement.dailyRowLimit ? { dailyRowLimit: Number(limit) } : {}),
        ...(note.trim() ? { note: note.trim().normalize('NFC') } : {}),
      });
      onDone(done);
    } catch (err) {
      setError(t('ldop.failed', { message: messageOf(err) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form ldop-form" onSubmit={(e) => void submit(e)} aria-labelledby="approve-title" data-testid="approve-form">
      <h3 id="approve-title">{t('ldop.approve')}</h3>
      <p className="hint">{t('ldop.approveIntro')}</p>
      <div className="table-wrap">
        <table className="table table--compact" data-testid="approve-fields">
          <thead>
            <tr>
              <th scope="col">{t('ldop.field')}</th>
              <th scope="col">{t('ldop.include')}</th>
              <th scope="col">{t('ldop.mask')}</th>
            </tr>
          </thead>
          <tbody>
            {agreement.fields.map((name) => {
              const on = include.includes(name);
              return (
                <tr key={name}>
                  <th scope="row">
                    <code>{name}</code>
                    {personal.has(name) && <span className="pd-tag pd-tag--basic">{t('ldop.personal')}</span>}
                  </th>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${t('ldop.include')} ${name}`}
                      checked={on}
                      onChange={(e) => setInclude((l) => (e.target.checked ? [...l, name] : l.filter((x) => x !== name)))}
                      data-include={name}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${t('ldop.mask')} ${name}`}
                      checked={masked.includes(name)}
                      disabled={!on || lockedMask(name)}
                      onChange={(e) => setMasked((l) => (e.target.checked ? [...l, name] : l.filter((x) => x !== name)))}
                      data-mask={name}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="hint">{t('ldop.maskHint')}</p>
      {requestedCommunes && (
        <fieldset className="facet">
          <legend>{t('ldop.rowFilter')}</legend>
          <ul className="check-list">
            {requestedCommunes.map((code) => (
              <li key={code}>
                <label className="checkbox">
                  <input type="checkbox" checked={communes.includes(code)} onChange={(e) => setCommunes((l) => (e.target.checked ? [...l, code] : l.filter((c) => c !== code)))} />
                  <span>
                    {names.get(code) ?? code} <span className="muted">({code})</span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      <div className="form-row">
        <div className="field">
          <label htmlFor={ids.to}>{t('ldop.validTo')}</label>
          <input id={ids.to} type="date" value={validTo} max={agreement.validTo ? dateInput(new Date(agreement.validTo)) : undefined} onChange={(e) => setValidTo(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.limit}>{t('ldop.dailyRowLimit')}</label>
          <input id={ids.limit} type="number" inputMode="numeric" min={1} max={agreement.dailyRowLimit ?? undefined} value={limit} onChange={(e) => setLimit(e.target.value)} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={ids.note}>{t('ldop.note')}</label>
        <textarea id={ids.note} rows={2} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button" disabled={busy} data-testid="approve">
        {busy ? t('ldop.saving') : `${t('ldop.approve')} · ${t('ldop.maskedCount', { count: masked.filter((m) => include.includes(m)).length })}`}
      </button>
    </form>
  );
}

/** A decision that needs a reason: reject, ask for changes, revoke or withdraw. */
function NoteDecision({ agreement, decisions, onDone }: { agreement: Agreement; decisions: { decision: Decision; label: MessageKey; danger?: boolean }[]; onDone: (a: Agreement) => void }) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const noteId = useId();
  async function decide(decision: Decision) {
    if (!note.trim()) return setError(t('ldop.needNote'));
    setError(null);
    setBusy(true);
    try {
      onDone(await decideAgreement(agreement.id, decision, note.trim().normalize('NFC')));
    } catch (err) {
      setError(t('ldop.failed', { message: messageOf(err) }));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="form ldop-form" onSubmit={(e) => e.preventDefault()} data-testid="note-decision">
      <div className="field">
        <label htmlFor={noteId}>{t('ldop.noteRequired')}</label>
        <textarea id={noteId} rows={2} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        {decisions.map((d) => (
          <button key={d.decision} type="button" className={d.danger ? 'button button--danger' : 'button button--ghost'} disabled={busy} onClick={() => void decide(d.decision)}>
            {t(d.label)}
          </button>
        ))}
      </div>
    </form>
  );
}

/** One agreement: status, terms (masked fields marked), history timeline, and the decisions open to the caller. */
export function AgreementPage({ id }: { id: string }) {
  const { t } = useI18n();
  const f = useFormat();
  const orgName = useOrgName();
  const myOrg = useMyOrg();
  const { state: auth } = useAuth();
  const steward = useIsSteward();
  const isAdmin = auth.status === 'authenticated' && auth.user.role === 'admin';
  const [flash, setFlash] = useState<string | null>(null);
  const { state, reload } = useLoad(`agreement:${id}`, async (signal) => {
    const agreement = await getAgreement(id, signal);
    const service = await getService(agreement.serviceId, signal).catch(() => null);
    return { agreement, service };
  });
  useEffect(() => {
    if (state.status === 'ready') document.title = `${t('ldop.agreement')}: ${state.value.agreement.serviceTitle ?? ''} — ${t('app.name')}`;
  }, [state, t]);

  function done(message: string | null) {
    setFlash(message);
    reload();
  }

  return (
    <LoadView state={state} reload={reload}>
      {({ agreement: a, service }) => {
        const provider = steward && (a.providerOrgId === myOrg || isAdmin);
        const consumer = steward && a.consumerOrgId === myOrg;
        const masked = service ? maskedOf(a, service.fields) : a.maskedFields;
        return (
          <article className="ldop-agreement">
            <a className="back-link" href={ROUTE_PATHS.ldopAgreements + (a.providerOrgId === myOrg ? '?side=provider' : '')} onClick={onLinkClick}>
              {t('ldop.back')}
            </a>
            <header className="dataset-header">
              <h1>
                <span className="eyebrow">{t('ldop.agreement')}</span>
                {a.serviceTitle ?? a.serviceCode}
              </h1>
              <StatusBadge status={a.status} />
            </header>
            {flash && (
              <p className="result-banner result-banner--ok" role="status">
                {flash}
              </p>
            )}
            <dl className="meta-list">
              <div>
                <dt>{t('ldop.provider')}</dt>
                <dd>{orgName(a.providerOrgId)}</dd>
              </div>
              <div>
                <dt>{t('ldop.consumer')}</dt>
                <dd>
                  {orgName(a.consumerOrgId)} · <code>{a.consumerSubsystem}</code>
                </dd>
              </div>
              <div>
                <dt>{t('ldop.service')}</dt>
                <dd>
                  <a href={servicePath(a.serviceId)} onClick={onLinkClick}>
                    <code>{a.path ?? a.serviceCode}</code>
                  </a>
                </dd>
              </div>
            </dl>
            <h2>{t('ldop.terms')}</h2>
            <TermsView terms={a} masked={masked} />

            {provider && a.status === 'requested' && service && (
              <section aria-labelledby="decide-title" className="decide">
                <h2 id="decide-title">{t('ldop.decide')}</h2>
                <ApproveForm agreement={a} service={service} onDone={() => done(t('ldop.approvedNow'))} />
                <NoteDecision
                  agreement={a}
                  decisions={[
                    { decision: 'request-changes', label: 'ldop.requestChanges' },
                    { decision: 'reject', label: 'ldop.reject', danger: true },
                  ]}
                  onDone={() => done(null)}
                />
              </section>
            )}
            {provider && a.status === 'active' && <NoteDecision agreement={a} decisions={[{ decision: 'revoke', label: 'ldop.revoke', danger: true }]} onDone={() => done(null)} />}
            {consumer && !provider && ['requested', 'changes_requested', 'active'].includes(a.status) && (
              <NoteDecision agreement={a} decisions={[{ decision: 'revoke', label: 'ldop.withdraw', danger: true }]} onDone={() => done(null)} />
            )}

            <h2>{t('ldop.history')}</h2>
            <ol className="timeline" data-testid="agreement-history">
              {a.history.map((h) => (
                <li key={h.id} className={`timeline-item timeline-item--${h.action}`} data-action={h.action}>
                  <p className="timeline-head">
                    <strong>{ACTIONS.includes(h.action) ? t(`ldop.act.${h.action}` as MessageKey) : h.action}</strong>
                    <span className="muted">
                      {' '}
                      · {t('ldop.by', { name: h.actorName ?? '—', org: orgName(h.actorOrgId) })} · <time dateTime={h.at ?? undefined}>{f.dateTime(h.at)}</time>
                    </span>
                  </p>
                  {h.note && <p className="timeline-note">{h.note}</p>}
                  {h.terms && h.terms.fields && h.terms.fields.length > 0 && (
                    <p className="timeline-terms muted">
                      {t('ldop.fields')}: {h.terms.fields.join(', ')}
                      {service && h.action === 'approved' && (
                        <>
                          {' '}
                          · {t('ldop.maskedFields')}: {maskedOf({ fields: h.terms.fields, clearFields: h.terms.clearFields ?? [], maskedFields: h.terms.maskedFields ?? [] }, service.fields).join(', ') || '—'}
                        </>
                      )}
                    </p>
                  )}
                </li>
              ))}
            </ol>
          </article>
        );
      }}
    </LoadView>
  );
}
