import { Type, type TLiteral } from 'typebox';

/** RFC 9457 problem document, referenced in every route's error responses. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    code: Type.String(),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true, description: 'application/problem+json' },
);

export const NoContent = Type.Null({ description: 'Không có nội dung / no content' });

/** A union of string literals from a `const` list: one list gives the type, the validation and the OpenAPI enum. */
export const literalUnion = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v)) as unknown as [...{ -readonly [K in keyof T]: TLiteral<T[K]> }]);

/** `T | null`. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
