import { Type, type Static } from 'typebox';
import { Locale, Password, Timestamp } from '../../platform/http/schemas.js';

/** An email as typed by a person: surrounding spaces and any case are accepted, then normalised. */
export const EmailInput = Type.String({ pattern: '^\\s*[^\\s@]+@[^\\s@]+\\.[^\\s@]+\\s*$', maxLength: 254, description: 'Email; trimmed and lower-cased' });

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Phone = Type.String({ pattern: '^\\+?[0-9 ()-]{5,32}$' });
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const CustomerSchema = Type.Object(
  {
    id: Type.String({ examples: ['cus_01JDB4X8K3M0Q9W2E5R7T6Y1U3'] }),
    email: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    locale: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Customer' },
);
export type Customer = Static<typeof CustomerSchema>;

export const AuthResultSchema = Type.Object({
  customer: Type.Unsafe<Customer>(Type.Ref('Customer')),
  token: Type.String({ description: 'Bearer token; send as Authorization: Bearer <token>' }),
});

export const RegisterBody = Type.Object(
  { email: EmailInput, password: Password, name: Type.Optional(Name), locale: Type.Optional(Locale) },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  { email: EmailInput, password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const ResetRequestBody = Type.Object({ email: EmailInput }, { additionalProperties: false });
export const ResetConfirmBody = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 128 }), password: Password },
  { additionalProperties: false },
);

export const UpdateMeBody = Type.Object(
  { name: Type.Optional(Nullable(Name)), locale: Type.Optional(Nullable(Locale)), phone: Type.Optional(Nullable(Phone)) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateMeBody = Static<typeof UpdateMeBody>;

export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 256 }), newPassword: Password },
  { additionalProperties: false },
);

const addressFields = {
  name: Name,
  phone: Nullable(Phone),
  country: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' }),
  province: Nullable(Type.String({ minLength: 1, maxLength: 100 })),
  city: Type.String({ minLength: 1, maxLength: 100 }),
  district: Nullable(Type.String({ minLength: 1, maxLength: 100 })),
  line1: Type.String({ minLength: 1, maxLength: 300 }),
  line2: Nullable(Type.String({ minLength: 1, maxLength: 300 })),
  postalCode: Nullable(Type.String({ minLength: 1, maxLength: 20 })),
  isDefaultShipping: Type.Boolean(),
};

export const AddressSchema = Type.Object(
  { id: Type.String(), ...addressFields, country: Type.String(), createdAt: Timestamp, updatedAt: Timestamp },
  { $id: 'Address' },
);
export type Address = Static<typeof AddressSchema>;

export const CreateAddressBody = Type.Object(
  {
    name: addressFields.name,
    country: addressFields.country,
    city: addressFields.city,
    line1: addressFields.line1,
    phone: Type.Optional(addressFields.phone),
    province: Type.Optional(addressFields.province),
    district: Type.Optional(addressFields.district),
    line2: Type.Optional(addressFields.line2),
    postalCode: Type.Optional(addressFields.postalCode),
    isDefaultShipping: Type.Optional(addressFields.isDefaultShipping),
  },
  { additionalProperties: false },
);
export type CreateAddressBody = Static<typeof CreateAddressBody>;

export const UpdateAddressBody = Type.Partial(CreateAddressBody, { additionalProperties: false, minProperties: 1 });
export type UpdateAddressBody = Static<typeof UpdateAddressBody>;

export const AdminCustomerSchema = Type.Object({
  ...CustomerSchema.properties,
  addresses: Type.Array(Type.Unsafe<Address>(Type.Ref('Address'))),
});

export const CustomerSearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Matches email or name (substring, case-insensitive)' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type CustomerSearchQuery = Static<typeof CustomerSearchQuery>;
