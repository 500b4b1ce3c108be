import { type Static, Type } from 'typebox'
import {
  CountryCode,
  Email,
  IdAndCreationFilters,
  Identity,
  Page,
  PageQuery,
  Text,
  Timestamps,
} from '../../http/schemas.js'
import { ROLES } from '../../platform/auth/actor.js'

const Name = Text({ minLength: 1, maxLength: 150 })
const Address = Text({ maxLength: 500, description: 'Free text; may be empty' })
/** Also what `custodian create-admin` accepts. */
export const PASSWORD_LENGTH = { min: 8, max: 256 } as const
const Password = Type.String({
  minLength: PASSWORD_LENGTH.min,
  maxLength: PASSWORD_LENGTH.max,
  writeOnly: true,
  description: 'Write-only: never returned, logged or stored in clear',
})
export const Role = Type.Enum(ROLES)

export const UserSchema = Type.Object(
  {
    ...Identity,
    email: Email,
    first_name: Type.String(),
    last_name: Type.String(),
    address: Type.String(),
    country: Type.Union([CountryCode, Type.Null()], { description: 'Where the user signed up from' }),
    role: Role,
    ...Timestamps,
  },
  { $id: 'User' },
)
export type User = Static<typeof UserSchema>

export const CreateUserBody = Type.Object(
  {
    email: Email,
    password: Password,
    first_name: Name,
    last_name: Name,
    address: Type.Optional(Address),
    role: Type.Optional(Type.Enum(ROLES, { description: 'Admins only' })),
  },
  { additionalProperties: false },
)
export type CreateUser = Static<typeof CreateUserBody>

/** PUT replaces the writable fields; the password is optional (sent = changed), address defaults to "". */
export const ReplaceUserBody = Type.Object(
  {
    ...CreateUserBody.properties,
    password: Type.Optional(Password),
    role: Type.Optional(Type.Enum(ROLES, { description: 'Only admins may change it' })),
  },
  { additionalProperties: false },
)
export type ReplaceUser = Static<typeof ReplaceUserBody>

/** PATCH is a JSON merge patch (RFC 7396) of the same fields: absent = unchanged; null clears the address. */
export const UpdateUserBody = Type.Object(
  {
    ...Type.Partial(ReplaceUserBody).properties,
    address: Type.Optional(Type.Union([Address, Type.Null()])),
  },
  { additionalProperties: false },
)
export type UpdateUser = Static<typeof UpdateUserBody>

export const USER_ORDERINGS = ['id', 'last_name', 'email', 'created_at'] as const
const Orderings = USER_ORDERINGS.flatMap((o) => [o, `-${o}`])

export const ListUsersQuery = Type.Object({
  ...PageQuery,
  first_name: Type.Optional(Text({ maxLength: 150, description: 'Exact match' })),
  last_name: Type.Optional(Text({ maxLength: 150, description: 'Exact match' })),
  email: Type.Optional(Text({ maxLength: 254, description: 'Exact match, case-insensitive' })),
  search: Type.Optional(
    Text({
      minLength: 3,
      maxLength: 100,
      description: 'Case-insensitive fragment of last name or email, at least 3 characters (trigram-indexed)',
    }),
  ),
  country: Type.Optional(CountryCode),
  ...IdAndCreationFilters,
  ordering: Type.Optional(Type.Enum(Orderings, { default: 'id', description: '`-` for descending' })),
})
export type ListUsers = Static<typeof ListUsersQuery>

/**
 * Routes answer with these references, never with UserSchema itself: a schema whose $id is also used
 * inline makes Fastify's serializer lose the shared copy. In OpenAPI it is `#/components/schemas/User`.
 */
export const UserRef = Type.Ref('User')
export const UserPage = Page(UserRef)
