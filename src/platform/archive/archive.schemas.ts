import { type TObject, type TProperties, Type } from 'typebox'
import { Id, Timestamp, TimestampInput, Url } from '../../http/schemas.js'

/** The archived representation of a resource: the live one plus where it is and when it goes. */
export function Archived<T extends TProperties>(live: TObject<T>) {
  return Type.Object({
    ...live.properties,
    deleted_at: Timestamp,
    deleted_by: Type.Union([Id, Type.Null()], { description: 'Who deleted it' }),
    purge_at: Type.Union([Timestamp, Type.Null()], {
      description: 'When it will be purged for good: fixed at deletion',
    }),
    links: Type.Object({ archive: Url }),
    cascaded: Type.Optional(
      Type.Record(Type.String(), Type.Array(Id), {
        description: 'What else this delete archived, by type (restored with it)',
      }),
    ),
  })
}

export const ArchiveItemQuery = {
  deleted_by: Type.Optional(
    Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Deleted by this user' }),
  ),
  deleted_after: Type.Optional(TimestampInput('Deleted after this time')),
  purge_before: Type.Optional(TimestampInput('Purged before this time: what expires soon')),
  ordering: Type.Optional(
    Type.Enum(['purge_at', '-purge_at', 'id', '-id'], {
      default: 'purge_at',
      description: 'Soonest purge first by default',
    }),
  ),
}
