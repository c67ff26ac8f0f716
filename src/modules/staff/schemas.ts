import { Type, type Static } from 'typebox';
import { Password, Timestamp } from '../../platform/http/schemas.js';
import { ROLES } from './roles.js';

const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('operator'), Type.Literal('support')], {
  description: ROLES.join(' | '),
});
const EmailInput = Type.String({ pattern: '^\\s*[^\\s@]+@[^\\s@]+\\.[^\\s@]+\\s*$', maxLength: 254 });

export const StaffSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.String(),
    active: Type.Boolean(),
    permissions: Type.Array(Type.String()),
    lastLoginAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Staff' },
);
export type Staff = Static<typeof StaffSchema>;

export const StaffLoginBody = Type.Object({ email: EmailInput, password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
export type StaffLoginBody = Static<typeof StaffLoginBody>;

export const StaffAuthResult = Type.Object({ staff: Type.Unsafe<Staff>(Type.Ref('Staff')), token: Type.String() });

export const CreateStaffBody = Type.Object(
  { email: EmailInput, name: Type.String({ minLength: 1, maxLength: 200 }), role: RoleSchema, password: Password },
  { additionalProperties: false },
);
export type CreateStaffBody = Static<typeof CreateStaffBody>;

export const UpdateStaffBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(RoleSchema),
    active: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateStaffBody = Static<typeof UpdateStaffBody>;

export const StaffListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    role: Type.Optional(RoleSchema),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type StaffListQuery = Static<typeof StaffListQuery>;
