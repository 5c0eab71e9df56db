/**
 * The personal-data scan that gates publication (Law on Personal Data Protection 2025, Decree
 * 13/2023): Vietnamese recognisers over column names and values. It is deliberately strict — a
 * single CCCD number in a column blocks the dataset — because a false alarm costs a steward a
 * minute and a leak cannot be undone.
 */
import { maskPersonal } from '../../core/masking.js';

/** Kinds of personal data the scan recognises. */
export const PII_KINDS = ['cccd', 'phone', 'email', 'tax-code', 'bank-account', 'address', 'full-name', 'column-name', 'dictionary'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One column the scan objects to, with why and a masked example. */
export interface PiiFinding {
  column: string;
  kinds: PiiKind[];
  /** Values that matched (0 for findings from the column name or the dictionary only). */
  matches: number;
  /** A matched value with its digits masked, so the report itself leaks nothing. */
  example: string | null;
}

export interface ScanReport {
  rowsScanned: number;
  /** False when the scan stopped at its row budget before the end of the version. */
  complete: boolean;
  findings: PiiFinding[];
}

/**
 * The 63 province codes that open a 12-digit CCCD (Circular 07/2016/TT-BCA, Appendix): the
 * pre-2025 provinces. Numbers issued before the 2025 merger keep their old prefix, so all 63 stay
 * valid after the provinces became 34.
 */
export const CCCD_PROVINCE_CODES: ReadonlySet<string> = new Set([
  '001', '002', '004', '006', '008', '010', '011', '012', '014', '015', '017', '019', '020', '022', '024', '025', '026', '027', '030', '031',
  '033', '034', '035', '036', '037', '038', '040', '042', '044', '045', '046', '048', '049', '051', '052', '054', '056', '058', '060', '062',
  '064', '066', '067', '068', '070', '072', '074', '075', '077', '079', '080', '082', '083', '084', '086', '087', '089', '091', '092', '093',
  '094', '095', '096',
]);

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}+/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();

/** Column names that say "personal data" by themselves (folded, underscores or spaces). */
const NAME_PATTERNS: [RegExp, PiiKind][] = [
  [/(^|_)(cccd|cmnd|can_cuoc|so_dinh_danh|dinh_danh_ca_nhan|ho_chieu|passport)(_|$)/, 'cccd'],
  [/(^|_)(so_dien_thoai|dien_thoai|sdt|dtdd|phone|mobile)(_|$)/, 'phone'],
  [/(^|_)(email|e_mail|thu_dien_tu)(_|$)/, 'email'],
  [/(^|_)(ma_so_thue_ca_nhan|mst_ca_nhan)(_|$)/, 'tax-code'],
  [/(^|_)(so_tai_khoan|stk|tai_khoan_ngan_hang|bank_account)(_|$)/, 'bank-account'],
  [/(^|_)(ho_ten|ho_va_ten|ten_nguoi|full_name|ho_ten_chu_ho|nguoi_dai_dien)(_|$)/, 'full-name'],
  [/(^|_)(ngay_sinh|nam_sinh|date_of_birth|dia_chi_thuong_tru|noi_o_hien_tai|dia_chi_nha)(_|$)/, 'column-name'],
];

const BANK_WORDS = /\b(ngan hang|tai khoan|stk|tk|bank|account|vietcombank|vietinbank|bidv|agribank|techcombank|mb ?bank|acb|sacombank|vpbank|tpbank)\b/;
const RE_CCCD = /(?<!\d)(\d{12})(?!\d)/g;
const RE_PHONE = /(?<![\d+])(?:\+84|0084|84|0)[ .-]?([35789])(?:[ .-]?\d){8}(?!\d)/;
const RE_EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const RE_TAX = /(?<![\d-])(\d{10})(?:-(\d{3}))?(?![\d-])/;
const RE_DIGITS_ACCOUNT = /(?<!\d)\d{6,19}(?!\d)/;
/** "Số 12 đường Lê Lợi", "12/3 Lê Lợi", "45A Trần Phú" — a house number then a capitalised street name. */
const RE_ADDRESS = /(?:^|[\s,(])(?:số\s+)?\d{1,5}[A-Za-z]?(?:\/\d{1,5}[A-Za-z]?)*\s+(?:(?:đường|phố|ngõ|ngách|hẻm|kiệt|đ\.)\s+)?(\p{Lu}\p{Ll}*)(?:\s+\p{Lu}\p{Ll}*)+/u;
/** Words after a number that make it a count or an administrative unit, not a street ("12 Xã Ia Grai"). */
const NOT_STREET = new Set(['xa', 'phuong', 'huyen', 'tinh', 'thon', 'lang', 'to', 'khu', 'dot', 'nam', 'thang', 'ngay', 'nguoi', 'ho', 'ha', 'tan', 'ty', 'trieu']);
/** The commonest Vietnamese surnames (over 90% of the population). */
const SURNAMES = new Set([
  'nguyen', 'tran', 'le', 'pham', 'hoang', 'huynh', 'phan', 'vu', 'vo', 'dang', 'bui', 'do', 'ho', 'ngo', 'duong', 'ly', 'dinh', 'trinh', 'truong',
  'doan', 'lam', 'mai', 'luong', 'ha', 'cao', 'ta', 'chu', 'luu', 'kieu', 'quach', 'ton', 'thai', 'lai', 'la', 'tang', 'trieu', 'phung', 'van',
]);
const RE_NAME = /^\p{Lu}\p{Ll}*(?:\s+\p{Lu}\p{Ll}*){1,4}$/u;

/**
 * The example shown with a finding goes to stewards and approvers of other agencies too: it is
 * masked with the platform's one masking rule (names as "N*** V*** A***", ids keep their last digits).
 */
function mask(v: string): string {
  return String(maskPersonal(v.length > 60 ? v.slice(0, 60) : v));
}

/** Personal-data kinds found in one value (identifiers only; names are judged per row). */
export function valueKinds(value: string, columnHasBankWord = false): PiiKind[] {
  const out: PiiKind[] = [];
  if (value.length < 6 || value.length > 2000) return out;
  for (const m of value.matchAll(RE_CCCD)) {
    if (CCCD_PROVINCE_CODES.has(m[1]!.slice(0, 3))) {
      out.push('cccd');
      break;
    }
  }
  const phone = RE_PHONE.test(value);
  if (phone) out.push('phone');
  if (RE_EMAIL.test(value)) out.push('email');
  const tax = RE_TAX.exec(value);
  // A bare 10-digit number that is a mobile number is counted as a phone, not as a tax code too.
  if (tax && (tax[2] !== undefined || !phone)) out.push('tax-code');
  const folded = fold(value);
  if ((columnHasBankWord || BANK_WORDS.test(folded)) && RE_DIGITS_ACCOUNT.test(value)) out.push('bank-account');
  const addr = RE_ADDRESS.exec(value);
  if (addr && !NOT_STREET.has(fold(addr[1]!))) out.push('address');
  return [...new Set(out)];
}

/** True for a value shaped like a Vietnamese full name: 2–5 capitalised words starting with a common surname. */
export function looksLikeFullName(value: string): boolean {
  const v = value.trim();
  if (v.length < 5 || v.length > 60 || !RE_NAME.test(v)) return false;
  return SURNAMES.has(fold(v.split(/\s+/)[0]!));
}

/** What the column name alone says. */
export function columnNameKinds(name: string, title = ''): PiiKind[] {
  const out = new Set<PiiKind>();
  for (const n of [name, fold(title).replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')]) {
    for (const [re, kind] of NAME_PATTERNS) if (re.test(n)) out.add(kind === 'column-name' ? 'column-name' : kind);
  }
  return [...out];
}

/**
 * Scans rows column by column. Identifiers count wherever they appear; a full name counts only
 * when the same row also carries an identifier (a list of commune chairmen is public, a list of
 * names with their phone numbers is not). Columns are judged by every row scanned.
 */
export class PiiScanner {
  private readonly hits = new Map<string, { kinds: Set<PiiKind>; matches: number; example: string | null }>();
  private rows = 0;
  private readonly bankColumns: Set<string>;

  constructor(private readonly columns: { name: string; title: string; personalData?: string | null }[]) {
    this.bankColumns = new Set(columns.filter((c) => BANK_WORDS.test(fold(`${c.name.replace(/_/g, ' ')} ${c.title}`))).map((c) => c.name));
    for (const c of columns) {
      const kinds = columnNameKinds(c.name, c.title);
      if (c.personalData && c.personalData !== 'none') kinds.push('dictionary');
      if (kinds.length) this.hits.set(c.name, { kinds: new Set(kinds), matches: 0, example: null });
    }
  }

  /** Adds one row (column name → value). */
  add(row: Record<string, unknown>): void {
    this.rows++;
    const names: string[] = [];
    let identifier = false;
    for (const c of this.columns) {
      const raw = row[c.name];
      if (raw === null || raw === undefined || typeof raw === 'object') continue;
      const value = String(raw);
      const kinds = valueKinds(value, this.bankColumns.has(c.name));
      if (kinds.length) {
        identifier = true;
        this.note(c.name, kinds, value);
      } else if (typeof raw === 'string' && looksLikeFullName(value)) {
        names.push(c.name);
      }
    }
    if (identifier) for (const n of names) this.note(n, ['full-name'], String(row[n]));
  }

  private note(column: string, kinds: PiiKind[], value: string): void {
    let h = this.hits.get(column);
    if (!h) this.hits.set(column, (h = { kinds: new Set(), matches: 0, example: null }));
    for (const k of kinds) h.kinds.add(k);
    h.matches++;
    h.example ??= mask(value);
  }

  /** The findings so far, in schema order. */
  report(complete: boolean): ScanReport {
    const findings = this.columns
      .filter((c) => this.hits.has(c.name))
      .map((c) => {
        const h = this.hits.get(c.name)!;
        return { column: c.name, kinds: PII_KINDS.filter((k) => h.kinds.has(k)), matches: h.matches, example: h.example };
      });
    return { rowsScanned: this.rows, complete, findings };
  }
}
