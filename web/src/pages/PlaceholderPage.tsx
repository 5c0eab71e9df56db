import { useI18n, type MessageKey } from '../i18n.ts';
import { onLinkClick } from '../router.ts';

/** A section built in a later issue: says so, and what it will hold. */
export function PlaceholderPage({ title, description }: { title: MessageKey; description: MessageKey }) {
  const { t } = useI18n();
  return (
    <div className="page page--narrow">
      <p className="badge">{t('placeholder.badge')}</p>
      <h1>{t(title)}</h1>
      <p>{t(description)}</p>
    </div>
  );
}

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <div className="page page--narrow">
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.body')}</p>
      <a href="/" onClick={onLinkClick}>
        {t('nav.home')}
      </a>
    </div>
  );
}
