import { useEffect } from 'react';
import { useAuth } from '../../auth.tsx';
import { Findings } from '../../components/PublishPanel.tsx';
import { LoadView } from '../../components/DataParts.tsx';
import { useFormat, useLoad, usePersonName, useReference } from '../../data/hooks.ts';
import { publicationQueue } from '../../data/publish.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { datasetPath, onLinkClick } from '../../router.ts';

/**
 * "Duyệt công bố": the approvers' queue of proposals across their agency's datasets (all of them for
 * an administrator). Each links to the dataset page, where the decision is taken with the data in view.
 */
export function PublicationsPage() {
  const { t } = useI18n();
  const { state: auth } = useAuth();
  useEffect(() => {
    document.title = `${t('pub.queueTitle')} — ${t('app.name')}`;
  }, [t]);
  if (auth.status !== 'authenticated' || !['admin', 'leader'].includes(auth.user.role)) {
    return <p role="alert">{t('pub.queueNeedsApprover')}</p>;
  }
  return <Queue />;
}

function Queue() {
  const { t } = useI18n();
  const f = useFormat();
  const person = usePersonName();
  const { orgName } = useReference();
  const { state, reload } = useLoad('publication-queue', (signal) => publicationQueue(signal));
  return (
    <section aria-labelledby="pub-queue">
      <h1 id="pub-queue">{t('pub.queueTitle')}</h1>
      <p className="muted">{t('pub.queueIntro')}</p>
      <LoadView state={state} reload={reload}>
        {(items) =>
          items.length === 0 ? (
            <p data-testid="pub-queue-empty">{t('pub.queueEmpty')}</p>
          ) : (
            <ul className="pub-queue" data-testid="pub-queue">
              {items.map((p) => (
                <li key={p.id} className={`pub-queue-item pub-queue-item--${p.state}`}>
                  <a href={datasetPath(p.dataset.slug)} onClick={onLinkClick}>
                    {p.dataset.title}
                  </a>{' '}
                  <span className={`tag ${p.state === 'blocked' ? 'tag--access-private' : 'tag--access-open'}`}>{t(`pub.state.${p.state}` as MessageKey)}</span>
                  <p className="muted">
                    {orgName(p.dataset.publisherOrgId)} — {t('pub.proposal', { version: p.version, by: p.proposedByName ?? person(p.proposedBy), date: f.dateTime(p.proposedAt) })}
                  </p>
                  {p.note && <p>{p.note}</p>}
                  {p.state === 'blocked' && <Findings findings={p.scan.findings} />}
                </li>
              ))}
            </ul>
          )
        }
      </LoadView>
    </section>
  );
}
