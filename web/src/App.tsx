import { lazy, Suspense, useEffect, useRef, type ReactNode } from 'react';
import { useAuth } from './auth.tsx';
import { LANGS, useI18n, type MessageKey } from './i18n.ts';
import { HomePage } from './pages/HomePage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { NotFoundPage, PlaceholderPage } from './pages/PlaceholderPage.tsx';
import { DataLayout } from './components/DataParts.tsx';
import { CataloguePage } from './pages/data/CataloguePage.tsx';
import { DatasetPage } from './pages/data/DatasetPage.tsx';
import { QualityPage } from './pages/data/QualityPage.tsx';
import { PublicationsPage } from './pages/data/PublicationsPage.tsx';
import { UploadWizard } from './pages/data/UploadWizard.tsx';
import { LdopLayout, NotificationBell } from './components/LdopParts.tsx';
import { AgreementPage } from './pages/ldop/AgreementPage.tsx';
import { AgreementsPage } from './pages/ldop/AgreementsPage.tsx';
import { LogPage } from './pages/ldop/LogPage.tsx';
import { ServicePage } from './pages/ldop/ServicePage.tsx';
import { ServicesPage } from './pages/ldop/ServicesPage.tsx';
import { SystemsPage } from './pages/ldop/SystemsPage.tsx';
import { PortalDataset } from './pages/portal/PortalDataset.tsx';
import { PortalDevelopers } from './pages/portal/PortalDevelopers.tsx';
import { PortalHome } from './pages/portal/PortalHome.tsx';
import { PortalSearch } from './pages/portal/PortalSearch.tsx';
import { ROUTE_PATHS, ldopIdOf, onLinkClick, portalSlugOf, routeOf, slugOf, useLegacyHashRedirect, usePathname, type Route } from './router.ts';

// ECharts is large: the dashboard and its charts load when the page is opened.
const DashboardPage = lazy(() => import('./pages/dashboard/DashboardPage.tsx').then((m) => ({ default: m.DashboardPage })));

type NavRoute = 'home' | 'data' | 'ldopServices' | 'openData' | 'dashboard' | 'ioc' | 'admin' | 'assistant';

/** `auth`: shown to signed-in users only (the data warehouse is for agency staff). */
const NAV: { route: NavRoute; label: MessageKey; long?: MessageKey; auth?: boolean }[] = [
  { route: 'home', label: 'nav.home' },
  { route: 'data', label: 'nav.data', auth: true },
  { route: 'ldopServices', label: 'nav.ldop', auth: true },
  { route: 'openData', label: 'nav.openData' },
  { route: 'dashboard', label: 'dash.title' },
  { route: 'ioc', label: 'nav.ioc', long: 'nav.iocLong' },
  { route: 'admin', label: 'nav.admin' },
  { route: 'assistant', label: 'nav.assistant' },
];

const TITLES: Record<Route, MessageKey> = {
  home: 'nav.home',
  openData: 'nav.openData',
  dashboard: 'dash.title',
  openDataSearch: 'portal.search',
  openDataDevelopers: 'dev.title',
  openDataset: 'nav.openData',
  ioc: 'nav.iocLong',
  admin: 'nav.admin',
  assistant: 'nav.assistant',
  login: 'login.title',
  data: 'data.catalogue',
  dataset: 'data.catalogue',
  upload: 'data.upload',
  quality: 'data.quality',
  publications: 'pub.queueTitle',
  ldopServices: 'ldop.services',
  ldopService: 'ldop.services',
  ldopAgreements: 'ldop.agreements',
  ldopAgreement: 'ldop.agreement',
  ldopSystems: 'ldop.systems',
  ldopLog: 'ldop.log',
  notFound: 'notFound.title',
};

const DATA_ROUTES: readonly Route[] = ['data', 'dataset', 'upload', 'quality', 'publications'];
const PORTAL_ROUTES: readonly Route[] = ['openData', 'openDataSearch', 'openDataDevelopers', 'openDataset'];
const LDOP_ROUTES: readonly Route[] = ['ldopServices', 'ldopService', 'ldopAgreements', 'ldopAgreement', 'ldopSystems', 'ldopLog'];

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div className="lang-switch" role="group" aria-label={t('lang.label')}>
      {LANGS.map((code, i) => (
        <span key={code} className="lang-item">
          {i > 0 && (
            <span className="lang-sep" aria-hidden="true">
              |
            </span>
          )}
          <button
            type="button"
            lang={code}
            aria-pressed={lang === code}
            onClick={() => setLang(code)}
            data-testid={`lang-${code}`}
          >
            {/* The accessible name starts with the visible text (WCAG 2.5.3): "EN English". */}
            {code.toUpperCase()}
            <span className="visually-hidden"> {t(code === 'vi' ? 'lang.vi' : 'lang.en')}</span>
          </button>
        </span>
      ))}
    </div>
  );
}

function AccountArea() {
  const { t } = useI18n();
  const { state, logout } = useAuth();
  if (state.status === 'loading') return <span className="account account--loading" aria-hidden="true" />;
  if (state.status === 'anonymous') {
    return (
      <a className="button button--small" href={ROUTE_PATHS.login} onClick={onLinkClick}>
        {t('auth.login')}
      </a>
    );
  }
  return (
    <div className="account" aria-label={t('auth.account')} role="group">
      <span className="account-name" data-testid="user-name" title={t('auth.signedInAs', { name: state.user.displayName })}>
        {state.user.displayName}
      </span>
      <button type="button" className="button button--small button--ghost" onClick={() => void logout()}>
        {t('auth.logout')}
      </button>
    </div>
  );
}

function Header({ route }: { route: Route }) {
  const { t } = useI18n();
  const { state } = useAuth();
  const signedIn = state.status === 'authenticated';
  const section: Route = DATA_ROUTES.includes(route) ? 'data' : LDOP_ROUTES.includes(route) ? 'ldopServices' : PORTAL_ROUTES.includes(route) ? 'openData' : route;
  return (
    <header className="site-header">
      <div className="header-top">
        <a className="brand" href="/" onClick={onLinkClick}>
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-sep" aria-hidden="true">
            —
          </span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </a>
        <div className="header-tools">
          <LanguageSwitch />
          {signedIn && <NotificationBell />}
          <AccountArea />
        </div>
      </div>
      <nav className="site-nav" aria-label={t('nav.label')}>
        <ul>
          {NAV.filter((item) => !item.auth || signedIn).map((item) => (
            <li key={item.route}>
              <a
                href={ROUTE_PATHS[item.route]}
                onClick={onLinkClick}
                aria-current={section === item.route ? 'page' : undefined}
                title={item.long ? t(item.long) : undefined}
              >
                {t(item.label)}
                {item.long && <span className="visually-hidden"> — {t(item.long)}</span>}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}

function Page({ route, pathname }: { route: Route; pathname: string }): ReactNode {
  switch (route) {
    case 'data':
      return (
        <DataLayout route={route}>
          <CataloguePage />
        </DataLayout>
      );
    case 'dataset':
      return (
        <DataLayout route={route}>
          <DatasetPage slug={slugOf(pathname) ?? ''} />
        </DataLayout>
      );
    case 'upload':
      return (
        <DataLayout route={route}>
          <UploadWizard slug={slugOf(pathname)} />
        </DataLayout>
      );
    case 'quality':
      return (
        <DataLayout route={route}>
          <QualityPage />
        </DataLayout>
      );
    case 'publications':
      return (
        <DataLayout route={route}>
          <PublicationsPage />
        </DataLayout>
      );
    case 'ldopServices':
      return (
        <LdopLayout route={route}>
          <ServicesPage />
        </LdopLayout>
      );
    case 'ldopService':
      return (
        <LdopLayout route={route}>
          <ServicePage id={ldopIdOf(pathname) ?? ''} />
        </LdopLayout>
      );
    case 'ldopAgreements':
      return (
        <LdopLayout route={route}>
          <AgreementsPage />
        </LdopLayout>
      );
    case 'ldopAgreement':
      return (
        <LdopLayout route={route}>
          <AgreementPage id={ldopIdOf(pathname) ?? ''} />
        </LdopLayout>
      );
    case 'ldopSystems':
      return (
        <LdopLayout route={route}>
          <SystemsPage />
        </LdopLayout>
      );
    case 'ldopLog':
      return (
        <LdopLayout route={route}>
          <LogPage />
        </LdopLayout>
      );
    case 'home':
      return <HomePage />;
    case 'login':
      return <LoginPage />;
    case 'openData':
      return <PortalHome />;
    case 'openDataSearch':
      return <PortalSearch />;
    case 'openDataDevelopers':
      return <PortalDevelopers />;
    case 'openDataset':
      return <PortalDataset slug={portalSlugOf(pathname) ?? ''} />;
    case 'dashboard':
      return (
        <Suspense fallback={<p>…</p>}>
          <DashboardPage />
        </Suspense>
      );
    case 'ioc':
      return <PlaceholderPage title="nav.iocLong" description="placeholder.ioc" />;
    case 'admin':
      return <PlaceholderPage title="nav.admin" description="placeholder.admin" />;
    case 'assistant':
      return <PlaceholderPage title="nav.assistant" description="placeholder.assistant" />;
    case 'notFound':
      return <NotFoundPage />;
  }
}

export function App() {
  const { t } = useI18n();
  const pathname = usePathname();
  const route = routeOf(pathname);
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  useLegacyHashRedirect();

  useEffect(() => {
    // The dataset, service and agreement pages title themselves with their own names.
    if (route === 'dataset' || route === 'openDataset' || route === 'ldopService' || route === 'ldopAgreement') return;
    document.title = route === 'home' ? `${t('app.name')} — ${t('app.tagline')}` : `${t(TITLES[route])} — ${t('app.name')}`;
  }, [route, t]);

  // After an in-app navigation, move focus to the new content so screen readers announce it.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
  }, [pathname]);

  return (
    <div className={`shell shell--${route}`}>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <Header route={route} />
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Page route={route} pathname={pathname} />
      </main>
      {route !== 'home' && <footer className="site-footer">{t('app.footer')}</footer>}
    </div>
  );
}
