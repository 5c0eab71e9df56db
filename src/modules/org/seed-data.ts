import type { OrgRow } from './store.js';

export const PROVINCE: OrgRow = {
  id: 'gia-lai', kind: 'province', code: '52', name: 'Ủy ban nhân dân tỉnh Gia Lai', name_en: 'Gia Lai Provincial People\'s Committee',
  short_name: 'UBND tỉnh Gia Lai', parent_id: null,
};

/**
 * The provincial agencies the Data Strategy (Decision 966/QĐ-UBND, 20/3/2026) assigns tasks to,
 * plus the other departments every province has after the 2025 reorganisation.
 */
export const AGENCIES: Pick<OrgRow, 'id' | 'name' | 'name_en' | 'short_name'>[] = [
  { id: 'so-khcn', name: 'Sở Khoa học và Công nghệ', name_en: 'Department of Science and Technology', short_name: 'Sở KH&CN' },
  { id: 'cong-an', name: 'Công an tỉnh', name_en: 'Provincial Police', short_name: 'Công an tỉnh' },
  { id: 'vp-ubnd', name: 'Văn phòng Ủy ban nhân dân tỉnh', name_en: 'Office of the Provincial People\'s Committee', short_name: 'Văn phòng UBND tỉnh' },
  { id: 'so-tai-chinh', name: 'Sở Tài chính', name_en: 'Department of Finance', short_name: 'Sở Tài chính' },
  { id: 'so-noi-vu', name: 'Sở Nội vụ', name_en: 'Department of Home Affairs', short_name: 'Sở Nội vụ' },
  { id: 'so-xay-dung', name: 'Sở Xây dựng', name_en: 'Department of Construction', short_name: 'Sở Xây dựng' },
  { id: 'so-nn-mt', name: 'Sở Nông nghiệp và Môi trường', name_en: 'Department of Agriculture and Environment', short_name: 'Sở NN&MT' },
  { id: 'so-vh-tt-dl', name: 'Sở Văn hóa, Thể thao và Du lịch', name_en: 'Department of Culture, Sports and Tourism', short_name: 'Sở VHTTDL' },
  { id: 'so-cong-thuong', name: 'Sở Công Thương', name_en: 'Department of Industry and Trade', short_name: 'Sở Công Thương' },
  { id: 'so-y-te', name: 'Sở Y tế', name_en: 'Department of Health', short_name: 'Sở Y tế' },
  { id: 'bql-kkt', name: 'Ban Quản lý Khu kinh tế tỉnh', name_en: 'Economic Zone Management Board', short_name: 'BQL Khu kinh tế' },
  { id: 'so-gd-dt', name: 'Sở Giáo dục và Đào tạo', name_en: 'Department of Education and Training', short_name: 'Sở GD&ĐT' },
  { id: 'so-tu-phap', name: 'Sở Tư pháp', name_en: 'Department of Justice', short_name: 'Sở Tư pháp' },
  { id: 'so-dan-toc-ton-giao', name: 'Sở Dân tộc và Tôn giáo', name_en: 'Department of Ethnic Minorities and Religion', short_name: 'Sở DT&TG' },
  { id: 'so-ngoai-vu', name: 'Sở Ngoại vụ', name_en: 'Department of Foreign Affairs', short_name: 'Sở Ngoại vụ' },
  { id: 'thanh-tra', name: 'Thanh tra tỉnh', name_en: 'Provincial Inspectorate', short_name: 'Thanh tra tỉnh' },
];
