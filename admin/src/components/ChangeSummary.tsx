import { Chip, Stack, Typography } from '@mui/material'
import type { Change } from '../api/changes'
import { UserRef } from './UserRef'

const ACTION_COLOR: Record<
  Change['action'],
  'default' | 'primary' | 'success' | 'warning' | 'error' | 'info'
> = {
  created: 'success',
  updated: 'primary',
  status_changed: 'info',
  deleted: 'warning',
  restored: 'success',
  purged: 'error',
}

export function ActionChip({ action }: { action: Change['action'] }) {
  return <Chip size="small" label={action.replace('_', ' ')} color={ACTION_COLOR[action]} />
}

/** Who did it, when, and the request that did it (the server's log line has the same id). */
export function ChangeSummary({ change }: { change: Change }) {
  return (
    <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
      <Typography variant="body2" component="span" sx={{ fontWeight: 600 }}>
        #{change.sequence}
      </Typography>
      <ActionChip action={change.action} />
      <Typography variant="body2" component="span">
        {new Date(change.time).toLocaleString()} by <UserRef id={change.actor_id} />
      </Typography>
      {change.request_id && (
        <Typography variant="body2" component="span" color="text.secondary">
          request id <code>{change.request_id}</code>
        </Typography>
      )}
      {change.deletion_id && (
        <Typography variant="body2" component="span" color="text.secondary">
          batch <code>{change.deletion_id}</code>
        </Typography>
      )}
    </Stack>
  )
}
