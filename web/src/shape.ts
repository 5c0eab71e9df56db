/**
 * Shape checks at the edge of the web client: an answer is checked (shape, not every field) before
 * it is trusted, and a mismatch is a `bad_response` ApiError — a broken contract, not a crash.
 */
import { ApiError } from './api.ts';

export type Obj = Record<string, unknown>;

export function contractBreak(what: string): ApiError {
  return new ApiError({ status: 200, code: 'bad_response', message: `Unexpected answer from the server (${what})` });
}

export function obj(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw contractBreak(what);
  return value as Obj;
}

export function arr(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw contractBreak(what);
  return value;
}
