/**
 * Small hooks the data pages share: loading an answer with cancellation, locale-aware formatting,
 * the reference lists (agencies, themes) that turn codes into names, and who may load data.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { useI18n, type Lang } from '../i18n.ts';
import { listOrgs, listThemes, listUserNames, type Org, type Theme } from './api.ts';

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string; code: string };

/**
 * Runs `load` whenever `key` changes (a string of everything it depends on), aborting the previous
 * request so an old answer never overwrites a newer one.
 */
export function useLoad<T>(key: string, load: (signal: AbortSignal) => Promise<T>): { state: Loadable<T>; reload: () => void } {
  const [state, setState] = useState<Loadable<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => (s.status === 'ready' ? s : { status: 'loading' }));
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ status: 'ready', value });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          status: 'error',
          message: error instanceof Error ? error.message : String(error),
          code: error instanceof ApiError ? error.code : 'unknown',
        });
      },
    );
    return () => controller.abort();
    // `load` is a fresh closure every render; `key` says when its inputs really changed.
  }, [key, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, reload };
}

const locales: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' };

/** Number, percentage, size and date formatting in the UI language (1.234.567 in Vietnamese). */
export function useFormat() {
  const { lang } = useI18n();
  return useMemo(() => {
    const locale = locales[lang];
    const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 6 });
    // Date before time in both languages ("26/11/2026 21:40"); vi-VN's combined style puts the time first.
    const date = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric' });
    const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
    return {
      int: (n: number | null | undefined) => (n == null ? '—' : integer.format(n)),
      num: (n: number) => decimal.format(n),
      /** 0..1 → "98", rounded down so that only a perfect score reads 100. */
      pct: (share: number) => integer.format(Math.floor(share * 100 + 1e-9)),
      bytes: (n: number) => {
        if (n < 1024) return `${integer.format(n)} B`;
        const units = ['KB', 'MB', 'GB'];
        let value = n / 1024;
        let unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
          value /= 1024;
          unit++;
        }
        return `${new Intl.NumberFormat(locale, { maximumFractionDigits: value < 10 ? 1 : 0 }).format(value)} ${units[unit]}`;
      },
      dateTime: (iso: string | null) => (iso ? `${date.format(new Date(iso))} ${time.format(new Date(iso))}` : '—'),
      date: (iso: string | null) => (iso ? date.format(new Date(iso)) : '—'),
    };
  }, [lang]);
}

/** True when the signed-in user may load data (the server checks again). */
export function useCanLoadData(): boolean {
  const { state } = useAuth();
  return state.status === 'authenticated' && (state.user.role === 'admin' || state.user.role === 'steward');
}

interface Reference {
  orgs: Map<string, Org>;
  themes: Map<string, Theme>;
}

let referenceCache: Promise<Reference> | null = null;

/** Agencies and themes, fetched once per page load: they change rarely and every data page names them. */
export function useReference(): { orgName: (id: string) => string; themeName: (code: string) => string } {
  const { lang } = useI18n();
  const [ref, setRef] = useState<Reference | null>(null);
  useEffect(() => {
    let live = true;
    referenceCache ??= Promise.all([listOrgs(), listThemes()]).then(([orgs, themes]) => ({
      orgs: new Map(orgs.map((o) => [o.id, o])),
      themes: new Map(themes.map((t) => [t.code, t])),
    }));
    referenceCache.then(
      (value) => live && setRef(value),
      () => {
        referenceCache = null; // try again on the next page
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return useMemo(
    () => ({
      orgName: (id: string) => {
        const org = ref?.orgs.get(id);
        return org ? (lang === 'en' && org.nameEn ? org.nameEn : org.name) : id;
      },
      themeName: (code: string) => {
        const theme = ref?.themes.get(code);
        return theme ? theme[lang] : code;
      },
    }),
    [ref, lang],
  );
}

let userNamesCache: Promise<Map<string, string>> | null = null;

/**
 * Names the person behind a user id (who loaded a version): the signed-in user by their own name,
 * others through the user list when the caller may read it, else a short id.
 */
export function usePersonName(): (id: string | null) => string {
  const { state } = useAuth();
  const me = state.status === 'authenticated' ? state.user : null;
  const [names, setNames] = useState<Map<string, string> | null>(null);
  const isAdmin = me?.role === 'admin';
  useEffect(() => {
    if (!isAdmin) return;
    let live = true;
    userNamesCache ??= listUserNames();
    userNamesCache.then(
      (value) => live && setNames(value),
      () => {
        userNamesCache = null;
      },
    );
    return () => {
      live = false;
    };
  }, [isAdmin]);
  return useCallback(
    (id: string | null) => {
      if (!id) return '—';
      if (me && me.id === id) return me.displayName;
      return names?.get(id) ?? id.slice(0, 8);
    },
    [me, names],
  );
}
