import { useEffect, useId, useState } from 'react';
import { LoadView } from '../../components/DataParts.tsx';
import { Digest, useOrgName } from '../../components/LdopParts.tsx';
import { useFormat, useLoad } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { checkpointUrl, getCheckpoint, getUsage, listAgreements, listCheckpoints, listExchanges, type Checkpoint, type Side, type Usage } from '../../ldop/api.ts';
import { agreementPath, onLinkClick } from '../../router.ts';

type SigState = 'checking' | 'valid' | 'invalid' | 'unsupported';

function bytesOf(base64: string): Uint8Array<ArrayBuffer> {
  const raw = atob(base64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/**
 * Checks a checkpoint's Ed25519 signature in the browser with the public key the server hands out, so
 * a reader need not trust the page's word for it. Browsers without Ed25519 in WebCrypto say so.
 */
async function verifySignature(c: Checkpoint): Promise<SigState> {
  const full = c.publicKeyPem ? c : await getCheckpoint(c.id);
  if (!full.publicKeyPem || !crypto.subtle) return 'unsupported';
  let key: CryptoKey;
  try {
    const der = bytesOf(full.publicKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
    key = await crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return 'unsupported';
  }
  try {
    const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, bytesOf(full.signature), new TextEncoder().encode(full.signedMessage));
    return ok ? 'valid' : 'invalid';
  } catch {
    return 'invalid';
  }
}

function SignatureStatus({ checkpoint }: { checkpoint: Checkpoint }) {
  const { t } = useI18n();
  const [state, setState] = useState<SigState>('checking');
  useEffect(() => {
    let live = true;
    verifySignature(checkpoint).then(
      (s) => live && setState(s),
      () => live && setState('unsupported'),
    );
    return () => {
      live = false;
    };
  }, [checkpoint]);
  const label: Record<SigState, MessageKey> = { checking: 'ldop.sig.checking', valid: 'ldop.sig.valid', invalid: 'ldop.sig.invalid', unsupported: 'ldop.sig.unsupported' };
  return (
    <span className={`sig sig--${state}`} data-testid="signature-status" data-state={state}>
      {t(label[state])}
    </span>
  );
}

function UsagePanel({ usage }: { usage: Usage }) {
  const { t } = useI18n();
  const f = useFormat();
  const orgName = useOrgName();
  return (
    <section className="usage" aria-labelledby="usage-title" data-testid="usage">
      <h2 id="usage-title">{t('ldop.usage', { days: usage.days })}</h2>
      <dl className="counts usage-counts">
        <div className="count">
          <dt>{t('ldop.requests')}</dt>
          <dd>{f.int(usage.totals.requests)}</dd>
        </div>
        <div className={`count${usage.totals.errors > 0 ? ' count--bad' : ''}`}>
          <dt>{t('ldop.errors')}</dt>
          <dd>{f.int(usage.totals.errors)}</dd>
        </div>
        <div className="count">
          <dt>{t('ldop.p95')}</dt>
          <dd>{usage.totals.p95LatencyMs === null ? '—' : t('ldop.ms', { value: f.int(Math.round(usage.totals.p95LatencyMs)) })}</dd>
        </div>
        <div className="count">
          <dt>{t('ldop.rowsServed')}</dt>
          <dd>{f.int(usage.totals.rows)}</dd>
        </div>
      </dl>
      <div className="usage-lists">
        <div>
          <h3>{t('ldop.topConsumers')}</h3>
          {usage.topConsumers.length === 0 ? (
            <p className="muted">{t('ldop.noTopConsumers')}</p>
          ) : (
            <ol className="plain-list">
              {usage.topConsumers.map((c) => (
                <li key={c.orgId}>
                  {t('ldop.topConsumerLine', { org: orgName(c.orgId), requests: f.int(c.requests), rows: f.int(c.rows) })}
                </li>
              ))}
            </ol>
          )}
        </div>
        <div>
          <h3>{t('ldop.expiring')}</h3>
          {usage.expiring.length === 0 ? (
            <p className="muted">{t('ldop.noExpiring')}</p>
          ) : (
            <ul className="plain-list">
              {usage.expiring.map((a) => (
                <li key={a.id}>
                  <a href={agreementPath(a.id)} onClick={onLinkClick}>
                    {a.serviceTitle ?? a.serviceCode}
                  </a>{' '}
                  — {orgName(a.consumerOrgId)} · {f.date(a.validTo)}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}

/** Nhật ký trao đổi: the agency's exchanges as consumer or provider, signed checkpoints, and usage. */
export function LogPage() {
  const { t } = useI18n();
  const f = useFormat();
  const orgName = useOrgName();
  const [side, setSide] = useState<Side>('both');
  const sideId = useId();
  const { state, reload } = useLoad(`log:${side}`, async (signal) => {
    const [exchanges, checkpoints, agreements, usage] = await Promise.all([
      listExchanges(side, signal),
      listCheckpoints(signal),
      listAgreements('both', signal).catch(() => []),
      getUsage(30, signal).catch(() => null),
    ]);
    return { exchanges, checkpoints, agreements, usage };
  });

  return (
    <div className="ldop-log">
      <h1>{t('ldop.log')}</h1>
      <p className="lead">{t('ldop.logIntro')}</p>
      <LoadView state={state} reload={reload}>
        {({ exchanges, checkpoints, agreements, usage }) => {
          const subsystemCode = new Map(agreements.map((a) => [a.consumerSubsystemId, a.consumerSubsystem ?? '']));
          const serviceTitle = new Map(agreements.map((a) => [a.id, a.serviceTitle ?? '']));
          const head = checkpoints.reduce((max, c) => Math.max(max, c.lastId), 0);
          return (
            <>
              {usage && <UsagePanel usage={usage} />}
              <section aria-labelledby="exchanges-title">
                <div className="section-head">
                  <h2 id="exchanges-title">{t('ldop.exchanges')}</h2>
                  <div className="field field--inline">
                    <label htmlFor={sideId}>{t('ldop.side')}</label>
                    <select id={sideId} value={side} onChange={(e) => setSide(e.target.value as Side)}>
                      {(['both', 'consumer', 'provider'] as const).map((s) => (
                        <option key={s} value={s}>
                          {t(`ldop.side.${s}`)}
                        </option>
                      ))}
                    </select>
                  </div>
                </div>
                {exchanges.length === 0 ? (
                  <p className="empty">{t('ldop.noExchanges')}</p>
                ) : (
                  <div className="table-wrap">
                    <table className="table table--compact exchange-table" data-testid="exchanges">
                      <thead>
                        <tr>
                          <th scope="col">#</th>
                          <th scope="col">{t('ldop.time')}</th>
                          <th scope="col">{t('ldop.consumer')}</th>
                          <th scope="col">{t('ldop.provider')}</th>
                          <th scope="col">{t('ldop.service')}</th>
                          <th scope="col" className="num">
                            {t('ldop.rows')}
                          </th>
                          <th scope="col">{t('ldop.status')}</th>
                          <th scope="col" className="num">
                            {t('ldop.latency')}
                          </th>
                          <th scope="col">{t('ldop.digests')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {exchanges.map((x) => (
                          <tr key={x.id} data-exchange={x.id}>
                            <td>
                              {x.id}
                              <span className={`covered${x.id <= head ? ' covered--yes' : ''}`} title={x.id <= head ? t('ldop.covered') : t('ldop.notCovered')}>
                                <span className="visually-hidden">{x.id <= head ? t('ldop.covered') : t('ldop.notCovered')}</span>
                              </span>
                            </td>
                            <td className="nowrap">{f.dateTime(x.at)}</td>
                            <td>
                              {orgName(x.consumerOrgId)}
                              {x.consumerSubsystemId && subsystemCode.get(x.consumerSubsystemId) && (
                                <>
                                  <br />
                                  <code>{subsystemCode.get(x.consumerSubsystemId)}</code>
                                </>
                              )}
                            </td>
                            <td>
                              {orgName(x.providerOrgId)}
                              {x.providerSubsystem && (
                                <>
                                  <br />
                                  <code>{x.providerSubsystem}</code>
                                </>
                              )}
                            </td>
                            <td>
                              {x.agreementId && serviceTitle.get(x.agreementId) ? (
                                <a href={agreementPath(x.agreementId)} onClick={onLinkClick}>
                                  {serviceTitle.get(x.agreementId)}
                                </a>
                              ) : (
                                <code>{x.serviceCode ?? '—'}</code>
                              )}
                            </td>
                            <td className="num">{f.int(x.rows)}</td>
                            <td>
                              <span className={`http-status http-status--${x.status < 400 ? 'ok' : 'error'}`}>{x.status}</span>
                              {x.errorCode && <span className="error-code">{x.errorCode}</span>}
                            </td>
                            <td className="num">{t('ldop.ms', { value: f.int(x.latencyMs) })}</td>
                            <td className="digests">
                              <Digest value={x.requestSha256} />
                              <Digest value={x.responseSha256} />
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>
              <section aria-labelledby="checkpoints-title">
                <h2 id="checkpoints-title">{t('ldop.checkpoints')}</h2>
                {checkpoints.length === 0 ? (
                  <p className="muted">{t('ldop.noCheckpoints')}</p>
                ) : (
                  <ul className="checkpoint-list" data-testid="checkpoints">
                    {checkpoints.map((c) => (
                      <li key={c.id} className="checkpoint">
                        <span className="checkpoint-id">#{c.id}</span>
                        <span>{f.dateTime(c.at)}</span>
                        <span>{t('ldop.coversUpTo', { id: c.lastId })}</span>
                        <Digest value={c.headHash} />
                        <SignatureStatus checkpoint={c} />
                        <a href={checkpointUrl(c.id)} download={`ldop-checkpoint-${c.id}.json`} className="button button--small button--ghost">
                          {t('ldop.download')}
                        </a>
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            </>
          );
        }}
      </LoadView>
    </div>
  );
}
