import type { CodeListItem, DataElement, Origin } from './model.js';

type SeedList = { code: string; name: string; nameEn: string; description: string; origin: Origin; source: string };

/** The code lists the province starts with. `communes` is filled from the geo module at seeding. */
export const CODE_LISTS: SeedList[] = [
  {
    code: 'communes', name: 'Danh mục xã, phường tỉnh Gia Lai', nameEn: 'Communes and wards of Gia Lai',
    description: '135 đơn vị hành chính cấp xã của tỉnh Gia Lai sau sắp xếp năm 2025, mã 5 chữ số.',
    origin: 'national', source: 'Quyết định 19/2025/QĐ-TTg — Bảng danh mục và mã số các đơn vị hành chính Việt Nam',
  },
  {
    code: 'ethnic-groups', name: 'Danh mục các dân tộc Việt Nam', nameEn: 'Ethnic groups of Vietnam',
    description: '54 dân tộc với mã 01–54 theo danh mục của Tổng cục Thống kê.',
    origin: 'national', source: 'Quyết định 121-TCTK/PPCĐ ngày 02/03/1979 của Tổng cục Thống kê',
  },
  {
    code: 'sectors', name: 'Ngành kinh tế (VSIC 2018, cấp 1)', nameEn: 'Economic sectors (VSIC 2018, level 1)',
    description: 'Các ngành cấp 1 (A–U) của Hệ thống ngành kinh tế Việt Nam.',
    origin: 'national', source: 'Quyết định 27/2018/QĐ-TTg — Hệ thống ngành kinh tế Việt Nam',
  },
  {
    code: 'gender', name: 'Giới tính', nameEn: 'Gender',
    description: 'Giới tính ghi trong hồ sơ, giấy tờ.', origin: 'national', source: 'Cơ sở dữ liệu quốc gia về dân cư',
  },
];

const items = (rows: [string, string, string][]): CodeListItem[] => rows.map(([code, label, labelEn]) => ({ code, label, labelEn }));

/** The 54 ethnic groups with their official codes (General Statistics Office, 1979 list). */
export const ETHNIC_GROUPS: CodeListItem[] = items([
  ['01', 'Kinh', 'Kinh'], ['02', 'Tày', 'Tay'], ['03', 'Thái', 'Thai'], ['04', 'Hoa', 'Hoa (Chinese)'], ['05', 'Khơ-me', 'Khmer'],
  ['06', 'Mường', 'Muong'], ['07', 'Nùng', 'Nung'], ['08', 'Mông', 'Hmong'], ['09', 'Dao', 'Dao'], ['10', 'Gia-rai', 'Jarai'],
  ['11', 'Ngái', 'Ngai'], ['12', 'Ê-đê', 'Ede'], ['13', 'Ba-na', 'Bahnar'], ['14', 'Xơ-đăng', 'Sedang'], ['15', 'Sán Chay', 'San Chay'],
  ['16', 'Cơ-ho', 'Koho'], ['17', 'Chăm', 'Cham'], ['18', 'Sán Dìu', 'San Diu'], ['19', 'Hrê', 'Hre'], ['20', 'Mnông', 'Mnong'],
  ['21', 'Ra-glai', 'Raglai'], ['22', 'Xtiêng', 'Stieng'], ['23', 'Bru-Vân Kiều', 'Bru-Van Kieu'], ['24', 'Thổ', 'Tho'], ['25', 'Giáy', 'Giay'],
  ['26', 'Cơ-tu', 'Katu'], ['27', 'Gié-Triêng', 'Gie-Trieng'], ['28', 'Mạ', 'Ma'], ['29', 'Khơ-mú', 'Khmu'], ['30', 'Co', 'Cor'],
  ['31', 'Tà-ôi', 'Ta Oi'], ['32', 'Chơ-ro', 'Cho Ro'], ['33', 'Kháng', 'Khang'], ['34', 'Xinh-mun', 'Xinh Mun'], ['35', 'Hà Nhì', 'Ha Nhi'],
  ['36', 'Chu-ru', 'Churu'], ['37', 'Lào', 'Lao'], ['38', 'La Chí', 'La Chi'], ['39', 'La Ha', 'La Ha'], ['40', 'Phù Lá', 'Phu La'],
  ['41', 'La Hủ', 'La Hu'], ['42', 'Lự', 'Lu'], ['43', 'Lô Lô', 'Lo Lo'], ['44', 'Chứt', 'Chut'], ['45', 'Mảng', 'Mang'],
  ['46', 'Pà Thẻn', 'Pa Then'], ['47', 'Cơ Lao', 'Co Lao'], ['48', 'Cống', 'Cong'], ['49', 'Bố Y', 'Bo Y'], ['50', 'Si La', 'Si La'],
  ['51', 'Pu Péo', 'Pu Peo'], ['52', 'Brâu', 'Brau'], ['53', 'Ơ Đu', 'O Du'], ['54', 'Rơ-măm', 'Ro Mam'],
]);

/** Level-1 sections A–U of the Vietnam Standard Industrial Classification 2018 (VSIC). */
export const SECTORS: CodeListItem[] = items([
  ['A', 'Nông nghiệp, lâm nghiệp và thủy sản', 'Agriculture, forestry and fishing'],
  ['B', 'Khai khoáng', 'Mining and quarrying'],
  ['C', 'Công nghiệp chế biến, chế tạo', 'Manufacturing'],
  ['D', 'Sản xuất và phân phối điện, khí đốt, nước nóng, hơi nước và điều hòa không khí', 'Electricity, gas, steam and air conditioning supply'],
  ['E', 'Cung cấp nước; hoạt động quản lý và xử lý rác thải, nước thải', 'Water supply; sewerage, waste management and remediation'],
  ['F', 'Xây dựng', 'Construction'],
  ['G', 'Bán buôn và bán lẻ; sửa chữa ô tô, mô tô, xe máy và xe có động cơ khác', 'Wholesale and retail trade; repair of motor vehicles and motorcycles'],
  ['H', 'Vận tải kho bãi', 'Transportation and storage'],
  ['I', 'Dịch vụ lưu trú và ăn uống', 'Accommodation and food service activities'],
  ['J', 'Thông tin và truyền thông', 'Information and communication'],
  ['K', 'Hoạt động tài chính, ngân hàng và bảo hiểm', 'Financial, banking and insurance activities'],
  ['L', 'Hoạt động kinh doanh bất động sản', 'Real estate activities'],
  ['M', 'Hoạt động chuyên môn, khoa học và công nghệ', 'Professional, scientific and technical activities'],
  ['N', 'Hoạt động hành chính và dịch vụ hỗ trợ', 'Administrative and support service activities'],
  ['O', 'Hoạt động của Đảng Cộng sản, tổ chức chính trị - xã hội, quản lý Nhà nước, an ninh quốc phòng; bảo đảm xã hội bắt buộc',
    'Activities of the Communist Party and socio-political organisations; public administration and defence; compulsory social security'],
  ['P', 'Giáo dục và đào tạo', 'Education and training'],
  ['Q', 'Y tế và hoạt động trợ giúp xã hội', 'Human health and social work activities'],
  ['R', 'Nghệ thuật, vui chơi và giải trí', 'Arts, entertainment and recreation'],
  ['S', 'Hoạt động dịch vụ khác', 'Other service activities'],
  ['T', 'Hoạt động làm thuê các công việc trong các hộ gia đình, sản xuất sản phẩm vật chất và dịch vụ tự tiêu dùng của hộ gia đình',
    'Activities of households as employers and undifferentiated production of households for own use'],
  ['U', 'Hoạt động của các tổ chức và cơ quan quốc tế', 'Activities of extraterritorial organisations and bodies'],
]);

export const GENDERS: CodeListItem[] = items([['1', 'Nam', 'Male'], ['2', 'Nữ', 'Female'], ['0', 'Chưa xác định', 'Not stated']]);

type SeedElement = Omit<DataElement, 'status' | 'version' | 'createdAt' | 'updatedAt'>;
const el = (e: Partial<SeedElement> & Pick<SeedElement, 'code' | 'nameVi' | 'nameEn' | 'definition' | 'type'>): SeedElement => ({
  unit: null, codeList: null, rules: {}, personalData: 'none', ownerOrgId: 'so-khcn', origin: 'provincial', aliases: [], ...e,
});

/**
 * Common elements a provincial data steward meets, seeded as approved. Personal-data classes follow
 * Decree 13/2023/NĐ-CP Art. 2: identity numbers, names, phone numbers, e-mail and gender are basic
 * personal data; ethnic origin is sensitive.
 */
export const ELEMENTS: SeedElement[] = [
  el({ code: 'ma_xa', nameVi: 'Mã xã/phường', nameEn: 'Commune code', type: 'text', codeList: 'communes', rules: { regex: '^[0-9]{5}$' }, origin: 'national', ownerOrgId: 'so-noi-vu',
    definition: 'Mã số đơn vị hành chính cấp xã (5 chữ số) theo bảng danh mục đơn vị hành chính Việt Nam.',
    aliases: ['Mã xã', 'Mã phường', 'Mã ĐVHC', 'Mã đơn vị hành chính', 'ma_dvhc', 'commune code', 'ward code'] }),
  el({ code: 'ten_xa', nameVi: 'Tên xã/phường', nameEn: 'Commune name', type: 'text', rules: { maxLength: 100 }, origin: 'national', ownerOrgId: 'so-noi-vu',
    definition: 'Tên đơn vị hành chính cấp xã (xã, phường).', aliases: ['Xã/phường', 'Xã', 'Phường', 'Tên xã', 'Tên phường', 'Tên đơn vị hành chính', 'commune', 'ward'] }),
  el({ code: 'nam', nameVi: 'Năm', nameEn: 'Year', type: 'integer', rules: { min: 1900, max: 2100 },
    definition: 'Năm dương lịch mà số liệu phản ánh.', aliases: ['year'] }),
  el({ code: 'ky_bao_cao', nameVi: 'Kỳ báo cáo', nameEn: 'Reporting period', type: 'text', rules: { regex: '^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12])?$' },
    definition: 'Kỳ mà số liệu báo cáo: năm (2026), tháng (2026-03), quý (2026-Q1) hoặc nửa năm (2026-H1).', aliases: ['Kỳ', 'period'] }),
  el({ code: 'so_cccd', nameVi: 'Số định danh cá nhân', nameEn: 'Personal identification number', type: 'text', rules: { regex: '^[0-9]{12}$' },
    personalData: 'basic', origin: 'national', ownerOrgId: 'cong-an',
    definition: 'Số định danh cá nhân 12 chữ số, in trên thẻ căn cước/căn cước công dân.',
    aliases: ['Số CCCD', 'CCCD', 'Căn cước công dân', 'Số căn cước', 'Số căn cước công dân', 'Mã định danh', 'citizen id', 'national id'] }),
  el({ code: 'ho_ten', nameVi: 'Họ và tên', nameEn: 'Full name', type: 'text', rules: { maxLength: 200 }, personalData: 'basic', origin: 'national', ownerOrgId: 'cong-an',
    definition: 'Họ, chữ đệm và tên khai sinh của cá nhân.', aliases: ['Họ tên', 'Tên người', 'full name'] }),
  el({ code: 'ngay_sinh', nameVi: 'Ngày sinh', nameEn: 'Date of birth', type: 'date', personalData: 'basic', origin: 'national', ownerOrgId: 'cong-an',
    definition: 'Ngày, tháng, năm sinh của cá nhân.', aliases: ['Ngày tháng năm sinh', 'date of birth', 'dob', 'birth date'] }),
  el({ code: 'gioi_tinh', nameVi: 'Giới tính', nameEn: 'Gender', type: 'text', codeList: 'gender', personalData: 'basic', origin: 'national', ownerOrgId: 'cong-an',
    definition: 'Giới tính theo danh mục: 1 Nam, 2 Nữ, 0 Chưa xác định.', aliases: ['Phái', 'sex'] }),
  el({ code: 'dan_toc', nameVi: 'Dân tộc', nameEn: 'Ethnic group', type: 'text', codeList: 'ethnic-groups', rules: { regex: '^[0-9]{2}$' }, personalData: 'sensitive',
    origin: 'national', ownerOrgId: 'so-dan-toc-ton-giao',
    definition: 'Mã dân tộc (01–54). Thông tin về nguồn gốc dân tộc là dữ liệu cá nhân nhạy cảm (Nghị định 13/2023/NĐ-CP).',
    aliases: ['Mã dân tộc', 'ethnicity'] }),
  el({ code: 'so_dien_thoai', nameVi: 'Số điện thoại', nameEn: 'Phone number', type: 'text', rules: { regex: '^(\\+84|0)[0-9]{9,10}$' }, personalData: 'basic',
    definition: 'Số điện thoại liên hệ, dạng 0xxxxxxxxx hoặc +84xxxxxxxxx.', aliases: ['Điện thoại', 'SĐT', 'Số ĐT', 'ĐT', 'phone', 'telephone', 'mobile'] }),
  el({ code: 'email', nameVi: 'Thư điện tử', nameEn: 'E-mail address', type: 'text', rules: { regex: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$', maxLength: 254 }, personalData: 'basic',
    definition: 'Địa chỉ thư điện tử liên hệ.', aliases: ['Địa chỉ email', 'Địa chỉ thư điện tử', 'e-mail', 'mail'] }),
  el({ code: 'dia_chi', nameVi: 'Địa chỉ', nameEn: 'Address', type: 'text', rules: { maxLength: 500 }, personalData: 'basic',
    definition: 'Địa chỉ (số nhà, đường, thôn/tổ, xã/phường).', aliases: ['Địa chỉ liên hệ', 'Nơi ở', 'address'] }),
  el({ code: 'ma_so_thue', nameVi: 'Mã số thuế', nameEn: 'Tax identification number', type: 'text', rules: { regex: '^[0-9]{10}(-?[0-9]{3})?$' }, personalData: 'basic',
    origin: 'national', ownerOrgId: 'so-tai-chinh',
    definition: 'Mã số thuế 10 chữ số, hoặc 13 chữ số (10 chữ số, gạch nối, 3 chữ số) cho đơn vị phụ thuộc. Mã số thuế của cá nhân là dữ liệu cá nhân cơ bản.',
    aliases: ['MST', 'Mã số doanh nghiệp', 'Mã DN', 'tax code', 'tax id'] }),
  el({ code: 'ten_doanh_nghiep', nameVi: 'Tên doanh nghiệp', nameEn: 'Enterprise name', type: 'text', rules: { maxLength: 500 }, ownerOrgId: 'so-tai-chinh',
    definition: 'Tên đăng ký của doanh nghiệp, hợp tác xã hoặc hộ kinh doanh.', aliases: ['Doanh nghiệp', 'Tên DN', 'Tên đơn vị', 'enterprise', 'company'] }),
  el({ code: 'dan_so', nameVi: 'Dân số', nameEn: 'Population', type: 'integer', unit: 'người', rules: { min: 0 },
    definition: 'Số người thường trú tại thời điểm hoặc bình quân trong kỳ.', aliases: ['Số dân', 'Tổng dân số', 'Dân số trung bình'] }),
  el({ code: 'dien_tich_km2', nameVi: 'Diện tích', nameEn: 'Area', type: 'number', unit: 'km²', rules: { min: 0 },
    definition: 'Diện tích tự nhiên, tính bằng ki-lô-mét vuông.', aliases: ['Diện tích tự nhiên', 'Diện tích (km2)', 'area km2'] }),
  el({ code: 'nganh_kinh_te', nameVi: 'Ngành kinh tế', nameEn: 'Economic sector', type: 'text', codeList: 'sectors', rules: { regex: '^[A-U]$' }, origin: 'national',
    definition: 'Mã ngành kinh tế cấp 1 (A–U) theo Hệ thống ngành kinh tế Việt Nam (VSIC 2018).',
    aliases: ['Ngành', 'Mã ngành', 'Ngành nghề', 'sector', 'industry', 'VSIC'] }),
  el({ code: 'gia_tri', nameVi: 'Giá trị', nameEn: 'Value', type: 'number',
    definition: 'Giá trị số của chỉ tiêu, theo đơn vị tính đi kèm.', aliases: ['Trị số', 'Số liệu', 'value'] }),
  el({ code: 'don_vi_tinh', nameVi: 'Đơn vị tính', nameEn: 'Unit of measure', type: 'text', rules: { maxLength: 50 },
    definition: 'Đơn vị tính của giá trị (người, tấn, tỷ đồng, %, …).', aliases: ['ĐVT', 'Đơn vị', 'unit'] }),
  el({ code: 'ngay', nameVi: 'Ngày', nameEn: 'Date', type: 'date',
    definition: 'Ngày dương lịch mà bản ghi phản ánh.', aliases: ['Ngày tháng', 'Thời điểm', 'date'] }),
  el({ code: 'vi_do', nameVi: 'Vĩ độ', nameEn: 'Latitude', type: 'number', unit: '°', rules: { min: -90, max: 90 },
    definition: 'Vĩ độ WGS 84, độ thập phân (Gia Lai khoảng 12,9°–14,9° Bắc).', aliases: ['Vĩ độ (Y)', 'lat', 'latitude', 'y'] }),
  el({ code: 'kinh_do', nameVi: 'Kinh độ', nameEn: 'Longitude', type: 'number', unit: '°', rules: { min: -180, max: 180 },
    definition: 'Kinh độ WGS 84, độ thập phân (Gia Lai khoảng 107,3°–109,4° Đông).', aliases: ['Kinh độ (X)', 'lon', 'lng', 'long', 'longitude', 'x'] }),
  el({ code: 'so_luong', nameVi: 'Số lượng', nameEn: 'Quantity', type: 'number', rules: { min: 0 },
    definition: 'Số lượng đếm được của đối tượng thống kê.', aliases: ['SL', 'quantity', 'count'] }),
  el({ code: 'san_luong', nameVi: 'Sản lượng', nameEn: 'Output', type: 'number', rules: { min: 0 },
    definition: 'Khối lượng sản phẩm sản xuất, khai thác hoặc thu hoạch trong kỳ, theo đơn vị tính đi kèm.',
    aliases: ['Sản lượng sản xuất', 'output', 'production volume'] }),
];
