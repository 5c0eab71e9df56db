import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api.ts';
import { LoadView } from '../../components/DataParts.tsx';
import { useIsSteward } from '../../components/LdopParts.tsx';
import { useFormat, useLoad } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import {
  createSubsystem,
  issueKey,
  listCertificates,
  listKeys,
  listSubsystems,
  registerCertificate,
  revokeCertificate,
  revokeKey,
  type Subsystem,
} from '../../ldop/api.ts';

const messageOf = (err: unknown) => (err instanceof ApiError || err instanceof Error ? err.message : String(err));

/** The new key, once: a read-only field to select, a copy button and the warning that it will not be shown again. */
function NewKey({ secret, onDismiss }: { secret: string; onDismiss: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const fieldId = useId();
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      inputRef.current?.select();
      setCopied('failed');
    }
  }
  return (
    <div className="new-key" role="alert" data-testid="new-key">
      <h4>{t('ldop.newKeyTitle')}</h4>
      <p className="new-key-warning">{t('ldop.newKeyWarning')}</p>
      <label htmlFor={fieldId} className="visually-hidden">
        {t('ldop.newKeyTitle')}
      </label>
      <div className="new-key-row">
        <input id={fieldId} ref={inputRef} readOnly value={secret} onFocus={(e) => e.target.select()} spellCheck={false} data-testid="new-key-value" />
        <button type="button" className="button" onClick={() => void copy()}>
          {copied === 'yes' ? t('ldop.copied') : t('ldop.copy')}
        </button>
      </div>
      {copied === 'failed' && <p className="hint">{t('ldop.copyFailed')}</p>}
      <button type="button" className="button button--ghost button--small" onClick={onDismiss}>
        {t('ldop.dismissKey')}
      </button>
    </div>
  );
}

/** Keys and certificates of one subsystem. */
function Credentials({ subsystem, canWrite }: { subsystem: Subsystem; canWrite: boolean }) {
  const { t } = useI18n();
  const f = useFormat();
  const { state, reload } = useLoad(`creds:${subsystem.id}`, async (signal) => {
    const [keys, certificates] = await Promise.all([listKeys(subsystem.id, signal), listCertificates(subsystem.id, signal)]);
    return { keys, certificates };
  });
  const [keyName, setKeyName] = useState('');
  const [days, setDays] = useState('365');
  const [secret, setSecret] = useState<string | null>(null);
  const [pem, setPem] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { name: useId(), days: useId(), pem: useId(), pemHint: useId() };

  async function run(action: () => Promise<void>) {
    setError(null);
    setBusy(true);
    try {
      await action();
      reload();
    } catch (err) {
      setError(t('ldop.failed', { message: messageOf(err) }));
    } finally {
      setBusy(false);
    }
  }

  function issue(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      const r = await issueKey(subsystem.id, { name: keyName.trim() || subsystem.code, ...(days ? { expiresInDays: Number(days) } : {}) });
      setSecret(r.key);
      setKeyName('');
    });
  }

  return (
    <LoadView state={state} reload={reload}>
      {({ keys, certificates }) => (
        <div className="credentials">
          <h3>{t('ldop.keys')}</h3>
          {secret && <NewKey secret={secret} onDismiss={() => setSecret(null)} />}
          {keys.length === 0 ? (
            <p className="muted">{t('ldop.noKeys')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table table--compact" data-testid="keys-table">
                <thead>
                  <tr>
                    <th scope="col">{t('ldop.keyName')}</th>
                    <th scope="col">{t('ldop.keyPrefix')}</th>
                    <th scope="col">{t('ldop.created')}</th>
                    <th scope="col">{t('ldop.expires')}</th>
                    <th scope="col">{t('ldop.lastUsed')}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t('ldop.status')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => (
                    <tr key={k.id} className={k.revokedAt ? 'row--revoked' : undefined}>
                      <td>{k.name}</td>
                      <td>
                        <code>{k.prefix}…</code>
                      </td>
                      <td>{f.date(k.createdAt)}</td>
                      <td>{f.date(k.expiresAt)}</td>
                      <td>{f.dateTime(k.lastUsedAt)}</td>
                      <td>
                        {k.revokedAt ? (
                          <span className="status-badge status-badge--revoked">{t('ldop.revokedAt', { date: f.date(k.revokedAt) })}</span>
                        ) : (
                          canWrite && (
                            <button
                              type="button"
                              className="button button--small button--danger"
                              disabled={busy}
                              onClick={() => {
                                if (window.confirm(t('ldop.confirmRevokeKey', { name: k.name }))) void run(() => revokeKey(subsystem.id, k.id));
                              }}
                            >
                              {t('ldop.revokeKey')}
                            </button>
                          )
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {canWrite && (
            <form className="inline-form" onSubmit={issue}>
              <div className="field field--inline field--grow">
                <label htmlFor={ids.name}>{t('ldop.keyName')}</label>
                <input id={ids.name} value={keyName} onChange={(e) => setKeyName(e.target.value)} maxLength={100} placeholder={subsystem.code} />
              </div>
              <div className="field field--inline">
                <label htmlFor={ids.days}>{t('ldop.expiresInDays')}</label>
                <input id={ids.days} type="number" inputMode="numeric" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} className="input--short" />
              </div>
              <button type="submit" className="button" disabled={busy} data-testid="issue-key">
                {t('ldop.issueKey')}
              </button>
            </form>
          )}

          <h3>{t('ldop.certificates')}</h3>
          {certificates.length === 0 ? (
            <p className="muted">{t('ldop.noCertificates')}</p>
          ) : (
            <ul className="cert-list">
              {certificates.map((c) => (
                <li key={c.id} className={c.revokedAt ? 'row--revoked' : undefined}>
                  <span className="cert-label">{t('ldop.fingerprint')}</span>
                  <code className="fingerprint">{c.fingerprint}</code>
                  <span className="muted">
                    {c.subject ?? ''} · {t('ldop.notAfter')} {f.date(c.notAfter)}
                  </span>
                  {c.revokedAt ? (
                    <span className="status-badge status-badge--revoked">{t('ldop.revokedAt', { date: f.date(c.revokedAt) })}</span>
                  ) : (
                    canWrite && (
                      <button type="button" className="button button--small button--ghost" disabled={busy} onClick={() => void run(() => revokeCertificate(subsystem.id, c.id))}>
                        {t('ldop.revokeCert')}
                      </button>
                    )
                  )}
                </li>
              ))}
            </ul>
          )}
          {canWrite && (
            <form
              className="cert-form"
              onSubmit={(e) => {
                e.preventDefault();
                void run(async () => {
                  await registerCertificate(subsystem.id, pem.trim());
                  setPem('');
                });
              }}
            >
              <div className="field">
                <label htmlFor={ids.pem}>{t('ldop.certPem')}</label>
                <textarea id={ids.pem} rows={3} value={pem} onChange={(e) => setPem(e.target.value)} aria-describedby={ids.pemHint} spellCheck={false} className="mono" />
                <p className="hint" id={ids.pemHint}>
                  {t('ldop.certHint')}
                </p>
              </div>
              <button type="submit" className="button button--ghost" disabled={busy || pem.trim().length < 50}>
                {t('ldop.registerCert')}
              </button>
            </form>
          )}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </LoadView>
  );
}

/** Hệ thống: the agency's information systems, their API keys and client certificates. */
export function SystemsPage() {
  const { t } = useI18n();
  const steward = useIsSteward();
  const { state, reload } = useLoad('subsystems', (signal) => listSubsystems(signal));
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [environment, setEnvironment] = useState<'production' | 'test'>('production');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { code: useId(), codeHint: useId(), name: useId(), env: useId() };

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await createSubsystem({ code: code.trim(), name: name.trim().normalize('NFC'), environment });
      setCode('');
      setName('');
      reload();
    } catch (err) {
      setError(t('ldop.failed', { message: messageOf(err) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="ldop-systems">
      <h1>{t('ldop.systems')}</h1>
      <p className="lead">{t('ldop.systemsIntro')}</p>
      <LoadView state={state} reload={reload}>
        {(subsystems) => (
          <ul className="system-list" data-testid="systems">
            {subsystems.map((s) => (
              <li key={s.id} className="dataset-card system-card" data-code={s.code}>
                <div className="dataset-card-head">
                  <h2>
                    {s.name} <code className="system-code">{s.code}</code>
                  </h2>
                  <ul className="tags">
                    <li className="tag">{t(`ldop.env.${s.environment === 'test' ? 'test' : 'production'}` as MessageKey)}</li>
                    <li className={`tag tag--sys-${s.status}`}>{t(`ldop.sysStatus.${['active', 'suspended', 'retired'].includes(s.status) ? s.status : 'active'}` as MessageKey)}</li>
                  </ul>
                </div>
                <p className="dataset-meta">
                  {s.managed && <span>{t('ldop.managed')}</span>}
                  {s.rateLimitPerMinute !== null && <span>{t('ldop.rateLimit', { count: s.rateLimitPerMinute })}</span>}
                </p>
                {!s.managed && <Credentials subsystem={s} canWrite={steward} />}
              </li>
            ))}
          </ul>
        )}
      </LoadView>
      {steward && (
        <form className="form ldop-form" onSubmit={(e) => void create(e)} aria-labelledby="new-system">
          <h2 id="new-system">{t('ldop.newSystem')}</h2>
          <div className="form-row">
            <div className="field">
              <label htmlFor={ids.code}>{t('ldop.code')}</label>
              <input id={ids.code} value={code} onChange={(e) => setCode(e.target.value)} pattern="[a-z0-9][a-z0-9\-]{1,62}" required aria-describedby={ids.codeHint} spellCheck={false} autoCapitalize="off" />
              <p className="hint" id={ids.codeHint}>
                {t('ldop.codeHint')}
              </p>
            </div>
            <div className="field">
              <label htmlFor={ids.name}>{t('ldop.name')}</label>
              <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
            </div>
            <div className="field">
              <label htmlFor={ids.env}>{t('ldop.environment')}</label>
              <select id={ids.env} value={environment} onChange={(e) => setEnvironment(e.target.value === 'test' ? 'test' : 'production')}>
                <option value="production">{t('ldop.env.production')}</option>
                <option value="test">{t('ldop.env.test')}</option>
              </select>
            </div>
          </div>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button" disabled={busy}>
            {t('ldop.create')}
          </button>
        </form>
      )}
    </div>
  );
}
