import { Typography } from '@mui/material'
import type { MouseEvent } from 'react'
import { Link, useCreatePath, useGetManyAggregate, useRecordContext } from 'react-admin'
import { MISSING, type Missing } from '../api/dataProvider'

const stop = (event: MouseEvent) => event.stopPropagation()

/**
 * A user named by id (an owner, who deleted, who made a change): their email, linked to their page, or
 * to their archive entry when they are archived; a purged user is only an id. The reads of one page are
 * batched (`getMany`).
 */
export function UserRef({ id }: { id: number | null | undefined }) {
  const createPath = useCreatePath()
  const { data, isPending } = useGetManyAggregate('users', { ids: id == null ? [] : [id] })
  if (id == null) return <span>the system</span>
  const user = data?.[0]
  if (isPending || !user) return <span>user #{id}</span>
  const missing = user[MISSING] as Missing | undefined
  if (missing === 'archived')
    return (
      <Link to={createPath({ resource: 'archive-users', id, type: 'show' })} onClick={stop}>
        user #{id} (archived)
      </Link>
    )
  if (missing)
    return (
      <span>
        user #{id} ({missing === 'purged' ? 'purged' : 'unknown'})
      </span>
    )
  return (
    <Link to={createPath({ resource: 'users', id, type: 'show' })} onClick={stop}>
      {String(user.email)}
    </Link>
  )
}

/** {@link UserRef} of the record's `source` field, for lists and item pages. */
export function UserRefField({ source }: { source: string; label?: string; sortable?: boolean }) {
  const record = useRecordContext()
  if (!record) return null
  return (
    <Typography component="span" variant="body2">
      <UserRef id={record[source] as number | null} />
    </Typography>
  )
}
