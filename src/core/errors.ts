/**
 * The one catalogue of error codes. Every refusal the platform gives is one of these: a stable
 * machine code, an HTTP status and a title in Vietnamese and English. The HTTP layer turns them into
 * RFC 9457 `application/problem+json`; nothing else ever reaches a client.
 */
export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, vi: 'Yêu cầu không hợp lệ', en: 'Bad request' },
  VALIDATION_FAILED: { status: 400, vi: 'Dữ liệu gửi lên không hợp lệ', en: 'Validation failed' },
  UNAUTHENTICATED: { status: 401, vi: 'Chưa đăng nhập', en: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, vi: 'Tên đăng nhập hoặc mật khẩu không đúng', en: 'Invalid user name or password' },
  INVALID_API_KEY: { status: 401, vi: 'Khóa API không hợp lệ, đã hết hạn hoặc đã bị thu hồi', en: 'Invalid, expired or revoked API key' },
  FORBIDDEN: { status: 403, vi: 'Không có quyền thực hiện thao tác này', en: 'Forbidden' },
  // The rows of another agency's shared or private dataset are read only through an LDOP agreement (docs/ldop.md).
  LDOP_AGREEMENT_REQUIRED: { status: 403, vi: 'Dữ liệu của tập này chỉ đọc được qua thỏa thuận chia sẻ dữ liệu (LDOP)', en: 'The rows of this dataset are read only through an LDOP sharing agreement' },
  // A personal-data column the caller sees masked cannot be searched, filtered, sorted or grouped on.
  MASKED_COLUMN: { status: 400, vi: 'Cột chứa dữ liệu cá nhân được che, không dùng để lọc, sắp xếp hay gộp nhóm', en: 'A masked personal-data column cannot be filtered, sorted or grouped on' },
  CSRF_FAILED: { status: 403, vi: 'Thiếu hoặc sai mã chống giả mạo (CSRF)', en: 'Missing or invalid CSRF token' },
  NOT_FOUND: { status: 404, vi: 'Không tìm thấy', en: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, vi: 'Phương thức không được hỗ trợ', en: 'Method not allowed' },
  NOT_ACCEPTABLE: { status: 406, vi: 'Không có định dạng phù hợp', en: 'Not acceptable' },
  CONFLICT: { status: 409, vi: 'Xung đột với dữ liệu hiện có', en: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, vi: 'Dữ liệu gửi lên quá lớn', en: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, vi: 'Kiểu nội dung không được hỗ trợ', en: 'Unsupported media type' },
  ACCOUNT_LOCKED: { status: 423, vi: 'Tài khoản tạm thời bị khóa', en: 'Account temporarily locked' },
  RATE_LIMITED: { status: 429, vi: 'Quá nhiều yêu cầu, vui lòng thử lại sau', en: 'Too many requests' },
  // LDOP gateway refusals (docs/ldop.md): stable codes agency systems can act on.
  INVALID_SUBSYSTEM_CREDENTIAL: { status: 401, vi: 'Khóa hoặc chứng thư của hệ thống không hợp lệ, đã hết hạn hoặc bị thu hồi', en: 'Invalid, expired or revoked subsystem credential' },
  AGREEMENT_REQUIRED: { status: 403, vi: 'Chưa có thỏa thuận chia sẻ dữ liệu còn hiệu lực', en: 'No active sharing agreement for this service' },
  FIELD_NOT_ALLOWED: { status: 403, vi: 'Trường dữ liệu nằm ngoài thỏa thuận chia sẻ', en: 'Field not allowed by the sharing agreement' },
  REPLAYED_REQUEST: { status: 409, vi: 'Mã chống lặp (nonce) đã được dùng', en: 'Request nonce already used' },
  VOLUME_EXCEEDED: { status: 429, vi: 'Vượt hạn mức số dòng trong ngày của thỏa thuận', en: 'Daily row volume of the agreement exceeded' },
  UPSTREAM_FAILED: { status: 502, vi: 'Dịch vụ của cơ quan cung cấp không phản hồi đúng', en: 'The provider\'s service failed' },
  // A filter a large dataset has no index for: served only by reading every row, so refused.
  FILTER_NOT_INDEXED: { status: 400, vi: 'Bộ lọc này cần chỉ mục trên một tập dữ liệu lớn', en: 'This filter needs an index on a large dataset' },
  INTERNAL: { status: 500, vi: 'Lỗi hệ thống', en: 'Internal error' },
  UNAVAILABLE: { status: 503, vi: 'Dịch vụ tạm thời không sẵn sàng', en: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** A message in both languages of the platform: Vietnamese first. */
export interface Bilingual {
  vi: string;
  en: string;
}

/** One field-level problem, as listed in a validation error. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A typed, expected error. `code` is stable and documented; `detail` says what happened. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: Bilingual,
    readonly extra: { errors?: FieldProblem[]; retryAfterSeconds?: number; [k: string]: unknown } = {},
  ) {
    super(detail?.en ?? ERROR_CATALOGUE[code].en);
    this.name = 'AppError';
    this.status = ERROR_CATALOGUE[code].status;
  }
}

export const notFound = (what: Bilingual = { vi: 'Không tìm thấy tài nguyên', en: 'Resource not found' }) =>
  new AppError('NOT_FOUND', what);
export const forbidden = (why: Bilingual = { vi: 'Bạn không có quyền thực hiện thao tác này', en: 'You may not do this' }) =>
  new AppError('FORBIDDEN', why);
export const unauthenticated = () =>
  new AppError('UNAUTHENTICATED', { vi: 'Vui lòng đăng nhập hoặc gửi khóa API', en: 'Log in or send an API key' });
export const conflict = (why: Bilingual) => new AppError('CONFLICT', why);
export const invalid = (why: Bilingual, errors?: FieldProblem[]) => new AppError('VALIDATION_FAILED', why, { errors });

/** Type guard for {@link AppError}. */
export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
