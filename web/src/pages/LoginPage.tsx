import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { useI18n } from '../i18n.ts';
import { navigate, onLinkClick } from '../router.ts';

/** Username + password form; the server's problem+json `detail` (or `title`) is shown as is. */
export function LoginPage() {
  const { t } = useI18n();
  const { state, login } = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const errorId = useId();
  const errorRef = useRef<HTMLParagraphElement>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError(t('login.required'));
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      await login(username.trim(), password);
      navigate('/');
    } catch (err) {
      setError(err instanceof ApiError && err.status !== 0 ? err.message : t('login.failed') + (err instanceof Error ? ` (${err.message})` : ''));
      setPassword('');
      requestAnimationFrame(() => errorRef.current?.focus());
    } finally {
      setSubmitting(false);
    }
  }

  if (state.status === 'authenticated') {
    return (
      <div className="page page--narrow">
        <h1>{t('login.title')}</h1>
        <p>{t('login.already', { name: state.user.displayName })}</p>
        <a href="/" onClick={onLinkClick}>
          {t('login.toHome')}
        </a>
      </div>
    );
  }

  return (
    <div className="page page--narrow">
      <h1>{t('login.title')}</h1>
      <p className="muted">{t('login.intro')}</p>
      <form className="form" onSubmit={onSubmit} noValidate aria-describedby={error ? errorId : undefined}>
        {error && (
          <p id={errorId} ref={errorRef} className="form-error" role="alert" tabIndex={-1} data-testid="login-error">
            {error}
          </p>
        )}
        <div className="field">
          <label htmlFor="login-username">{t('login.username')}</label>
          <input
            id="login-username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('login.password')}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" className="button" disabled={submitting}>
          {submitting ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </div>
  );
}
