import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../../api.ts';
import { LoadView } from '../../components/DataParts.tsx';
import { useCommuneNames, useIsSteward, useMyOrg, useOrgName } from '../../components/LdopParts.tsx';
import { useLoad } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { getService, listSubsystems, requestAgreement, type Agreement, type RowCondition, type Service, type ServiceField, type Subsystem } from '../../ldop/api.ts';
import { ROUTE_PATHS, agreementPath, onLinkClick } from '../../router.ts';
import { foldVietnamese, matchesQuery } from '../../text.ts';
import { KIND_LABEL } from './ServicesPage.tsx';

const PERSONAL_LABEL: Record<ServiceField['personalData'], MessageKey> = {
  none: 'ldop.personal.none',
  basic: 'ldop.personal.basic',
  sensitive: 'ldop.personal.sensitive',
};

/** `YYYY-MM-DD` of a date in the browser's time zone, for `<input type=date>`. */
export function dateInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * A period boundary the API accepts. Days are Vietnam's (UTC+7), as the gateway counts them; a start
 * of today is "now", so the agreement is usable the moment it is approved.
 */
export function periodBoundary(day: string, end: boolean): string {
  if (!end && day === dateInput(new Date())) return new Date().toISOString();
  return `${day}T${end ? '23:59:59' : '00:00:00'}+07:00`;
}

/** The field that holds the commune code, if the service has one (the row filter needs it). */
function communeField(fields: ServiceField[]): ServiceField | undefined {
  return fields.find((f) => f.name === 'ma_xa') ?? fields.find((f) => f.elementCode === 'ma_xa');
}

/** A searchable checkbox list of communes and wards; the chosen ones stay listed first. */
function CommunePicker({ chosen, onChange }: { chosen: string[]; onChange: (codes: string[]) => void }) {
  const { t } = useI18n();
  const { list } = useCommuneNames();
  const [query, setQuery] = useState('');
  const searchId = useId();
  const folded = useMemo(() => list.map((c) => ({ ...c, folded: foldVietnamese(`${c.name} ${c.code}`) })), [list]);
  const shown = folded.filter((c) => chosen.includes(c.code) || (query.trim() !== '' && matchesQuery(c.folded, query))).slice(0, 60);
  const toggle = (code: string, on: boolean) => onChange(on ? [...chosen, code] : chosen.filter((c) => c !== code));
  return (
    <fieldset className="facet commune-picker" data-testid="commune-picker">
      <legend>{t('ldop.rowFilter')}</legend>
      <p className="hint">{t('ldop.rowFilterHint')}</p>
      <label htmlFor={searchId} className="visually-hidden">
        {t('ldop.communeSearch')}
      </label>
      <input id={searchId} type="search" value={query} placeholder={t('ldop.communeSearch')} onChange={(e) => setQuery(e.target.value)} autoComplete="off" spellCheck={false} />
      <p className="hint" role="status">
        {t('ldop.communesChosen', { count: chosen.length })}
      </p>
      {shown.length > 0 && (
        <ul className="check-list">
          {shown.map((c) => (
            <li key={c.code}>
              <label className="checkbox">
                <input type="checkbox" checked={chosen.includes(c.code)} onChange={(e) => toggle(c.code, e.target.checked)} />
                <span>
                  {c.name} <span className="muted">({c.code})</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

/** The "Yêu cầu truy cập" form: consumer subsystem, fields (and which to receive unmasked), communes, terms. */
function RequestForm({ service, subsystems }: { service: Service; subsystems: Subsystem[] }) {
  const { t } = useI18n();
  const usable = subsystems.filter((s) => !s.managed && s.status === 'active');
  const [subsystemId, setSubsystemId] = useState(usable[0]?.id ?? '');
  const [fields, setFields] = useState<string[]>([]);
  const [clear, setClear] = useState<string[]>([]);
  const [communes, setCommunes] = useState<string[]>([]);
  const [purpose, setPurpose] = useState('');
  const [legalBasis, setLegalBasis] = useState('');
  const [validFrom, setValidFrom] = useState(() => dateInput(new Date()));
  const [validTo, setValidTo] = useState(() => dateInput(new Date(Date.now() + 365 * 86_400_000)));
  const [dailyRowLimit, setDailyRowLimit] = useState('10000');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<Agreement | null>(null);
  const ids = { sub: useId(), purpose: useId(), legal: useId(), from: useId(), to: useId(), limit: useId() };
  const commune = communeField(service.fields);

  if (usable.length === 0) {
    return (
      <p className="notice">
        {t('ldop.noSubsystems')}{' '}
        <a href={ROUTE_PATHS.ldopSystems} onClick={onLinkClick}>
          {t('ldop.systems')}
        </a>
      </p>
    );
  }
  if (sent) {
    return (
      <div className="result-banner result-banner--ok" role="status" data-testid="request-sent">
        <p>{t('ldop.requestSent')}</p>
        <a className="button button--small" href={agreementPath(sent.id)} onClick={onLinkClick} data-testid="open-agreement">
          {t('ldop.openAgreement')}
        </a>
      </div>
    );
  }

  function toggleField(name: string, on: boolean) {
    setFields((list) => (on ? [...list, name] : list.filter((f) => f !== name)));
    if (!on) setClear((list) => list.filter((f) => f !== name));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (fields.length === 0) return setError(t('ldop.needFields'));
    if (!purpose.trim() || !legalBasis.trim()) return setError(t('ldop.needPurpose'));
    const ordered = service.fields.map((f) => f.name).filter((n) => fields.includes(n));
    const rowFilter: RowCondition[] = [];
    if (commune && communes.length > 0) {
      const numeric = commune.type === 'integer' || commune.type === 'number';
      rowFilter.push({ column: commune.name, op: 'in', value: communes.map((c) => (numeric ? Number(c) : c)) });
    }
    setBusy(true);
    try {
      const agreement = await requestAgreement({
        consumerSubsystemId: subsystemId,
        serviceId: service.id,
        fields: ordered,
        clearFields: clear.filter((c) => fields.includes(c)),
        ...(rowFilter.length > 0 ? { rowFilter } : {}),
        purpose: purpose.trim().normalize('NFC'),
        legalBasis: legalBasis.trim().normalize('NFC'),
        validFrom: periodBoundary(validFrom, false),
        validTo: periodBoundary(validTo, true),
        dailyRowLimit: Number(dailyRowLimit),
      });
      setSent(agreement);
    } catch (err) {
      setError(t('ldop.failed', { message: err instanceof ApiError || err instanceof Error ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form ldop-form" onSubmit={(e) => void submit(e)} aria-labelledby="request-title" data-testid="request-form">
      <h2 id="request-title">{t('ldop.request')}</h2>
      <p className="hint">{t('ldop.requestIntro')}</p>
      <div className="field">
        <label htmlFor={ids.sub}>{t('ldop.consumerSubsystem')}</label>
        <select id={ids.sub} value={subsystemId} onChange={(e) => setSubsystemId(e.target.value)}>
          {usable.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.code})
            </option>
          ))}
        </select>
      </div>
      <fieldset className="facet">
        <legend>{t('ldop.chooseFields')}</legend>
        <ul className="check-list check-list--fields">
          {service.fields.map((f) => (
            <li key={f.name}>
              <label className="checkbox">
                <input type="checkbox" checked={fields.includes(f.name)} onChange={(e) => toggleField(f.name, e.target.checked)} data-field={f.name} />
                <span>
                  <code>{f.name}</code>
                  {f.personalData !== 'none' && <span className={`pd-tag pd-tag--${f.personalData}`}>{t(PERSONAL_LABEL[f.personalData])}</span>}
                </span>
              </label>
              {f.personalData !== 'none' && fields.includes(f.name) && (
                <label className="checkbox checkbox--sub">
                  <input
                    type="checkbox"
                    checked={clear.includes(f.name)}
                    onChange={(e) => setClear((list) => (e.target.checked ? [...list, f.name] : list.filter((x) => x !== f.name)))}
                    data-clear={f.name}
                  />
                  <span>{t('ldop.askClear')}</span>
                </label>
              )}
            </li>
          ))}
        </ul>
      </fieldset>
      {commune && <CommunePicker chosen={communes} onChange={setCommunes} />}
      <div className="field">
        <label htmlFor={ids.purpose}>{t('ldop.purpose')}</label>
        <textarea id={ids.purpose} rows={2} value={purpose} onChange={(e) => setPurpose(e.target.value)} required maxLength={2000} />
      </div>
      <div className="field">
        <label htmlFor={ids.legal}>{t('ldop.legalBasis')}</label>
        <textarea id={ids.legal} rows={2} value={legalBasis} onChange={(e) => setLegalBasis(e.target.value)} required maxLength={2000} />
      </div>
      <div className="form-row">
        <div className="field">
          <label htmlFor={ids.from}>{t('ldop.validFrom')}</label>
          <input id={ids.from} type="date" value={validFrom} onChange={(e) => setValidFrom(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor={ids.to}>{t('ldop.validTo')}</label>
          <input id={ids.to} type="date" value={validTo} min={validFrom} onChange={(e) => setValidTo(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor={ids.limit}>{t('ldop.dailyRowLimit')}</label>
          <input id={ids.limit} type="number" inputMode="numeric" min={1} max={1_000_000_000} value={dailyRowLimit} onChange={(e) => setDailyRowLimit(e.target.value)} required />
        </div>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button" disabled={busy}>
        {busy ? t('ldop.saving') : t('ldop.submitRequest')}
      </button>
    </form>
  );
}

/** One service: what it offers (personal-data fields marked), who has access, and the request form. */
export function ServicePage({ id }: { id: string }) {
  const { t } = useI18n();
  const orgName = useOrgName();
  const myOrg = useMyOrg();
  const steward = useIsSteward();
  const { state, reload } = useLoad(`service:${id}`, async (signal) => {
    const [service, subsystems] = await Promise.all([getService(id, signal), listSubsystems(signal).catch(() => [] as Subsystem[])]);
    return { service, subsystems };
  });
  useEffect(() => {
    if (state.status === 'ready') document.title = `${state.value.service.title} — ${t('app.name')}`;
  }, [state, t]);

  return (
    <LoadView state={state} reload={reload}>
      {({ service, subsystems }) => (
        <article className="ldop-service">
          <a className="back-link" href={ROUTE_PATHS.ldopServices} onClick={onLinkClick}>
            {t('ldop.back')}
          </a>
          <header className="dataset-header">
            <h1>{service.title}</h1>
            <ul className="tags">
              <li className="tag">{KIND_LABEL[service.kind] ? t(KIND_LABEL[service.kind]!) : service.kind}</li>
            </ul>
          </header>
          {service.description && <p className="dataset-description">{service.description}</p>}
          <dl className="meta-list">
            <div>
              <dt>{t('ldop.provider')}</dt>
              <dd>{orgName(service.orgId)}</dd>
            </div>
            <div>
              <dt>{t('ldop.gatewayPath')}</dt>
              <dd>
                <code className="service-path">{service.path}</code>
              </dd>
            </div>
            <div>
              <dt>{t('ldop.access')}</dt>
              <dd data-testid="service-access">
                {service.access.length === 0 ? t('ldop.accessNone') : service.access.map((a) => `${orgName(a.consumerOrgId)} · ${a.consumerSubsystem}`).join('; ')}
              </dd>
            </div>
            <div>
              <dt>{t('ldop.openapi')}</dt>
              <dd>
                <a href={`/api/ldop/services/${encodeURIComponent(service.id)}/openapi.json`} download={`${service.code.replace(/[^a-z0-9-]/gi, '_')}.openapi.json`}>
                  openapi.json
                </a>
              </dd>
            </div>
          </dl>

          <h2>{t('ldop.fields')}</h2>
          <p className="hint">{t('ldop.personalNote')}</p>
          <div className="table-wrap">
            <table className="table table--compact" data-testid="service-fields">
              <thead>
                <tr>
                  <th scope="col">{t('ldop.field')}</th>
                  <th scope="col">{t('ldop.type')}</th>
                  <th scope="col">{t('ldop.element')}</th>
                  <th scope="col">{t('ldop.personal')}</th>
                </tr>
              </thead>
              <tbody>
                {service.fields.map((f) => (
                  <tr key={f.name} data-personal={f.personalData}>
                    <th scope="row">
                      <code>{f.name}</code>
                    </th>
                    <td>{f.type}</td>
                    <td>{f.elementCode ?? '—'}</td>
                    <td>{f.personalData === 'none' ? '—' : <span className={`pd-tag pd-tag--${f.personalData}`}>{t(PERSONAL_LABEL[f.personalData])}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          {service.orgId === myOrg ? (
            <p className="notice">{t('ldop.ownService')}</p>
          ) : steward ? (
            <RequestForm service={service} subsystems={subsystems} />
          ) : (
            <p className="notice">{t('ldop.needSteward')}</p>
          )}
        </article>
      )}
    </LoadView>
  );
}
