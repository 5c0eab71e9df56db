import { Type } from 'typebox';

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
