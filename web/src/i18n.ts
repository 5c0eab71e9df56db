/**
 * A dictionary-based i18n, small on purpose: Vietnamese is the default and the reference (every key is
 * defined there first); English must define exactly the same keys, which the type checker enforces.
 * Strings are NFC (precomposed) so that search, sorting and screen readers treat them alike.
 */
import { setApiLanguage } from './api.ts';
import { dataEn, dataVi } from './data/messages.ts';
import { ldopEn, ldopVi } from './ldop/messages.ts';
import { developerEn, developerVi } from './portal/developer-messages.ts';
import { portalEn, portalVi } from './portal/messages.ts';
import { dashboardEn, dashboardVi } from './dashboard/messages.ts';
import { createContext, createElement, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'vi' | 'en';
export const LANGS: readonly Lang[] = ['vi', 'en'];

const vi = {
  'app.name': 'provdata',
  'app.tagline': 'Nền tảng dữ liệu tỉnh Gia Lai',
  'app.skipToContent': 'Bỏ qua, đến nội dung chính',
  'app.footer': 'provdata — phần mềm nguồn mở của tỉnh Gia Lai. Ranh giới hành chính: Thang Le Quoc (giấy phép MIT).',

  'nav.label': 'Điều hướng chính',
  'nav.home': 'Trang chủ',
  'nav.openData': 'Cổng dữ liệu mở',
  'nav.ioc': 'IOC',
  'nav.iocLong': 'Trung tâm điều hành',
  'nav.admin': 'Quản trị',
  'nav.assistant': 'Trợ lý',

  'lang.label': 'Ngôn ngữ',
  'lang.vi': 'Tiếng Việt',
  'lang.en': 'English',

  'auth.login': 'Đăng nhập',
  'auth.logout': 'Đăng xuất',
  'auth.signedInAs': 'Đã đăng nhập: {name}',
  'auth.account': 'Tài khoản',

  'login.title': 'Đăng nhập',
  'login.intro': 'Dành cho cán bộ các sở, ban, ngành và xã, phường được cấp tài khoản.',
  'login.username': 'Tên đăng nhập',
  'login.password': 'Mật khẩu',
  'login.submit': 'Đăng nhập',
  'login.submitting': 'Đang đăng nhập…',
  'login.failed': 'Đăng nhập không thành công.',
  'login.required': 'Vui lòng nhập tên đăng nhập và mật khẩu.',
  'login.already': 'Bạn đã đăng nhập với tên {name}.',
  'login.toHome': 'Về trang chủ',

  'home.title': 'Bản đồ đơn vị hành chính cấp xã',
  'home.intro': 'Tỉnh Gia Lai gồm {total} đơn vị hành chính cấp xã sau sắp xếp năm 2025.',
  'home.loading': 'Đang tải bản đồ…',
  'home.loadFailed': 'Không tải được dữ liệu ranh giới: {message}',
  'home.retry': 'Thử lại',
  'home.noWebgl': 'Trình duyệt này không hiển thị được bản đồ (cần WebGL). Danh sách xã, phường bên cạnh vẫn dùng được.',
  'home.mapLabel': 'Bản đồ {total} xã, phường tỉnh Gia Lai',
  'home.total': 'đơn vị',
  'home.xa': 'xã',
  'home.phuong': 'phường',
  'home.countsLabel': 'Số đơn vị hành chính',
  'home.search': 'Tìm xã, phường',
  'home.searchPlaceholder': 'Ví dụ: quy nhon, pleiku…',
  'home.searchHint': 'Gõ có dấu hay không dấu đều được.',
  'home.results': '{count} kết quả',
  'home.noResults': 'Không tìm thấy xã, phường nào.',
  'home.selected': 'Đang chọn',
  'home.code': 'Mã',
  'home.showAll': 'Xem toàn tỉnh',

  'kind.xa': 'Xã',
  'kind.phuong': 'Phường',

  'placeholder.badge': 'Đang xây dựng',
  'placeholder.openData':
    'Cổng dữ liệu mở sẽ cho người dân, doanh nghiệp và nhà nghiên cứu tìm, xem trước và tải về các bộ dữ liệu mở của tỉnh (công nghiệp, doanh nghiệp, lao động, du lịch, quy hoạch, OCOP) kèm API.',
  'placeholder.ioc':
    'Trung tâm giám sát, điều hành thông minh (IOC) sẽ hiển thị các chỉ tiêu kinh tế – xã hội và dữ liệu cảm biến theo thời gian thực, cùng cảnh báo, phục vụ lãnh đạo tỉnh.',
  'placeholder.admin':
    'Trang quản trị sẽ quản lý người dùng, đơn vị, quyền truy cập, danh mục dữ liệu và nhật ký khai thác dữ liệu.',
  'placeholder.assistant':
    'Trợ lý AI sẽ giúp lãnh đạo tra cứu nhanh, tổng hợp số liệu từ kho dữ liệu dùng chung bằng tiếng Việt.',

  'notFound.title': 'Không tìm thấy trang',
  'notFound.body': 'Địa chỉ này không tồn tại.',

  ...dataVi,
  ...ldopVi,
  ...portalVi,
  ...developerVi,
  ...dashboardVi,
} as const;

export type MessageKey = keyof typeof vi;

const en: Record<MessageKey, string> = {
  'app.name': 'provdata',
  'app.tagline': 'Gia Lai Province Data Platform',
  'app.skipToContent': 'Skip to main content',
  'app.footer': 'provdata — open-source software of Gia Lai province. Administrative boundaries: Thang Le Quoc (MIT licence).',

  'nav.label': 'Main navigation',
  'nav.home': 'Home',
  'nav.openData': 'Open data',
  'nav.ioc': 'IOC',
  'nav.iocLong': 'Operations Center',
  'nav.admin': 'Administration',
  'nav.assistant': 'Assistant',

  'lang.label': 'Language',
  'lang.vi': 'Tiếng Việt',
  'lang.en': 'English',

  'auth.login': 'Log in',
  'auth.logout': 'Log out',
  'auth.signedInAs': 'Signed in as {name}',
  'auth.account': 'Account',

  'login.title': 'Log in',
  'login.intro': 'For staff of provincial departments, agencies, communes and wards who have been given an account.',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.submitting': 'Logging in…',
  'login.failed': 'Login failed.',
  'login.required': 'Please enter your username and password.',
  'login.already': 'You are signed in as {name}.',
  'login.toHome': 'Go to the home page',

  'home.title': 'Map of communes and wards',
  'home.intro': 'Gia Lai province has {total} commune-level administrative units since the 2025 reorganisation.',
  'home.loading': 'Loading the map…',
  'home.loadFailed': 'Could not load the boundaries: {message}',
  'home.retry': 'Retry',
  'home.noWebgl': 'This browser cannot display the map (WebGL is required). The list of communes and wards still works.',
  'home.mapLabel': 'Map of the {total} communes and wards of Gia Lai province',
  'home.total': 'units',
  'home.xa': 'communes',
  'home.phuong': 'wards',
  'home.countsLabel': 'Number of administrative units',
  'home.search': 'Find a commune or ward',
  'home.searchPlaceholder': 'e.g. quy nhon, pleiku…',
  'home.searchHint': 'Vietnamese accents are optional.',
  'home.results': '{count} results',
  'home.noResults': 'No commune or ward found.',
  'home.selected': 'Selected',
  'home.code': 'Code',
  'home.showAll': 'Show the whole province',

  'kind.xa': 'Commune',
  'kind.phuong': 'Ward',

  'placeholder.badge': 'Under construction',
  'placeholder.openData':
    'The open data portal will let citizens, businesses and researchers find, preview and download the province’s open datasets (industry, enterprise, labour, tourism, planning, OCOP), with APIs.',
  'placeholder.ioc':
    'The Intelligent Operations Center (IOC) will show socio-economic indicators and live sensor data with alerts, for the provincial leadership.',
  'placeholder.admin':
    'Administration will manage users, agencies, access rights, the data catalogue and the data-exchange log.',
  'placeholder.assistant':
    'The AI assistant will help leaders search quickly and aggregate figures from the shared data warehouse, in Vietnamese.',

  'notFound.title': 'Page not found',
  'notFound.body': 'This address does not exist.',

  ...dataEn,
  ...ldopEn,
  ...portalEn,
  ...developerEn,
  ...dashboardEn,
};

const dictionaries: Record<Lang, Record<MessageKey, string>> = { vi, en };

/** Looks a message up and fills `{name}` placeholders; unknown placeholders are left visible. */
export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const template = dictionaries[lang][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

const STORAGE_KEY = 'provdata.lang';

function isLang(value: unknown): value is Lang {
  return value === 'vi' || value === 'en';
}

/** The saved choice, else Vietnamese; English only when the user chose it. */
export function initialLang(): Lang {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (isLang(saved)) return saved;
  } catch {
    // Storage can be disabled (private mode, policies); the default then applies.
  }
  return 'vi';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

interface I18nValue {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
}

const I18nContext = createContext<I18nValue | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);

  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not persisted; the choice still applies for this visit.
    }
  }, []);

  // Set during render, not in an effect, so the first requests of a page already ask for this language.
  setApiLanguage(lang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const value = useMemo<I18nValue>(
    () => ({ lang, setLang, t: (key, params) => translate(lang, key, params) }),
    [lang, setLang],
  );
  return createElement(I18nContext.Provider, { value }, children);
}

/** @throws Error when used outside `<I18nProvider>` — a wiring bug, not a runtime condition. */
export function useI18n(): I18nValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n must be used inside <I18nProvider>');
  return value;
}
