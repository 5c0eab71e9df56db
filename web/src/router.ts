/**
 * A hand-written history router: a path is a route, links are plain `<a href>` that we intercept, and
 * the server falls back to `index.html` for unknown paths. Old-style `#/login` links are accepted too.
 */
import { useEffect, useSyncExternalStore, type MouseEvent } from 'react';

export type Route = 'home' | 'openData' | 'dashboard' | 'ioc' | 'admin' | 'assistant' | 'login' | 'data' | 'dataset' | 'upload' | 'quality' | 'publications' | 'ldopServices' | 'ldopService' | 'ldopAgreements' | 'ldopAgreement' | 'ldopSystems' | 'ldopLog' | 'openDataSearch' | 'openDataDevelopers' | 'openDataset' | 'notFound';

/** Routes with a fixed path; `dataset` (and `upload` for one dataset) carry a slug, see {@link datasetPath}. */
export const ROUTE_PATHS: Record<Exclude<Route, 'notFound' | 'dataset' | 'ldopService' | 'ldopAgreement' | 'openDataset'>, string> = {
  home: '/',
  openData: '/open-data',
  openDataSearch: '/open-data/search',
  openDataDevelopers: '/open-data/developers',
  dashboard: '/dashboard',
  ioc: '/ioc',
  admin: '/admin',
  assistant: '/assistant',
  login: '/login',
  data: '/data',
  upload: '/data/upload',
  quality: '/data/quality',
  publications: '/data/publications',
  ldopServices: '/ldop',
  ldopAgreements: '/ldop/agreements',
  ldopSystems: '/ldop/systems',
  ldopLog: '/ldop/log',
};

const SLUG = '([a-z0-9][a-z0-9-]{1,80})';
const DATASET_PATH = new RegExp(`^/data/datasets/${SLUG}$`);
const UPLOAD_PATH = new RegExp(`^/data/upload/${SLUG}$`);
const UUID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';
const SERVICE_PATH = new RegExp(`^/ldop/services/${UUID}$`, 'i');
// Notifications from the server link here (`/ldop/agreements/{id}`).
const AGREEMENT_PATH = new RegExp(`^/ldop/agreements/${UUID}$`, 'i');

/** The page of one LDOP service. */
export const servicePath = (id: string) => `/ldop/services/${encodeURIComponent(id)}`;
/** The page of one sharing agreement, with its history. */
export const agreementPath = (id: string) => `/ldop/agreements/${encodeURIComponent(id)}`;

/** The id of `/ldop/services/:id` or `/ldop/agreements/:id`, else null. */
export function ldopIdOf(pathname: string): string | null {
  const path = pathname.replace(/\/+$/, '');
  return SERVICE_PATH.exec(path)?.[1] ?? AGREEMENT_PATH.exec(path)?.[1] ?? null;
}

// The public page of a published dataset; `/du-lieu-mo/:slug` is the landing page the CKAN API and
// the DCAT catalogue announce, so it opens the same page.
const PORTAL_DATASET_PATH = new RegExp(`^/open-data/datasets/${SLUG}$`);
const PORTAL_LANDING_PATH = new RegExp(`^/du-lieu-mo/${SLUG}$`);

/** The open data portal's page of one published dataset. */
export const portalDatasetPath = (slug: string) => `/open-data/datasets/${encodeURIComponent(slug)}`;

/** The slug of `/open-data/datasets/:slug` or `/du-lieu-mo/:slug`, else null. */
export function portalSlugOf(pathname: string): string | null {
  const path = pathname.replace(/\/+$/, '');
  return PORTAL_DATASET_PATH.exec(path)?.[1] ?? PORTAL_LANDING_PATH.exec(path)?.[1] ?? null;
}

/** The page of one catalogued dataset. */
export const datasetPath = (slug: string) => `/data/datasets/${encodeURIComponent(slug)}`;
/** The upload wizard, loading into one dataset. */
export const uploadPath = (slug: string) => `/data/upload/${encodeURIComponent(slug)}`;

export function routeOf(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  for (const [route, routePath] of Object.entries(ROUTE_PATHS)) {
    if (routePath === path) return route as Route;
  }
  if (DATASET_PATH.test(path)) return 'dataset';
  if (PORTAL_DATASET_PATH.test(path) || PORTAL_LANDING_PATH.test(path)) return 'openDataset';
  if (UPLOAD_PATH.test(path)) return 'upload';
  if (SERVICE_PATH.test(path)) return 'ldopService';
  if (AGREEMENT_PATH.test(path)) return 'ldopAgreement';
  return 'notFound';
}

/** The dataset slug of `/data/datasets/:slug` or `/data/upload/:slug`, else null. */
export function slugOf(pathname: string): string | null {
  const path = pathname.replace(/\/+$/, '');
  return DATASET_PATH.exec(path)?.[1] ?? UPLOAD_PATH.exec(path)?.[1] ?? null;
}

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/** Goes to a same-origin path without reloading; `replace` keeps the history entry count. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.scrollTo(0, 0);
  notify();
}

/** The current path, re-rendering on navigation. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** Turns `/#/login` into `/login` once, so links written for a hash router keep working. */
export function useLegacyHashRedirect(): void {
  useEffect(() => {
    const { hash } = window.location;
    if (hash.startsWith('#/')) navigate(hash.slice(1), { replace: true });
  }, []);
}

/**
 * Click handler for in-app links: lets the browser handle modified clicks (new tab, etc.) and
 * everything that is not a plain left click.
 */
export function onLinkClick(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = event.currentTarget.getAttribute('href');
  if (!href || !href.startsWith('/')) return;
  event.preventDefault();
  navigate(href);
}
