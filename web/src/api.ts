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

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field.length > 0 ? field : undefined;
}

async function toApiError(response: Response): Promise<ApiError> {
  let problem: unknown = null;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
  }
  const title = stringField(problem, 'title');
  const detail = stringField(problem, 'detail');
  const code = stringField(problem, 'code') ?? `http_${response.status}`;
  return new ApiError({
    status: response.status,
    code,
    title,
    detail,
    message: detail ?? title ?? `HTTP ${response.status} ${response.statusText}`.trim(),
  });
}

/**
 * Calls the API at a same-origin path (`/api/...`) and returns the parsed JSON body (`undefined` for
 * 204). The result is `unknown` on purpose: callers check its shape before trusting it.
 * @throws ApiError for a non-2xx answer (with the problem's `code`), or code 'network' when the
 *   server cannot be reached. An aborted request rethrows the AbortError.
 */
export async function apiFetch(path: string, request: ApiRequest = {}): Promise<unknown> {
  const method = request.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
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
