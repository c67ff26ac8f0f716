import { Type, type Static, type TSchema } from 'typebox';

/** RFC 9457 problem details, as every error response is shaped. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.Optional(Type.String()),
    fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'An error, as application/problem+json' },
);
export type Problem = Static<typeof ProblemSchema>;

/** A reference to the shared Problem schema, for route `response` maps. */
export const ProblemRef = Type.Unsafe<Problem>(Type.Ref('Problem'));

/** Response entries for the given error statuses, all problem+json. */
export function problems(...statuses: number[]): Record<number, typeof ProblemRef> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemRef]));
}

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

/** `?limit=&cursor=`, as every list route takes. */
export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** `{items, nextCursor}` around an item schema. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

/** An email address as accepted on input: trimmed and lower-cased by the services. */
export const Email = Type.String({ format: 'email', maxLength: 254 });

/** A password as accepted on input. */
export const Password = Type.String({ minLength: 8, maxLength: 256 });

/** BCP 47 language tag (`zh-CN`, `en-US`, `en`). */
export const Locale = Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 });

export const Timestamp = Type.String({ format: 'date-time' });

/** Response schema entry for replies without a body (202, 204). */
export const NoBody = Type.Null({ description: 'No body' });
