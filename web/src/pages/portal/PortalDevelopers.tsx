/**
 * Cổng dữ liệu mở — Nhà phát triển: get a free API key (shown once), check or revoke my key (pasting
 * it is the proof of possession), how to call the CKAN-compatible API, register an application built
 * on open data (an editor approves it; approved apps count toward KPI B.4) and the approved apps.
 */
import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../api.ts';
import { LoadView } from '../../components/DataParts.tsx';
import { useFormat, useLoad } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import {
  KEY_PATTERN,
  createDeveloperKey,
  getLimits,
  getMyKey,
  listApprovedApps,
  listDatasetChoices,
  registerApp,
  revokeMyKey,
  type DatasetChoice,
  type IssuedKey,
  type MyKey,
} from '../../portal/developers.ts';
import { portalDatasetPath, onLinkClick } from '../../router.ts';
import { PortalLayout } from './PortalHome.tsx';

/** The same check the server makes (`format: email`), enough to catch typos before sending. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const message = (error: unknown) => (error instanceof ApiError ? (error.detail ?? error.title ?? error.message) : error instanceof Error ? error.message : String(error));

/** Everything the page reads once: limits, published datasets (picker and examples), approved apps. */
function usePageData() {
  return useLoad('developers', async (signal) => {
    const [limits, datasets, apps] = await Promise.all([getLimits(signal), listDatasetChoices(signal), listApprovedApps(signal)]);
    return { limits, datasets, apps };
  });
}

export function PortalDevelopers() {
  const { t } = useI18n();
  const data = usePageData();
  const sections: { id: string; label: MessageKey }[] = [
    { id: 'dev-get', label: 'dev.getTitle' },
    { id: 'dev-my', label: 'dev.myTitle' },
    { id: 'dev-how', label: 'dev.howTitle' },
    { id: 'dev-app', label: 'dev.appTitle' },
    { id: 'dev-apps', label: 'dev.appsTitle' },
  ];
  return (
    <PortalLayout current="developers">
      <div className="developers">
        <h1>{t('dev.title')}</h1>
        <p className="portal-intro">{t('dev.intro')}</p>
        <nav className="dev-toc" aria-label={t('dev.onThisPage')}>
          <ul>
            {sections.map((s) => (
              <li key={s.id}>
                <a href={`#${s.id}`}>{t(s.label)}</a>
              </li>
            ))}
          </ul>
        </nav>
        <GetKey />
        <MyKeyPanel />
        <LoadView state={data.state} reload={data.reload}>
          {({ limits, datasets, apps }) => (
            <>
              <HowTo anonymous={limits.anonymousPerMinute} perKey={limits.keyPerMinute} example={datasets.find((d) => d.resourceId) ?? null} />
              <RegisterApp datasets={datasets} />
              <Showcase apps={apps} datasets={datasets} />
            </>
          )}
        </LoadView>
      </div>
    </PortalLayout>
  );
}

function Section({ id, title, intro, children }: { id: string; title: MessageKey; intro?: ReactNode; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby={`${id}-h`} id={id} className="dev-section">
      <h2 id={`${id}-h`}>{t(title)}</h2>
      {intro && <p className="muted">{intro}</p>}
      {children}
    </section>
  );
}

/** A text field with its label, hint and error wired for screen readers. */
function Field(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | null;
  hint?: string;
  type?: 'text' | 'email' | 'url';
  multiline?: boolean;
  autoComplete?: string;
  mono?: boolean;
  testId?: string;
  maxLength?: number;
}) {
  const id = useId();
  const hintId = useId();
  const errorId = useId();
  const describedBy = [props.hint ? hintId : null, props.error ? errorId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    value: props.value,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': describedBy,
    'data-testid': props.testId,
    maxLength: props.maxLength,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={4} onChange={(e) => props.onChange(e.target.value)} />
      ) : (
        <input
          {...common}
          type={props.type ?? 'text'}
          className={props.mono ? 'mono' : undefined}
          autoComplete={props.autoComplete ?? 'off'}
          spellCheck={props.mono ? false : undefined}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
      {props.hint && (
        <p id={hintId} className="hint">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={errorId} className="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

// ---- get a key ------------------------------------------------------------------------------

function GetKey() {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<{ name?: string; email?: string }>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<IssuedKey | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const next: typeof errors = {};
    if (name.trim().length < 2) next.name = name.trim() ? t('dev.tooShort', { field: t('dev.name'), min: 2 }) : t('dev.required', { field: t('dev.name') });
    if (!EMAIL.test(email.trim())) next.email = email.trim() ? t('dev.badEmail') : t('dev.required', { field: t('dev.email') });
    setErrors(next);
    setFailure(null);
    if (next.name || next.email) return;
    setBusy(true);
    try {
      setIssued(await createDeveloperKey({ name: name.trim(), email: email.trim() }));
      setName('');
      setEmail('');
    } catch (error) {
      setFailure(t('dev.failed', { message: message(error) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section id="dev-get" title="dev.getTitle" intro={t('dev.getIntro')}>
      {issued ? (
        <NewKey issued={issued} onDismiss={() => setIssued(null)} />
      ) : (
        <form className="form dev-form" onSubmit={(e) => void submit(e)} noValidate data-testid="get-key-form">
          <div className="form-row">
            <Field label={t('dev.name')} value={name} onChange={setName} error={errors.name} maxLength={200} autoComplete="name" />
            <Field label={t('dev.email')} value={email} onChange={setEmail} error={errors.email} type="email" maxLength={200} autoComplete="email" />
          </div>
          {failure && (
            <p className="form-error" role="alert">
              {failure}
            </p>
          )}
          <button type="submit" className="button" disabled={busy}>
            {busy ? t('dev.getting') : t('dev.getSubmit')}
          </button>
        </form>
      )}
    </Section>
  );
}

/** The secret, shown once, with a copy button; dismissing forgets it. */
function NewKey({ issued, onDismiss }: { issued: IssuedKey; onDismiss: () => void }) {
  const { t } = useI18n();
  const f = useFormat();
  const inputRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const fieldId = useId();
  const warningId = useId();
  async function copy() {
    try {
      await navigator.clipboard.writeText(issued.key);
      setCopied('yes');
    } catch {
      inputRef.current?.focus();
      inputRef.current?.select();
      setCopied('failed');
    }
  }
  return (
    <div className="new-key" role="alert" data-testid="new-key">
      <h3>{t('dev.newKeyTitle')}</h3>
      <p className="new-key-warning" id={warningId}>
        {t('dev.newKeyWarning')}
      </p>
      <label htmlFor={fieldId} className="visually-hidden">
        {t('dev.newKeyTitle')}
      </label>
      <div className="new-key-row">
        <input
          id={fieldId}
          ref={inputRef}
          className="mono"
          readOnly
          value={issued.key}
          aria-describedby={warningId}
          onFocus={(e) => e.target.select()}
          spellCheck={false}
          data-testid="new-key-value"
        />
        <button type="button" className="button" onClick={() => void copy()}>
          {copied === 'yes' ? t('dev.copied') : t('dev.copy')}
        </button>
      </div>
      <p className="hint" role="status">
        {copied === 'failed' ? t('dev.copyFailed') : t('dev.newKeyLimit', { rate: f.int(issued.ratePerMinute) })}
      </p>
      <button type="button" className="button button--ghost button--small" onClick={onDismiss}>
        {t('dev.dismissKey')}
      </button>
    </div>
  );
}

// ---- my key ---------------------------------------------------------------------------------

function MyKeyPanel() {
  const { t } = useI18n();
  const f = useFormat();
  const [secret, setSecret] = useState('');
  const [formatError, setFormatError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState<'check' | 'revoke' | null>(null);
  const [key, setKey] = useState<MyKey | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [revokedNow, setRevokedNow] = useState(false);
  const revokeRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  async function check(e: FormEvent) {
    e.preventDefault();
    const value = secret.trim();
    setFailure(null);
    setRevokedNow(false);
    setConfirming(false);
    if (!KEY_PATTERN.test(value)) {
      setFormatError(value ? t('dev.myKeyFormat') : t('dev.required', { field: t('dev.myKey') }));
      setKey(null);
      return;
    }
    setFormatError(null);
    setBusy('check');
    try {
      setKey(await getMyKey(value));
    } catch (error) {
      setKey(null);
      setFailure(message(error));
    } finally {
      setBusy(null);
    }
  }

  async function revoke() {
    setBusy('revoke');
    setFailure(null);
    try {
      setKey(await revokeMyKey(secret.trim()));
      setRevokedNow(true);
      setConfirming(false);
    } catch (error) {
      setFailure(message(error));
    } finally {
      setBusy(null);
    }
  }

  const state = (k: MyKey) =>
    k.revokedAt ? t(k.revokedBy === 'editor' ? 'dev.revokedByEditor' : 'dev.revokedByHolder', { date: f.dateTime(k.revokedAt) }) : t('dev.active');

  return (
    <Section id="dev-my" title="dev.myTitle" intro={t('dev.myIntro')}>
      <form className="form dev-form" onSubmit={(e) => void check(e)} noValidate data-testid="my-key-form">
        <div className="inline-fields">
          <Field label={t('dev.myKey')} value={secret} onChange={setSecret} error={formatError} hint={t('dev.myKeyHint')} mono testId="my-key-input" maxLength={200} />
          <button type="submit" className="button" disabled={busy !== null}>
            {busy === 'check' ? t('dev.checking') : t('dev.check')}
          </button>
        </div>
        {failure && (
          <p className="form-error" role="alert">
            {failure}
          </p>
        )}
      </form>
      {key && (
        <div className="dev-key" data-testid="my-key">
          <dl className="meta-list">
            <div>
              <dt>{t('dev.prefix')}</dt>
              <dd className="mono">{key.prefix}…</dd>
            </div>
            <div>
              <dt>{t('dev.keyName')}</dt>
              <dd>{key.name}</dd>
            </div>
            <div>
              <dt>{t('dev.keyEmail')}</dt>
              <dd>{key.email}</dd>
            </div>
            <div>
              <dt>{t('dev.created')}</dt>
              <dd>{f.dateTime(key.createdAt)}</dd>
            </div>
            <div>
              <dt>{t('dev.limit')}</dt>
              <dd>{f.int(key.ratePerMinute)}</dd>
            </div>
            <div>
              <dt>{t('dev.callsToday')}</dt>
              <dd data-testid="calls-today">{f.int(key.callsToday)}</dd>
            </div>
            <div>
              <dt>{t('dev.state')}</dt>
              <dd data-testid="key-state" className={key.revokedAt ? 'dev-state--revoked' : 'dev-state--active'}>
                {state(key)}
              </dd>
            </div>
          </dl>
          {key.days.length > 0 ? (
            <div className="table-wrap dev-usage">
              <table className="table table--compact">
                <caption>{t('dev.usageDays')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('dev.day')}</th>
                    <th scope="col" className="num">
                      {t('dev.calls')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {key.days.map((d) => (
                    <tr key={d.day}>
                      <td>{f.date(`${d.day}T00:00:00Z`)}</td>
                      <td className="num">{f.int(d.calls)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">{t('dev.noUsage')}</p>
          )}
          {revokedNow && (
            <p className="notice" role="status" data-testid="revoked-now">
              {t('dev.revokedNow')}
            </p>
          )}
          {!key.revokedAt &&
            (confirming ? (
              <div className="dev-confirm" role="group" aria-labelledby="dev-confirm-text">
                <p id="dev-confirm-text">{t('dev.revokeConfirm', { prefix: key.prefix })}</p>
                <div className="button-row">
                  <button type="button" ref={confirmRef} className="button button--danger" disabled={busy !== null} onClick={() => void revoke()}>
                    {busy === 'revoke' ? t('dev.revoking') : t('dev.revokeYes')}
                  </button>
                  <button
                    type="button"
                    className="button button--ghost"
                    onClick={() => {
                      setConfirming(false);
                      requestAnimationFrame(() => revokeRef.current?.focus());
                    }}
                  >
                    {t('dev.revokeNo')}
                  </button>
                </div>
              </div>
            ) : (
              <button
                type="button"
                ref={revokeRef}
                className="button button--danger"
                onClick={() => {
                  setConfirming(true);
                  requestAnimationFrame(() => confirmRef.current?.focus());
                }}
              >
                {t('dev.revoke')}
              </button>
            ))}
        </div>
      )}
    </Section>
  );
}

// ---- how to call the API ----------------------------------------------------------------------

function HowTo({ anonymous, perKey, example }: { anonymous: number; perKey: number; example: DatasetChoice | null }) {
  const { t } = useI18n();
  const f = useFormat();
  const origin = window.location.origin;
  const search = `curl '${origin}/api/3/action/package_search?q=du%20lich&rows=5'`;
  const rows = `curl -H 'Authorization: pod_…' '${origin}/api/3/action/datastore_search?resource_id=${example?.resourceId ?? 'RESOURCE_ID'}&limit=5'`;
  return (
    <Section id="dev-how" title="dev.howTitle" intro={t('dev.howIntro', { anonymous: f.int(anonymous), key: f.int(perKey) })}>
      <p>{t('dev.howSearch')}</p>
      <CodeBlock text={search} testId="how-search" />
      <p>{t('dev.howRows')}</p>
      <CodeBlock text={rows} testId="how-rows" />
      <ul className="dev-notes">
        <li>{t('dev.howKey')}</li>
        <li>{t('dev.howLimits')}</li>
        <li>
          <a href="/api/docs">{t('dev.howDocs')}</a>
        </li>
      </ul>
    </Section>
  );
}

function CodeBlock({ text, testId }: { text: string; testId: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="copyable">
      <pre className="code-block" data-testid={testId} tabIndex={0}>
        <code>{text}</code>
      </pre>
      <button
        type="button"
        className="button button--small button--ghost"
        onClick={() => {
          void navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false));
        }}
      >
        {copied ? t('dev.copied') : t('dev.copy')}
      </button>
    </div>
  );
}

// ---- register an application ------------------------------------------------------------------

const EMPTY_APP = { name: '', description: '', url: '', developerName: '', developerEmail: '' };

function RegisterApp({ datasets }: { datasets: DatasetChoice[] }) {
  const { t, lang } = useI18n();
  const [form, setForm] = useState(EMPTY_APP);
  const [chosen, setChosen] = useState<string[]>([]);
  const [errors, setErrors] = useState<Partial<Record<keyof typeof EMPTY_APP, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const legendId = useId();
  const hintId = useId();
  const set = (k: keyof typeof EMPTY_APP) => (v: string) => setForm((x) => ({ ...x, [k]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const v = Object.fromEntries(Object.entries(form).map(([k, x]) => [k, x.trim()])) as typeof EMPTY_APP;
    const next: typeof errors = {};
    const need = (k: keyof typeof EMPTY_APP, label: MessageKey, min: number) => {
      if (!v[k]) next[k] = t('dev.required', { field: t(label) });
      else if (v[k].length < min) next[k] = t('dev.tooShort', { field: t(label), min });
    };
    need('name', 'dev.appName', 2);
    need('description', 'dev.appDescription', 10);
    need('developerName', 'dev.appDeveloper', 2);
    if (!/^https?:\/\/\S+$/i.test(v.url)) next.url = v.url ? t('dev.badUrl') : t('dev.required', { field: t('dev.appUrl') });
    if (!EMAIL.test(v.developerEmail)) next.developerEmail = v.developerEmail ? t('dev.badEmail') : t('dev.required', { field: t('dev.appEmail') });
    setErrors(next);
    setFailure(null);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      await registerApp({ ...v, datasets: chosen });
      setDone(v.name);
      setForm(EMPTY_APP);
      setChosen([]);
    } catch (error) {
      setFailure(t('dev.failed', { message: message(error) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section id="dev-app" title="dev.appTitle" intro={t('dev.appIntro')}>
      {done ? (
        <div className="notice dev-pending" role="status" data-testid="app-pending">
          <p>{t('dev.appPending', { name: done })}</p>
          <button type="button" className="button button--small button--ghost" onClick={() => setDone(null)}>
            {t('dev.appAnother')}
          </button>
        </div>
      ) : (
        <form className="form dev-form" onSubmit={(e) => void submit(e)} noValidate data-testid="app-form">
          <div className="form-row">
            <Field label={t('dev.appName')} value={form.name} onChange={set('name')} error={errors.name} maxLength={200} />
            <Field label={t('dev.appUrl')} value={form.url} onChange={set('url')} error={errors.url} type="url" maxLength={500} />
          </div>
          <Field label={t('dev.appDescription')} value={form.description} onChange={set('description')} error={errors.description} multiline maxLength={4000} />
          <div className="form-row">
            <Field label={t('dev.appDeveloper')} value={form.developerName} onChange={set('developerName')} error={errors.developerName} maxLength={200} autoComplete="name" />
            <Field label={t('dev.appEmail')} value={form.developerEmail} onChange={set('developerEmail')} error={errors.developerEmail} type="email" maxLength={200} autoComplete="email" />
          </div>
          <fieldset className="dev-datasets" aria-describedby={hintId}>
            <legend id={legendId}>{t('dev.appDatasets')}</legend>
            <p id={hintId} className="hint">
              {t('dev.appDatasetsHint')}
            </p>
            <ul className="check-list dev-dataset-list">
              {datasets.map((d) => (
                <li key={d.name}>
                  <label>
                    <input
                      type="checkbox"
                      value={d.name}
                      checked={chosen.includes(d.name)}
                      onChange={(e) => setChosen((c) => (e.target.checked ? [...c, d.name] : c.filter((x) => x !== d.name)))}
                    />{' '}
                    {lang === 'en' && d.titleEn ? d.titleEn : d.title}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
          {failure && (
            <p className="form-error" role="alert">
              {failure}
            </p>
          )}
          <button type="submit" className="button" disabled={busy}>
            {busy ? t('dev.appSubmitting') : t('dev.appSubmit')}
          </button>
        </form>
      )}
    </Section>
  );
}

// ---- the showcase -------------------------------------------------------------------------------

function Showcase({ apps, datasets }: { apps: Awaited<ReturnType<typeof listApprovedApps>>; datasets: DatasetChoice[] }) {
  const { t, lang } = useI18n();
  const titles = new Map(datasets.map((d) => [d.name, lang === 'en' && d.titleEn ? d.titleEn : d.title]));
  return (
    <Section id="dev-apps" title="dev.appsTitle">
      {apps.length === 0 ? (
        <p className="muted">{t('dev.appsNone')}</p>
      ) : (
        <ul className="dataset-cards" data-testid="approved-apps">
          {apps.map((a) => (
            <li key={a.id} className="dataset-card">
              <h3>
                <a href={a.url} rel="noopener noreferrer">
                  {a.name}
                </a>
              </h3>
              <p className="dataset-agency">{t('dev.appBy', { name: a.developerName })}</p>
              <p className="dataset-description">{a.description}</p>
              {a.datasets.length > 0 && (
                <p className="dataset-meta">
                  {t('dev.appUses')}{' '}
                  {a.datasets.map((d, i) => (
                    <span key={d}>
                      {i > 0 && ', '}
                      <a href={portalDatasetPath(d)} onClick={onLinkClick}>
                        {titles.get(d) ?? d}
                      </a>
                    </span>
                  ))}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
