/**
 * The fixed theme vocabulary of the catalogue: the strategy's priority fields (industry, enterprise,
 * labour, tourism, planning, OCOP …) aligned with the EU data themes (DCAT-AP `dcat:theme`).
 */
export const THEMES = [
  { code: 'cong-nghiep', vi: 'Công nghiệp', en: 'Industry', eu: 'ECON' },
  { code: 'doanh-nghiep', vi: 'Doanh nghiệp, đầu tư', en: 'Enterprise and investment', eu: 'ECON' },
  { code: 'lao-dong', vi: 'Lao động, việc làm', en: 'Labour and employment', eu: 'SOCI' },
  { code: 'du-lich', vi: 'Du lịch', en: 'Tourism', eu: 'ECON' },
  { code: 'quy-hoach', vi: 'Quy hoạch, đô thị, xây dựng', en: 'Planning, urban development and construction', eu: 'REGI' },
  { code: 'ocop', vi: 'OCOP (Mỗi xã một sản phẩm)', en: 'OCOP (One Commune One Product)', eu: 'AGRI' },
  { code: 'nong-nghiep', vi: 'Nông nghiệp, lâm nghiệp, thủy sản', en: 'Agriculture, forestry and fisheries', eu: 'AGRI' },
  { code: 'moi-truong', vi: 'Môi trường, tài nguyên', en: 'Environment and natural resources', eu: 'ENVI' },
  { code: 'y-te', vi: 'Y tế', en: 'Health', eu: 'HEAL' },
  { code: 'giao-duc', vi: 'Giáo dục, đào tạo', en: 'Education and training', eu: 'EDUC' },
  { code: 'dan-cu', vi: 'Dân cư, xã hội', en: 'Population and society', eu: 'SOCI' },
  { code: 'giao-thong', vi: 'Giao thông, logistics', en: 'Transport and logistics', eu: 'TRAN' },
  { code: 'nang-luong', vi: 'Năng lượng', en: 'Energy', eu: 'ENER' },
  { code: 'tai-chinh', vi: 'Tài chính, ngân sách', en: 'Finance and public budget', eu: 'ECON' },
  { code: 'dat-dai', vi: 'Đất đai', en: 'Land', eu: 'REGI' },
  { code: 'van-hoa', vi: 'Văn hóa, thể thao, di sản', en: 'Culture, sport and heritage', eu: 'EDUC' },
  { code: 'khoa-hoc-cong-nghe', vi: 'Khoa học, công nghệ, đổi mới sáng tạo', en: 'Science, technology and innovation', eu: 'TECH' },
  { code: 'chinh-quyen', vi: 'Chính quyền, tư pháp, an sinh', en: 'Government, justice and public sector', eu: 'GOVE' },
] as const;

export type ThemeCode = (typeof THEMES)[number]['code'];
export const THEME_CODES = THEMES.map((t) => t.code) as ThemeCode[];

/** EU data theme URI (publications office authority table) for a theme code. */
export const euThemeUri = (eu: string) => `http://publications.europa.eu/resource/authority/data-theme/${eu}`;
