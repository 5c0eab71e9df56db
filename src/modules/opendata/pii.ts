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
  /**
   * For a `full-name` finding from the shape of the values: the text values of the column the
   * name rule read (`matches` of them looked like a personal name).
   */
  textValues?: number;
}

export interface ScanReport {
  rowsScanned: number;
  /**
   * False when the scan did not read every row of the version (scans before the gate read every
   * row stopped at 500,000): such a scan never clears a version for publication.
   */
  complete: boolean;
  findings: PiiFinding[];
  /** The recognisers the scan ran ({@link PII_RULES}); absent in scans made before it was recorded. */
  rules?: number;
}

/**
 * The version of the recognisers. Raise it whenever a change makes them stricter: every version the
 * portal serves is then scanned again (on demand) before it is served under the new rules.
 * 1: identifiers, names next to an identifier; 2: columns of personal names on their own.
 */
export const PII_RULES = 2;

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
  // "Họ và tên", "Chủ hộ", "Chủ cơ sở", "Người đại diện", "Tên người …": a column of people's names by its header alone.
  [/(^|_)(ho_ten|ho_va_ten|ten_nguoi|full_name|chu_ho|chu_co_so|chu_so_huu|nguoi_dai_dien|dai_dien_phap_luat)(_|$)/, 'full-name'],
  [/(^|_)(ngay_sinh|nam_sinh|date_of_birth|dia_chi_thuong_tru|noi_o_hien_tai|dia_chi_nha)(_|$)/, 'column-name'],
];

const BANK_WORDS = /\b(ngan hang|tai khoan|stk|tk|bank|account|vietcombank|vietinbank|bidv|agribank|techcombank|mb ?bank|acb|sacombank|vpbank|tpbank)\b/;
const RE_DIGIT = /\d/;
const RE_ALL_DIGITS = /^\d+$/;
const RE_CCCD = /(?<!\d)(\d{12})(?!\d)/g;
const RE_PHONE = /(?<![\d+])(?:\+84|0084|84|0)[ .-]?([35789])(?:[ .-]?\d){8}(?!\d)/;
const RE_EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const RE_TAX = /(?<![\d-])(\d{10})(?:-(\d{3}))?(?![\d-])/;
const RE_DIGITS_ACCOUNT = /(?<!\d)\d{6,19}(?!\d)/;
/** "Số 12 đường Lê Lợi", "12/3 Lê Lợi", "45A Trần Phú" — a house number then a capitalised street name. */
const RE_ADDRESS = /(?:^|[\s,(])(?:số\s+)?\d{1,5}[A-Za-z]?(?:\/\d{1,5}[A-Za-z]?)*\s+(?:(?:đường|phố|ngõ|ngách|hẻm|kiệt|đ\.)\s+)?(\p{Lu}\p{Ll}*)(?:\s+\p{Lu}\p{Ll}*)+/u;
/** Words after a number that make it a count or an administrative unit, not a street ("12 Xã Ia Grai"). */
const NOT_STREET = new Set(['xa', 'phuong', 'huyen', 'tinh', 'thon', 'lang', 'to', 'khu', 'dot', 'nam', 'thang', 'ngay', 'nguoi', 'ho', 'ha', 'tan', 'ty', 'trieu']);
/**
 * The commonest Vietnamese (Kinh) family names, over 90% of the population; Đinh is also the Bahnar
 * one. Compared with their tones ("Chư Sê" and "Vân Canh" are communes, not Chu and Văn), or folded
 * when the value is written without any diacritics at all ("Nguyen Van An").
 */
const SURNAMES = new Set([
  'nguyễn', 'trần', 'lê', 'phạm', 'hoàng', 'huỳnh', 'phan', 'vũ', 'võ', 'đặng', 'bùi', 'đỗ', 'hồ', 'ngô', 'dương', 'lý', 'đinh', 'trịnh', 'trương',
  'đoàn', 'lâm', 'mai', 'lương', 'hà', 'cao', 'tạ', 'chu', 'lưu', 'kiều', 'quách', 'tôn', 'thái', 'lại', 'la', 'tăng', 'triệu', 'phùng', 'văn',
  'ninh', 'tống', 'khúc', 'nghiêm', 'mạc', 'giang', 'vương', 'thạch',
]);
const SURNAMES_FOLDED = new Set([...SURNAMES].map(fold));
/**
 * Family names of the Jarai and Bahnar, the province's largest ethnic groups, written first as in
 * "Ksor H’Hen", "Siu Thu", "Rahlan Bleh", "Kpă Thuyên" (Rơ Mah, Rơ Châm … are two syllables: below).
 */
const ETHNIC_SURNAMES = new Set(['ksor', 'siu', 'nay', 'puih', 'kpă', 'kpa', 'rmah', 'rahlan', 'rcom', 'rcăm', 'rcam', 'rơmah', 'romah', 'rơlan', 'rolan', 'kpuih', 'hmok', 'hđok', 'hdok']);
const ETHNIC_TWO_SYLLABLE = new Set(['rơ mah', 'rơ châm', 'rơ chăm', 'rơ lan', 'rơ ô', 'rơ com', 'ro mah', 'ro cham', 'ro lan', 'ro o', 'ro com']);
/** A syllable of a name: "An", "Hmun", "H’Hen", "H'Yên" (the Êđê/Jarai women's prefix), or all capitals. */
const NAME_SYLLABLE = /^\p{Lu}\p{Ll}*(?:[’']\p{Lu}\p{Ll}*)?$/u;
const RE_STARTS_UPPER = /^\p{Lu}/u;
const RE_ASCII = /^[\x20-\x7e]*$/;
const NAME_SYLLABLE_UPPER = /^\p{Lu}+(?:[’']\p{Lu}+)?$/u;
/** The name rule: a column is a column of people's names when at least this many of its text values (all of them when fewer) … */
export const NAME_MIN_MATCHES = 3;
/** … and at least this share of them look like a personal name (a commune or agency column stays far below it). */
export const NAME_MIN_SHARE = 0.5;

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
  // Every recogniser but the e-mail one needs a digit: most text values are settled here, which is
  // what lets the scan read every row of a large version.
  if (!RE_DIGIT.test(value)) {
    if (value.includes('@') && RE_EMAIL.test(value)) out.push('email');
    return out;
  }
  if (RE_ALL_DIGITS.test(value)) {
    // A bare number: a CCCD, a mobile number, a tax code, or an account number in a bank column.
    if (value.length === 12 && CCCD_PROVINCE_CODES.has(value.slice(0, 3))) out.push('cccd');
    const phone = RE_PHONE.test(value);
    if (phone) out.push('phone');
    else if (value.length === 10) out.push('tax-code');
    if (columnHasBankWord && value.length <= 19) out.push('bank-account');
    return out;
  }
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
  if (RE_DIGITS_ACCOUNT.test(value) && (columnHasBankWord || BANK_WORDS.test(fold(value)))) out.push('bank-account');
  const addr = RE_ADDRESS.exec(value);
  if (addr && !NOT_STREET.has(fold(addr[1]!))) out.push('address');
  return [...new Set(out)];
}

/**
 * True for a value shaped like a Vietnamese personal name: 2–4 capitalised syllables (or all in
 * capitals) starting with a Kinh family name ("Nguyễn Văn An"), a Jarai/Bahnar one ("Ksor H’Hen",
 * "Rơ Mah Hmun", "Đinh Thị Lan"), or the Êđê/Jarai "Y" of men's names ("Y Moan", "Y-Bih Niê") and
 * "H’" of women's ("H’Hen Niê"). Commune names ("Ia Grai", "Chư Sê", "Ya Hội") do not start so.
 */
export function looksLikeFullName(value: string): boolean {
  let v = value.trim();
  if (v.length < 4 || v.length > 60 || !RE_STARTS_UPPER.test(v)) return false;
  v = v.normalize('NFC');
  const words = v.replace(/^Y-(?=\p{Lu})/u, 'Y ').split(/\s+/);
  if (words.length < 2 || words.length > 4) return false;
  // The family name first (cheap, and it rules out nearly every value that is not a name).
  const first = words[0]!.toLowerCase();
  const family =
    SURNAMES.has(first) || first === 'y' || /^h[’'][^\s]/u.test(first) ||
    ETHNIC_SURNAMES.has(first) || (RE_ASCII.test(v) && SURNAMES_FOLDED.has(first)) ||
    (words.length >= 3 && ETHNIC_TWO_SYLLABLE.has(`${first} ${words[1]!.toLowerCase()}`));
  if (!family) return false;
  const upper = v === v.toUpperCase();
  return words.every((w) => (upper ? NAME_SYLLABLE_UPPER : NAME_SYLLABLE).test(w));
}

/** What the column name alone says. */
export function columnNameKinds(name: string, title = ''): PiiKind[] {
  const out = new Set<PiiKind>();
  for (const n of [name, fold(title).replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')]) {
    for (const [re, kind] of NAME_PATTERNS) if (re.test(n)) out.add(kind === 'column-name' ? 'column-name' : kind);
  }
  return [...out];
}

interface Judged {
  kinds: PiiKind[];
  name: boolean;
}
/** Distinct values per column whose verdict the scanner remembers (a few hundred kB per column at most). */
const MEMO_PER_COLUMN = 4096;

/**
 * Scans rows column by column. Identifiers count wherever they appear. A personal name counts
 * either in a row that also carries an identifier (a name next to a phone number), or when the
 * column as a whole is a column of names: at least {@link NAME_MIN_MATCHES} of its text values, and
 * at least {@link NAME_MIN_SHARE} of them, look like a personal name ("Chủ hộ" lists, however the
 * header is written). A column bound to a dictionary element declared `personalData: none` (a
 * street named after a hero, "Trần Phú") is not judged by the shape of its names: that declaration
 * was reviewed by the dictionary's stewards. Columns are judged by every row scanned.
 */
export class PiiScanner {
  private readonly hits = new Map<string, { kinds: Set<PiiKind>; matches: number; example: string | null }>();
  private rows = 0;
  private readonly bankColumns: Set<string>;
  /** Per column judged by the name rule: text values read, names among them, the first name seen. */
  private readonly names = new Map<string, { values: number; names: number; example: string | null }>();
  private readonly memo = new Map<string, Map<string, Judged>>();

  constructor(private readonly columns: { name: string; title: string; personalData?: string | null }[]) {
    this.bankColumns = new Set(columns.filter((c) => BANK_WORDS.test(fold(`${c.name.replace(/_/g, ' ')} ${c.title}`))).map((c) => c.name));
    for (const c of columns) {
      const kinds = columnNameKinds(c.name, c.title);
      if (c.personalData && c.personalData !== 'none') kinds.push('dictionary');
      if (kinds.length) this.hits.set(c.name, { kinds: new Set(kinds), matches: 0, example: null });
      if (c.personalData !== 'none') this.names.set(c.name, { values: 0, names: 0, example: null });
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
      const { kinds, name } = this.judge(c.name, value, typeof raw === 'string');
      if (kinds.length) {
        identifier = true;
        this.note(c.name, kinds, value);
      } else if (typeof raw === 'string') {
        const shape = this.names.get(c.name);
        if (name) names.push(c.name);
        if (shape && value.trim()) {
          shape.values++;
          if (name) {
            shape.names++;
            shape.example ??= mask(value);
          }
        }
      }
    }
    if (identifier) for (const n of names) this.note(n, ['full-name'], String(row[n]));
  }

  /**
   * What one value is, remembered per column for the first {@link MEMO_PER_COLUMN} distinct values:
   * codes, dates, categories and commune names repeat across millions of rows.
   */
  private judge(column: string, value: string, text: boolean): Judged {
    let memo = this.memo.get(column);
    if (!memo) this.memo.set(column, (memo = new Map()));
    let j = memo.get(value);
    if (!j) {
      const kinds = valueKinds(value, this.bankColumns.has(column));
      j = { kinds, name: text && !kinds.length && looksLikeFullName(value) };
      if (memo.size < MEMO_PER_COLUMN) memo.set(value, j);
    }
    return j;
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
    const nameColumns = new Map([...this.names].filter(([, s]) => s.names > 0 && s.names >= Math.min(NAME_MIN_MATCHES, s.values) && s.names >= s.values * NAME_MIN_SHARE));
    const findings = this.columns
      .filter((c) => this.hits.has(c.name) || nameColumns.has(c.name))
      .map((c): PiiFinding => {
        const h = this.hits.get(c.name) ?? { kinds: new Set<PiiKind>(), matches: 0, example: null };
        const shape = nameColumns.get(c.name);
        if (!shape) return { column: c.name, kinds: PII_KINDS.filter((k) => h.kinds.has(k)), matches: h.matches, example: h.example };
        const kinds = new Set([...h.kinds, 'full-name' as const]);
        // The evidence of the name rule: how many of how many text values looked like a name.
        return { column: c.name, kinds: PII_KINDS.filter((k) => kinds.has(k)), matches: Math.max(h.matches, shape.names), example: h.example ?? shape.example, textValues: shape.values };
      });
    return { rowsScanned: this.rows, complete, findings, rules: PII_RULES };
  }
}
