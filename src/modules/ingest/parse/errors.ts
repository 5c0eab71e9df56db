/** Stable machine-readable codes for everything this library throws. */
export type ParseErrorCode =
  | 'PARSE_UNSUPPORTED_FORMAT'
  | 'PARSE_UNSUPPORTED_ENCODING'
  /** Bytes that are not valid in the file's encoding (e.g. a file that is not UTF-8 after a UTF-8 start). */
  | 'PARSE_INVALID_ENCODING'
  /** A resource limit: a field, a row's width, or a workbook's inflated size (zip bomb). `details.limit` says which. */
  | 'PARSE_LIMIT_EXCEEDED'
  | 'PARSE_SHEET_NOT_FOUND'
  | 'PARSE_NO_HEADER'
  | 'PARSE_INVALID_CSV'
  | 'PARSE_INVALID_JSON'
  | 'PARSE_INVALID_GEOJSON'
  | 'PARSE_INVALID_XLSX'
  /** Header rows go on past what a report template has (no recognisable header). */
  | 'PARSE_HEADER_TOO_DEEP'
  /** The columns an unpivot names are not in the file. */
  | 'PARSE_UNPIVOT_COLUMNS'
  /** A workbook encrypted with a password to open it: it is refused, not cracked. */
  | 'PARSE_ENCRYPTED'
  | 'PARSE_ROWS_ALREADY_READ';

/**
 * The one error type of the parsing library. The ingestion service translates it into its own
 * `Invalid` problem; `details` never contains file content beyond a short excerpt.
 */
export class ParseError extends Error {
  readonly code: ParseErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ParseErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParseError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}
