/** Reading the OpenAPI document the server serves, for tests that enumerate every route. */
export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

export interface Operation {
  security?: unknown[];
  'x-public'?: boolean;
  responses?: Record<string, unknown>;
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
}
export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

/** Every operation of the document as METHOD + OpenAPI path. */
export function operations(doc: OpenApiDoc): { method: string; path: string; op: Operation }[] {
  const out: { method: string; path: string; op: Operation }[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (item[m]) out.push({ method: m.toUpperCase(), path: p, op: item[m]! });
  }
  return out;
}
