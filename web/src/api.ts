/**
 * The one way the SPA talks to the provdata server. It keeps the CSRF token the server hands out at
 * login (and on `/api/auth/me`), sends it as `x-csrf-token` on every write, and turns RFC 9457
 * `application/problem+json` answers into an {@link ApiError} whose `code` callers can branch on.
 */

/** An error answer from the server, or a network failure (`status` 0, `code` 'network'). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string | undefined;
  readonly detail: string | undefined;

  constructor(init: { status: number; code: string; title?: string; detail?: string; message: string }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
  }
}

let csrfToken: string | null = null;

/** Remembers (or forgets, with `null`) the token to send on writes; set from login and `/me`. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The token writes must echo, for requests not made through {@link apiFetch} (uploads use XHR for progress). */
export function currentCsrfToken(): string | null {
  return csrfToken;
}

let answerLanguage: string | null = null;

/** The UI language, sent as `accept-language` so problem details come back in it. */
export function setApiLanguage(lang: string): void {
  answerLanguage = lang;
}

/** Headers every API request carries: what we accept, and in which language. */
export function baseHeaders(): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (answerLanguage) headers['accept-language'] = answerLanguage;
  return headers;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Extra headers, e.g. the open data portal's developer key (`x-ckan-api-key`). */
  headers?: Record<string, string>;
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field.length > 0 ? field : undefined;
}

/** Builds the {@link ApiError} for an error answer from its status, content type and body text. */
export function apiErrorFrom(status: number, contentType: string, text: string, statusText = ''): ApiError {
  let problem: unknown = null;
  if (contentType.includes('json')) {
    try {
      problem = JSON.parse(text);
    } catch {
      problem = null;
    }
  }
  const title = stringField(problem, 'title');
  const detail = stringField(problem, 'detail');
  const code = stringField(problem, 'code') ?? `http_${status}`;
  return new ApiError({
    status,
    code,
    title,
    detail,
    message: detail ?? title ?? `HTTP ${status} ${statusText}`.trim(),
  });
}

async function toApiError(response: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    text = '';
  }
  return apiErrorFrom(response.status, response.headers.get('content-type') ?? '', text, response.statusText);
}

/**
 * Calls the API at a same-origin path (`/api/...`) and returns the parsed JSON body (`undefined` for
 * 204). The result is `unknown` on purpose: callers check its shape before trusting it.
 * @throws ApiError for a non-2xx answer (with the problem's `code`), or code 'network' when the
 *   server cannot be reached. An aborted request rethrows the AbortError.
 */
export async function apiFetch(path: string, request: ApiRequest = {}): Promise<unknown> {
  const method = request.method ?? 'GET';
  const headers = { ...baseHeaders(), ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (!SAFE_METHODS.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({ status: 0, code: 'network', message: error instanceof Error ? error.message : String(error) });
  }
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined;
  const type = response.headers.get('content-type') ?? '';
  return type.includes('json') ? response.json() : response.text();
}
