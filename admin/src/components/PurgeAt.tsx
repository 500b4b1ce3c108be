import WarningAmberIcon from '@mui/icons-material/WarningAmber'
import { Chip, Stack, Typography } from '@mui/material'
import { type RaRecord, useRecordContext } from 'react-admin'

/** Archived items purged within this many days are highlighted. */
export const SOON_DAYS = 7

const DAY = 86_400_000

export const daysLeft = (purgeAt: string) => (Date.parse(purgeAt) - Date.now()) / DAY

export const purgesSoon = (record: RaRecord | undefined) =>
  typeof record?.purge_at === 'string' && daysLeft(record.purge_at) <= SOON_DAYS

/** A row of the archive: highlighted when it is purged soon (the chip says it in words too). */
export const soonRowSx = (record: RaRecord) =>
  purgesSoon(record) ? { backgroundColor: '#fdecea', '&:hover': { backgroundColor: '#fbdcd8' } } : {}

function inWords(days: number) {
  if (days <= 0) return 'purge due now'
  if (days < 1) return `purged within ${Math.max(1, Math.ceil(days * 24))} h`
  const whole = Math.ceil(days)
  return `purged in ${whole} day${whole === 1 ? '' : 's'}`
}

/** When an archived item is purged, with how long is left; within {@link SOON_DAYS} days, a warning. */
export function PurgeAtField({
  source = 'purge_at',
}: {
  source?: string
  label?: string
  sortable?: boolean
}) {
  const record = useRecordContext()
  const value = record?.[source]
  if (typeof value !== 'string') return null
  const days = daysLeft(value)
  return (
    <Stack direction="row" spacing={1} component="span" sx={{ alignItems: 'center' }}>
      <Typography component="span" variant="body2">
        {new Date(value).toLocaleString()}
      </Typography>
      {days <= SOON_DAYS ? (
        <Chip size="small" color="error" icon={<WarningAmberIcon />} label={inWords(days)} />
      ) : (
        <Typography component="span" variant="body2" color="text.secondary">
          ({inWords(days)})
        </Typography>
      )}
    </Stack>
  )
}
