import type { ThemeCode } from './themes.js';

/** A planned catalogue entry taken from the Data Strategy (Decision 966/QĐ-UBND of 20/3/2026). */
export interface PlannedEntry {
  slug: string;
  title: string;
  titleEn: string;
  description: string;
  publisherOrgId: string;
  themes: ThemeCode[];
  keywords: string[];
  importance: 'core' | 'important' | 'other';
  access: 'open' | 'shared' | 'private';
  personalData: boolean;
  plannedCompletion: string;
  sourceRef: string;
}

const DECISION = 'Quyết định 966/QĐ-UBND ngày 20/3/2026 của UBND tỉnh Gia Lai (Chiến lược dữ liệu tỉnh Gia Lai đến năm 2030)';

const appendix3 = (
  row: number, slug: string, title: string, titleEn: string, publisherOrgId: string, themes: ThemeCode[], goal: string, scope: string,
  coLead: string, plannedCompletion: string, extra: Partial<PlannedEntry> = {},
): PlannedEntry => ({
  slug, title, titleEn, publisherOrgId, themes, plannedCompletion,
  description: `${goal}${scope ? ` Phạm vi dữ liệu chính: ${scope}` : ''}${coLead ? ` Cơ quan phối hợp: ${coLead}.` : ''} Thời gian hoàn thành: ${plannedCompletion}. Nguồn: ${DECISION}, Phụ lục 3, STT ${row}.`,
  keywords: ['CSDL đặc thù', 'Phụ lục 3'],
  importance: 'important', access: 'shared', personalData: false,
  sourceRef: `QĐ 966/QĐ-UBND, Phụ lục 3, STT ${row}`,
  ...extra,
});

/** The 14 specialised provincial databases of Appendix 3 (Phụ lục 3), with their lead agencies and deadlines. */
export const APPENDIX_3: PlannedEntry[] = [
  appendix3(1, 'csdl-cong-nghiep', 'CSDL về công nghiệp', 'Industry database', 'so-cong-thuong', ['cong-nghiep'],
    'Xây dựng CSDL quản lý về công nghiệp trên địa bàn toàn tỉnh, hỗ trợ quản lý nhà nước trong việc thúc đẩy phát triển công nghiệp mũi nhọn của tỉnh.',
    'Sản lượng công nghiệp, Tỷ trọng công nghiệp, Quy hoạch công nghiệp.', 'Sở Khoa học và Công nghệ', '2027',
    { access: 'open', keywords: ['CSDL đặc thù', 'Phụ lục 3', 'sản lượng công nghiệp', 'tỷ trọng công nghiệp', 'quy hoạch công nghiệp'] }),
  appendix3(2, 'csdl-du-lich-thong-minh-kinh-te-di-san', 'CSDL Du lịch thông minh và Kinh tế Di sản', 'Smart tourism and heritage economy database', 'so-vh-tt-dl', ['du-lich', 'van-hoa'],
    'Xây dựng CSDL hợp nhất về du lịch - dịch vụ, tích hợp công nghệ thực tế ảo (VR/AR) để số hóa các di sản văn hóa, lịch sử, xây dựng các Bản sao số Di sản; phục vụ phân tích hành vi du khách, cá nhân hóa trải nghiệm, tối ưu hóa công tác quản lý di sản và phát triển kinh tế đêm.',
    'Dữ liệu du khách (nhân khẩu, hành vi, chi tiêu, đánh giá chất lượng); dữ liệu lưu trú, lữ hành; dữ liệu vé tham quan (di sản); dữ liệu cơ sở dịch vụ (kinh tế đêm).',
    'Sở Khoa học và Công nghệ', '2027: Hình thành CSDL; 2028-2030: Hoàn thiện và cập nhật 100% dữ liệu về di sản và du lịch', { personalData: true }),
  appendix3(3, 'csdl-logistics', 'CSDL Logistics', 'Logistics database', 'so-cong-thuong', ['giao-thong', 'doanh-nghiep'],
    'Phục vụ tích hợp, liên thông dữ liệu vận chuyển, hải quan, kho bãi. Mục tiêu tối ưu hóa chuỗi cung ứng, rút ngắn thời gian lưu thông hàng hóa.',
    'Dữ liệu luồng hàng hóa (container, hàng rời); dữ liệu phương tiện (vị trí, lịch trình); dữ liệu kho bãi (tồn kho, công suất).',
    'Sở Xây dựng; Ban Quản lý khu kinh tế, Chi cục Hải quan Khu vực XIV, các doanh nghiệp kinh doanh dịch vụ logistics, cảng biển, cảng cạn (ICD)', '2027'),
  appendix3(4, 'csdl-nong-nghiep-thuy-san', 'CSDL Nông nghiệp, Thủy sản', 'Agriculture and aquaculture database', 'so-nn-mt', ['nong-nghiep'],
    'Quản lý tổng thể vùng nuôi trồng, dữ liệu quan trắc. Cung cấp nền tảng truy xuất nguồn gốc và hỗ trợ dự báo dịch bệnh.',
    'Dữ liệu vùng nuôi trồng thủy sản; dữ liệu quan trắc (độ mặn, môi trường); dữ liệu sản phẩm OCOP; dữ liệu truy xuất nguồn gốc: thông tin sản phẩm, chuỗi cung ứng, chất lượng, vùng sản xuất.',
    'Sở Khoa học và Công nghệ', '2028'),
  appendix3(5, 'csdl-ocop', 'CSDL OCOP', 'OCOP products database', 'so-nn-mt', ['ocop', 'nong-nghiep'],
    'Quản lý tổng thể sản phẩm OCOP tỉnh Gia Lai.', 'Xây dựng bản đồ sản phẩm OCOP tỉnh Gia Lai.', 'Sở Khoa học và Công nghệ', '2028', { access: 'open' }),
  appendix3(6, 'csdl-nang-luong', 'CSDL về Năng lượng', 'Energy database', 'so-cong-thuong', ['nang-luong'],
    'Quản lý thông tin về năng lượng trên địa bàn tỉnh, cung cấp thông tin quản lý quy hoạch năng lượng tỉnh, đẩy mạnh năng lượng sạch, năng lượng tái tạo.',
    'Dữ liệu dự án năng lượng, dữ liệu quy hoạch năng lượng.', 'Sở Khoa học và Công nghệ; Sở Tài chính và các đơn vị liên quan',
    'Theo lộ trình thực hiện CSDL năng lượng quốc gia'),
  appendix3(7, 'csdl-khoang-san-tai-nguyen-dia-chat', 'CSDL Khoáng sản & Tài nguyên địa chất', 'Minerals and geological resources database', 'so-nn-mt', ['moi-truong'],
    'Quản lý thông tin khoáng sản, khai thác bền vững.', 'Địa điểm, trữ lượng, trữ lượng khai thác.', 'Sở Khoa học và Công nghệ', '2027'),
  appendix3(8, 'csdl-lao-dong', 'CSDL Lao động', 'Labour database', 'so-noi-vu', ['lao-dong'],
    'Quản lý thông tin lao động, biến động việc làm trên toàn tỉnh.', 'Tổng số lao động, nhu cầu việc làm, trình độ lao động, biến động thị trường lao động.',
    'Sở Khoa học và Công nghệ', 'Theo lộ trình thực hiện CSDL lao động quốc gia', { personalData: true }),
  appendix3(9, 'csdl-ban-do-tinh', 'CSDL bản đồ tỉnh', 'Provincial map (GIS) database', 'so-xay-dung', ['quy-hoach', 'dat-dai'],
    'Thống nhất hóa dữ liệu không gian. Phục vụ công khai quy hoạch, quản lý trật tự xây dựng và là nền tảng cốt lõi cho Bản sao số (Digital Twin).',
    'Dữ liệu nền địa lý độ phân giải cao (1:2000, 1:5000); dữ liệu bản đồ; dữ liệu quy hoạch đô thị và nông thôn; dữ liệu cấp phép xây dựng; dữ liệu số nhà.',
    'Sở Nông nghiệp và Môi trường', '2026', { access: 'open' }),
  appendix3(10, 'csdl-quan-trac-moi-truong-tu-dong', 'CSDL Quan trắc môi trường tự động', 'Automatic environmental monitoring database', 'so-nn-mt', ['moi-truong'],
    'Giám sát chất lượng không khí, nước, môi trường.',
    'Dữ liệu quan trắc IoT (không khí, nước, nước thải); dữ liệu nguồn thải; dữ liệu thời tiết, mực nước, cảm biến, vùng rủi ro.', '', '2026', { access: 'open' }),
  appendix3(11, 'csdl-da-dang-sinh-hoc', 'CSDL Đa dạng sinh học', 'Biodiversity database', 'so-nn-mt', ['moi-truong'],
    'Quản lý, bảo tồn đa dạng sinh học.', 'Loài sinh vật, hệ sinh thái.', '', '2027', { access: 'open' }),
  appendix3(12, 'csdl-y-te-kham-chua-benh', 'Cơ sở dữ liệu y tế về khám chữa bệnh', 'Medical treatment database (EMR)', 'so-y-te', ['y-te'],
    'Xây dựng và phát triển hệ sinh thái y tế số tỉnh Gia Lai hiện đại, đồng bộ và thông minh; bảo đảm dữ liệu khám chữa bệnh được thu thập, lưu trữ, chuẩn hóa và liên thông giữa các cơ sở y tế trong toàn tỉnh.',
    'Dữ liệu thông tin khám bệnh, dữ liệu Bệnh án điện tử (EMR), dữ liệu hình ảnh y tế (PACS), dữ liệu thông tin xét nghiệm (LIS), dữ liệu lâm sàng (CDSS), dữ liệu dược phẩm và trang thiết bị y tế.',
    'Sở Khoa học và Công nghệ; UBND các phường/xã', '2028', { access: 'private', personalData: true, keywords: ['CSDL đặc thù', 'Phụ lục 3', 'EMR', 'bệnh án điện tử'] }),
  appendix3(13, 'csdl-ho-so-suc-khoe-dien-tu', 'Cơ sở dữ liệu Hồ sơ sức khỏe điện tử (PHR)', 'Personal health records database (PHR)', 'so-y-te', ['y-te'],
    'Xây dựng, quản lý và khai thác cơ sở dữ liệu Hồ sơ sức khỏe điện tử cho toàn bộ người dân trên địa bàn tỉnh, bảo đảm cập nhật đầy đủ thông tin sức khỏe suốt vòng đời, được chuẩn hóa và liên thông với các cơ sở dữ liệu y tế quốc gia và các hệ thống thông tin khám chữa bệnh.',
    '', 'UBND các phường/xã', '2028', { access: 'private', personalData: true, keywords: ['CSDL đặc thù', 'Phụ lục 3', 'PHR', 'hồ sơ sức khỏe'] }),
  appendix3(14, 'csdl-y-te-du-phong', 'Cơ sở dữ liệu y tế về dự phòng', 'Preventive health database', 'so-y-te', ['y-te'],
    'Xây dựng và hoàn thiện hệ thống cơ sở dữ liệu y tế dự phòng, bảo đảm kết nối, liên thông dữ liệu giám sát dịch tễ từ tuyến cơ sở đến tuyến tỉnh và Trung ương; giám sát, phát hiện sớm nguy cơ bùng phát dịch bệnh, phát hành cảnh báo sớm.',
    'Dân số, an toàn thực phẩm, truyền thông, giáo dục sức khỏe trong y tế; tích hợp các nguồn dữ liệu liên quan như môi trường, thời tiết, di biến động dân cư.',
    'UBND các phường/xã', '2028'),
];

const national = (n: number, slug: string, field: string, titleEn: string, publisherOrgId: string, themes: ThemeCode[], personalData: boolean): PlannedEntry => ({
  slug,
  title: `CSDL quốc gia về ${field}`,
  titleEn: `National database: ${titleEn} (local data synchronised)`,
  description: `Tạo lập, số hóa, chuẩn hóa và đồng bộ dữ liệu từ các cơ sở dữ liệu, hồ sơ công việc đang quản lý tại địa phương lên CSDL quốc gia trọng yếu (${n}) ${field}. ` +
    'Chủ trì: các Sở, ngành chuyên môn (cơ quan ghi ở đây là cơ quan quản lý lĩnh vực của tỉnh); phối hợp: Sở Khoa học và Công nghệ, Công an tỉnh. ' +
    `Thời hạn: 2026 (13 CSDL trọng yếu), duy trì các năm sau. Nguồn: ${DECISION}, Mục II.2.a (giai đoạn 2026-2027) và Phụ lục 2, NV 3.2.`,
  publisherOrgId, themes, personalData,
  keywords: ['CSDL quốc gia', '13 CSDL trọng yếu', 'NV 3.2', field],
  importance: 'important', access: 'shared', plannedCompletion: '2026',
  sourceRef: `QĐ 966/QĐ-UBND, Mục II.2.a, CSDL trọng yếu (${n}); Phụ lục 2, NV 3.2`,
});

/**
 * The 13 key national databases the province must feed (Mục II.2.a; Appendix 2, NV 3.2). The
 * strategy names "the specialised departments" as leads; each entry is given to the department
 * that manages the field in the province.
 */
export const NATIONAL_13: PlannedEntry[] = [
  national(1, 'csdl-qg-dat-dai', 'Đất đai', 'land', 'so-nn-mt', ['dat-dai'], true),
  national(2, 'csdl-qg-tai-chinh', 'Tài chính', 'finance', 'so-tai-chinh', ['tai-chinh'], false),
  national(3, 'csdl-qg-giao-duc-dao-tao', 'Giáo dục và Đào tạo', 'education and training', 'so-gd-dt', ['giao-duc'], true),
  national(4, 'csdl-qg-ho-tich-dien-tu', 'Hộ tịch điện tử', 'electronic civil status', 'so-tu-phap', ['dan-cu', 'chinh-quyen'], true),
  national(5, 'csdl-qg-y-te', 'Y tế', 'health', 'so-y-te', ['y-te'], true),
  national(6, 'csdl-qg-hoa-chat', 'Hóa chất', 'chemicals', 'so-cong-thuong', ['cong-nghiep', 'moi-truong'], false),
  national(7, 'csdl-qg-hoat-dong-xay-dung', 'Hoạt động xây dựng', 'construction activities', 'so-xay-dung', ['quy-hoach'], false),
  national(8, 'csdl-qg-kiem-soat-tai-san-thu-nhap', 'Kiểm soát tài sản, thu nhập', 'asset and income declarations', 'thanh-tra', ['chinh-quyen'], true),
  national(9, 'csdl-qg-xu-ly-vi-pham-hanh-chinh', 'Xử lý vi phạm hành chính', 'administrative violations', 'so-tu-phap', ['chinh-quyen'], true),
  national(10, 'csdl-qg-nong-nghiep', 'Nông nghiệp', 'agriculture', 'so-nn-mt', ['nong-nghiep'], false),
  national(11, 'csdl-qg-an-sinh-xa-hoi', 'An sinh xã hội', 'social welfare', 'so-noi-vu', ['dan-cu', 'lao-dong'], true),
  national(12, 'csdl-qg-to-chuc-dang-can-bo', 'Tổ chức Đảng, đảng viên, cán bộ, công chức, viên chức', 'party organisations, members, officials and public employees', 'so-noi-vu', ['chinh-quyen'], true),
  national(13, 'csdl-qg-ban-an-quyet-dinh-toa-an', 'Bản án, quyết định của Tòa án', 'court judgments and decisions', 'so-tu-phap', ['chinh-quyen'], true),
];

export const PLANNED: PlannedEntry[] = [...APPENDIX_3, ...NATIONAL_13];
