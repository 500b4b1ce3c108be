import { Alert, CircularProgress, List, ListItem, ListItemText, Stack, Typography } from '@mui/material'
import { useQuery } from '@tanstack/react-query'
import { Link, useCreatePath, useDataProvider, useRecordContext } from 'react-admin'
import type { CustodianDataProvider } from '../api/dataProvider'
import { archiveResource, type ResourceSpec } from '../resource-spec'
import { UserRef } from './UserRef'

/** Shown at most; the rest are counted. */
const SHOWN = 200

/**
 * The deletion batch of the archived item in context: everything its delete (or its parent's) archived
 * under one deletion id, which a restore of the batch's first item brings back together.
 */
export function DeletionBatch({ spec, specs }: { spec: ResourceSpec; specs: ResourceSpec[] }) {
  const record = useRecordContext()
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const createPath = useCreatePath()
  const id = record?.id
  const { data, error, isPending } = useQuery({
    queryKey: ['custodian', 'batch', spec.name, id],
    queryFn: () => dataProvider.deletionBatch(spec.name, id as number),
    enabled: id !== undefined,
  })
  if (isPending) return <CircularProgress size={24} aria-label="Loading the deletion batch" />
  if (error) return <Alert severity="error">{error.message}</Alert>
  if (!data) return <Typography variant="body2">The change log has no delete of this item.</Typography>
  const root = data.items[0]
  return (
    <section aria-labelledby="batch-title">
      <Typography id="batch-title" variant="subtitle1" component="h2" sx={{ fontWeight: 600 }}>
        Deleted together ({data.items.length} item{data.items.length === 1 ? '' : 's'})
      </Typography>
      <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
        <Typography variant="body2" component="span">
          {new Date(data.time).toLocaleString()} by <UserRef id={data.actorId} />
        </Typography>
        <Typography variant="body2" component="span" color="text.secondary">
          batch <code>{data.deletionId}</code>
          {data.requestId && (
            <>
              , request id <code>{data.requestId}</code>
            </>
          )}
        </Typography>
      </Stack>
      {root && (root.type !== spec.name || root.id !== id) && (
        <Typography variant="body2" sx={{ mt: 1 }}>
          This item went with the delete of {root.type.replace(/s$/, '')} #{root.id}: restoring that one
          restores the whole batch.
        </Typography>
      )}
      <List dense aria-label="Items of the deletion batch">
        {data.items.slice(0, SHOWN).map((item) => {
          const itemSpec = specs.find((s) => s.name === item.type)
          const name = item.state && itemSpec ? itemSpec.title({ id: item.id, ...item.state }) : `#${item.id}`
          const self = item.type === spec.name && item.id === id
          return (
            <ListItem key={`${item.type}/${item.id}`} disableGutters>
              <ListItemText
                primary={
                  <Link to={createPath({ resource: archiveResource(item.type), id: item.id, type: 'show' })}>
                    {itemSpec?.singular ?? item.type} #{item.id}: {name}
                  </Link>
                }
                secondary={self ? 'this item' : undefined}
              />
            </ListItem>
          )
        })}
      </List>
      {data.items.length > SHOWN && (
        <Typography variant="body2">…and {data.items.length - SHOWN} more.</Typography>
      )}
    </section>
  )
}
