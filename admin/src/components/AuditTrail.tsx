import { Alert, Box, CircularProgress, Stack, Typography } from '@mui/material'
import { useQuery } from '@tanstack/react-query'
import { useDataProvider, useRecordContext } from 'react-admin'
import type { CustodianDataProvider } from '../api/dataProvider'
import { ChangeDiff } from './ChangeDiff'
import { ChangeSummary } from './ChangeSummary'

/**
 * The audit trail of the item in context, newest first, each change with its diff: from
 * `GET /{type}/{id}/events` for a live item, from the admins' feed filtered to it for an archived one.
 */
export function AuditTrail({ type, archived }: { type: string; archived: boolean }) {
  const record = useRecordContext()
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const id = record?.id
  const { data, error, isPending } = useQuery({
    queryKey: ['custodian', 'trail', type, id, archived],
    queryFn: () => dataProvider.trail(type, id as number, archived),
    enabled: id !== undefined,
  })
  if (isPending) return <CircularProgress size={24} aria-label="Loading the audit trail" />
  if (error) return <Alert severity="error">{error.message}</Alert>
  if (data.length === 0) return <Typography>No change recorded.</Typography>
  return (
    // A list holds list items only: the rule between changes is a border, not an <hr> (axe: list).
    <Stack spacing={2} component="ol" sx={{ listStyle: 'none', p: 0, m: 0 }}>
      {[...data].reverse().map((change) => (
        <Box
          component="li"
          key={change.sequence}
          sx={{ '& + &': { borderTop: 1, borderColor: 'divider', pt: 2 } }}
        >
          <ChangeSummary change={change} />
          <Box sx={{ mt: 1 }}>
            <ChangeDiff change={change} />
          </Box>
        </Box>
      ))}
    </Stack>
  )
}
