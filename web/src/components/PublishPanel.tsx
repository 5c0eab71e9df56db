/**
 * "Công bố dữ liệu mở" on a dataset page: where the dataset stands in the publishing workflow and
 * the one action the signed-in user may take next — a steward proposes the latest version, an
 * approver publishes or rejects a proposal, or takes a published dataset down. The server decides
 * (personal-data scan, class, licence, agency); this panel only offers what the role allows and
 * shows the server's answer, in particular the columns a personal-data scan found.
 */
import { useId, useState } from 'react';
import { useAuth } from '../auth.tsx';
import type { Dataset } from '../data/api.ts';
import { useFormat, useLoad, usePersonName } from '../data/hooks.ts';
import {
  approvePublication,
  listPublications,
  proposePublication,
  rejectPublication,
  unpublishDataset,
  type Finding,
  type Publication,
} from '../data/publish.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { onLinkClick } from '../router.ts';
import { LoadView } from './DataParts.tsx';

const stateKey = (s: string) => `pub.state.${s}` as MessageKey;
const kindKey = (k: string) => `pub.kind.${k}` as MessageKey;

/** The columns a personal-data scan found, each with what was recognised and a masked example. */
export function Findings({ findings }: { findings: Finding[] }) {
  const { t } = useI18n();
  return (
    <ul className="findings" data-testid="pub-findings">
      {findings.map((f) => (
        <li key={f.column}>
          <strong>{f.column}</strong>: {f.kinds.map((k) => t(kindKey(k))).join(', ')}
          {f.matches > 0 && <> — {t('pub.matches', { count: f.matches })}</>}
          {f.example && (
            <>
              {' '}
              (<code>{f.example}</code>)
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

export function PublishPanel({ dataset: d }: { dataset: Dataset }) {
  const { t } = useI18n();
  const { state: auth } = useAuth();
  const role = auth.status === 'authenticated' ? auth.user.role : null;
  const ownAgency = auth.status === 'authenticated' && (auth.user.role === 'admin' || auth.user.orgId === d.publisherOrgId);
  const canPropose = ownAgency && (role === 'admin' || role === 'steward');
  const canDecide = ownAgency && (role === 'admin' || role === 'leader');
  const { state, reload } = useLoad(`${d.slug}@${d.latestVersion}`, (signal) => listPublications(d.slug, signal));
  if (!canPropose && !canDecide) return null;
  return (
    <section aria-labelledby="ds-publish" data-testid="publish-panel">
      <h2 id="ds-publish">{t('pub.title')}</h2>
      {d.access !== 'open' && <p className="muted">{t('pub.notOpen')}</p>}
      <LoadView state={state} reload={reload}>
        {(pubs) => <PublishBody dataset={d} pubs={pubs} canPropose={canPropose} canDecide={canDecide} onChange={reload} />}
      </LoadView>
    </section>
  );
}

function PublishBody({ dataset: d, pubs, canPropose, canDecide, onChange }: { dataset: Dataset; pubs: Publication[]; canPropose: boolean; canDecide: boolean; onChange: () => void }) {
  const { t } = useI18n();
  const f = useFormat();
  const person = usePersonName();
  const noteId = useId();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const live = pubs.find((p) => p.state === 'published') ?? null;
  const open = pubs.find((p) => p.state === 'pending' || p.state === 'blocked') ?? null;

  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      setNote('');
      onChange();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  const latest = d.latestVersion;
  return (
    <div className="publish">
      <p data-testid="pub-status">
        {live ? (
          <>
            {t('pub.liveVersion', { version: live.version, date: live.publishedAt ? f.dateTime(live.publishedAt) : '' })}{' '}
            <a href={`/open-data/datasets/${encodeURIComponent(d.slug)}`} onClick={onLinkClick}>
              {t('pub.viewOnPortal')}
            </a>
          </>
        ) : (
          t('pub.notPublished')
        )}
      </p>

      {open && (
        <div className={`notice ${open.state === 'blocked' ? 'notice--danger' : ''}`} data-testid="pub-open">
          <p>
            <strong>{t(stateKey(open.state))}</strong> — {t('pub.proposal', { version: open.version, by: open.proposedByName ?? person(open.proposedBy), date: f.dateTime(open.proposedAt) })}
          </p>
          {open.note && <p className="muted">{open.note}</p>}
          {open.state === 'blocked' && (
            <>
              <p>{t('pub.blockedHelp')}</p>
              <Findings findings={open.scan.findings} />
            </>
          )}
          {open.state === 'pending' && <p className="muted">{t('pub.scanClean', { rows: f.int(open.scan.rowsScanned) })}</p>}
        </div>
      )}

      {(canPropose || canDecide) && (
        <form className="publish-form" onSubmit={(e) => e.preventDefault()}>
          <div className="field">
            <label htmlFor={noteId}>{t(canDecide && open ? 'pub.note' : 'pub.noteOptional')}</label>
            <textarea id={noteId} rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <div className="button-row">
            {canPropose && latest !== null && !open && (!live || live.version !== latest) && (
              <button type="button" className="button" disabled={busy} onClick={() => void act(() => proposePublication(d.slug, latest, note))} data-testid="pub-propose">
                {t('pub.propose', { version: latest })}
              </button>
            )}
            {canDecide && open?.state === 'pending' && (
              <button type="button" className="button" disabled={busy} onClick={() => void act(() => approvePublication(open.id, note))} data-testid="pub-approve">
                {t('pub.approve', { version: open.version })}
              </button>
            )}
            {canDecide && open && (
              <button
                type="button"
                className="button button--ghost"
                disabled={busy || !note.trim()}
                title={note.trim() ? undefined : t('pub.rejectNeedsNote')}
                onClick={() => void act(() => rejectPublication(open.id, note.trim()))}
                data-testid="pub-reject"
              >
                {t('pub.reject')}
              </button>
            )}
            {canDecide && live && (
              <button
                type="button"
                className="button button--ghost"
                disabled={busy}
                onClick={() => {
                  if (window.confirm(t('pub.unpublishConfirm'))) void act(() => unpublishDataset(d.slug, note));
                }}
                data-testid="pub-unpublish"
              >
                {t('pub.unpublish')}
              </button>
            )}
          </div>
          {canDecide && open && !note.trim() && <p className="muted">{t('pub.rejectNeedsNote')}</p>}
        </form>
      )}
      <div aria-live="assertive">
        {error && (
          <p className="form-error" role="alert" data-testid="pub-error">
            {error}
          </p>
        )}
      </div>

      {pubs.length > 0 && (
        <details className="publish-history">
          <summary>{t('pub.history', { count: pubs.length })}</summary>
          <ul>
            {pubs.map((p) => (
              <li key={p.id}>
                {f.dateTime(p.proposedAt)} — {t('pub.historyLine', { version: p.version, state: t(stateKey(p.state)), by: p.proposedByName ?? person(p.proposedBy) })}
                {p.decisionNote && <span className="muted"> — {p.decisionNote}</span>}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
