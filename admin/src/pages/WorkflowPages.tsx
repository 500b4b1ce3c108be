import BarChartIcon from '@mui/icons-material/BarChart'
import MoveUpIcon from '@mui/icons-material/MoveUp'
import ViewKanbanIcon from '@mui/icons-material/ViewKanban'
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Chip,
  Menu,
  MenuItem,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material'
import { useQuery } from '@tanstack/react-query'
import { type ReactNode, useEffect, useId, useRef, useState } from 'react'
import {
  Link,
  type RaRecord,
  Title,
  useCreatePath,
  useDataProvider,
  useGetList,
  useNotify,
  useRefresh,
} from 'react-admin'
import type { CustodianDataProvider, WorkflowStats } from '../api/dataProvider'
import type { PageSpec, ResourceSpec, WorkflowSpec } from '../resource-spec'

/** Read by screen readers, not shown. */
const visuallyHidden = {
  position: 'absolute',
  width: '1px',
  height: '1px',
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
} as const

/** Cards per column: the most recently moved ones; the list page has the rest. */
export const COLUMN_SIZE = 50

/** "screening" → "Screening". */
export const statusLabel = (status: string) => status.charAt(0).toUpperCase() + status.slice(1)

/** The board and the status chart of a workflow resource, as its own pages (`spec.pages`). */
export function workflowPages(spec: ResourceSpec): PageSpec[] {
  if (!spec.workflow) throw new Error(`${spec.name} has no workflow`)
  return [
    {
      path: `${spec.name}-board`,
      label: `${spec.label} board`,
      icon: ViewKanbanIcon,
      element: <WorkflowBoard spec={spec} workflow={spec.workflow} />,
    },
    {
      path: `${spec.name}-stats`,
      label: `${spec.label} chart`,
      icon: BarChartIcon,
      element: <StatusChart spec={spec} workflow={spec.workflow} />,
    },
  ]
}

interface BoardProps {
  spec: ResourceSpec
  workflow: WorkflowSpec
}

/**
 * The board: a column per status (the API's order), each the items at that status
 * (`GET /{type}?status=`), most recently moved first. "Move to…" on a card (a button and a menu, so the
 * keyboard does it) moves the item: the API judges the move; a refusal (`409 invalid_transition`) is
 * said in words with the moves it allows and the request id. The console keeps no copy of the rules.
 */
function WorkflowBoard({ spec, workflow }: BoardProps) {
  /** The card to give the focus to once it shows in its new column. */
  const [focus, setFocus] = useState<RaRecord['id'] | null>(null)
  return (
    <Card sx={{ mt: 2 }}>
      <Title title={`${spec.label} board`} />
      <CardContent>
        <Typography variant="h5" component="h1" gutterBottom>
          {spec.label} board
        </Typography>
        <Typography variant="body2" sx={{ mb: 2 }}>
          Each column holds the {spec.label.toLowerCase()} at one status, most recently moved first. “Move
          to…” asks the API to move one; it refuses a move the workflow does not allow and says which are.
        </Typography>
        <Box
          sx={{
            display: 'grid',
            gap: 1.5,
            gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))',
            alignItems: 'start',
          }}
        >
          {workflow.statuses.map((status) => (
            <BoardColumn
              key={status}
              spec={spec}
              workflow={workflow}
              status={status}
              focus={focus}
              onMoved={setFocus}
            />
          ))}
        </Box>
      </CardContent>
    </Card>
  )
}

function BoardColumn({
  spec,
  workflow,
  status,
  focus,
  onMoved,
}: BoardProps & { status: string; focus: RaRecord['id'] | null; onMoved: (id: RaRecord['id']) => void }) {
  const headingId = useId()
  const createPath = useCreatePath()
  const { data, total, isPending, error } = useGetList(spec.name, {
    filter: { [workflow.field]: [status] },
    pagination: { page: 1, perPage: COLUMN_SIZE },
    sort: { field: 'status_changed_at', order: 'DESC' },
  })
  const listPath = `${createPath({ resource: spec.name, type: 'list' })}?filter=${encodeURIComponent(
    JSON.stringify({ [workflow.field]: [status] }),
  )}`
  return (
    <Paper
      component="section"
      variant="outlined"
      aria-labelledby={headingId}
      data-status={status}
      sx={{ p: 1, backgroundColor: 'grey.50' }}
    >
      <Typography id={headingId} variant="subtitle1" component="h2" sx={{ fontWeight: 600, px: 0.5 }}>
        {statusLabel(status)}{' '}
        <Chip size="small" label={isPending ? '…' : (total ?? data?.length ?? 0)} component="span" />
      </Typography>
      {error ? (
        <Alert severity="error">{error.message}</Alert>
      ) : isPending ? (
        <Typography variant="body2" sx={{ p: 0.5 }}>
          Loading…
        </Typography>
      ) : data.length === 0 ? (
        <Typography variant="body2" color="text.secondary" sx={{ p: 0.5 }}>
          None.
        </Typography>
      ) : (
        <Stack component="ul" spacing={1} sx={{ listStyle: 'none', p: 0, m: 0, mt: 1 }}>
          {data.map((record) => (
            <BoardCard
              key={record.id}
              spec={spec}
              workflow={workflow}
              record={record}
              status={status}
              focused={focus === record.id}
              onMoved={onMoved}
            />
          ))}
        </Stack>
      )}
      {total !== undefined && total > (data?.length ?? 0) ? (
        <Typography variant="body2" sx={{ p: 0.5 }}>
          <Link to={listPath}>
            All {total} {statusLabel(status).toLowerCase()}
          </Link>
        </Typography>
      ) : null}
    </Paper>
  )
}

function BoardCard({
  spec,
  workflow,
  record,
  status,
  focused,
  onMoved,
}: BoardProps & {
  record: RaRecord
  status: string
  focused: boolean
  onMoved: (id: RaRecord['id']) => void
}) {
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const notify = useNotify()
  const refresh = useRefresh()
  const createPath = useCreatePath()
  const button = useRef<HTMLButtonElement>(null)
  const [anchor, setAnchor] = useState<HTMLElement | null>(null)
  const [moving, setMoving] = useState(false)
  const title = spec.title(record)
  const menuId = useId()

  // After a move, the card in its new column takes the focus: the keyboard stays where the work is.
  useEffect(() => {
    if (focused) button.current?.focus()
  }, [focused])

  const move = async (to: string) => {
    setAnchor(null)
    setMoving(true)
    try {
      await dataProvider.move(spec.name, record.id, status, to)
      notify(`${spec.singular} ${title} moved from ${status} to ${to}`, { type: 'success' })
      onMoved(record.id)
    } catch (error) {
      notify(error instanceof Error ? error.message : String(error), { type: 'error' })
      button.current?.focus()
    } finally {
      setMoving(false)
      refresh()
    }
  }

  const subtitle = workflow.subtitle?.(record)
  const since = record.status_changed_at ? new Date(String(record.status_changed_at)) : null
  return (
    <Paper component="li" variant="outlined" data-id={record.id} sx={{ p: 1 }}>
      <Typography variant="body2" sx={{ fontWeight: 600 }}>
        <Link to={createPath({ resource: spec.name, id: record.id, type: 'show' })}>{title}</Link>
      </Typography>
      {subtitle ? <Typography variant="body2">{subtitle}</Typography> : null}
      {since ? (
        <Typography variant="caption" color="text.secondary" component="p">
          {statusLabel(status)} since {since.toLocaleDateString()}
        </Typography>
      ) : null}
      <Button
        ref={button}
        size="small"
        startIcon={<MoveUpIcon />}
        aria-haspopup="menu"
        aria-controls={anchor ? menuId : undefined}
        aria-expanded={anchor ? true : undefined}
        disabled={moving}
        onClick={(event) => setAnchor(event.currentTarget)}
        sx={{ mt: 0.5 }}
      >
        {moving ? 'Moving…' : 'Move to…'}
        {/* The name says which card: "Move to… (application Platform engineer at Globex, saved)". */}
        <Box component="span" sx={visuallyHidden}>
          {` (${spec.singular.toLowerCase()} ${title}, ${status})`}
        </Box>
      </Button>
      <Menu id={menuId} anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)}>
        {workflow.statuses
          .filter((s) => s !== status)
          .map((s) => (
            <MenuItem key={s} onClick={() => void move(s)}>
              {statusLabel(s)}
            </MenuItem>
          ))}
      </Menu>
    </Paper>
  )
}

const percent = (share: number) => `${(share * 100).toFixed(share === 0 || share === 1 ? 0 : 1)} %`

/** A bar for a table row: decoration only, the row's text says the same (screen readers skip it). */
function Bar({ share }: { share: number }) {
  return (
    <Box aria-hidden sx={{ width: '100%', minWidth: 120, height: 14, backgroundColor: 'grey.200' }}>
      <Box
        sx={{
          width: `${Math.max(0, Math.min(1, share)) * 100}%`,
          height: '100%',
          backgroundColor: 'primary.main',
        }}
      />
    </Box>
  )
}

function Share({ share }: { share: number }) {
  return (
    <Box component="span" sx={{ whiteSpace: 'nowrap', minWidth: 56, textAlign: 'right' }}>
      {percent(share)}
    </Box>
  )
}

function ChartTable({ caption, head, children }: { caption: string; head: string[]; children: ReactNode }) {
  return (
    <Table size="small" sx={{ mb: 3, maxWidth: 900, captionSide: 'top' }}>
      <caption style={{ captionSide: 'top', textAlign: 'left', fontWeight: 600, padding: '8px 0' }}>
        {caption}
      </caption>
      <TableHead>
        <TableRow>
          {head.map((h) => (
            <TableCell key={h} component="th" scope="col">
              {h}
            </TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>{children}</TableBody>
    </Table>
  )
}

/**
 * The status chart (`GET /{type}/stats`): counts by status and the funnel, as bars that are cells of a
 * table of the values (the table is the chart's text alternative, not a copy of it), then the median
 * days of each step and the monthly figures. MUI only: no chart library.
 */
function StatusChart({ spec, workflow }: BoardProps) {
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const { data, error, isPending } = useQuery<WorkflowStats, Error>({
    queryKey: ['custodian', 'stats', spec.name],
    queryFn: () => dataProvider.stats(spec.name),
  })
  const label = spec.label.toLowerCase()
  return (
    <Card sx={{ mt: 2 }}>
      <Title title={`${spec.label} by status`} />
      <CardContent>
        <Typography variant="h5" component="h1" gutterBottom>
          {spec.label} by status
        </Typography>
        {error ? (
          <Alert severity="error">{error.message}</Alert>
        ) : isPending ? (
          <Typography>Counting…</Typography>
        ) : (
          <>
            <Typography sx={{ mb: 1 }}>
              {data.total} live {label} (archived ones are not counted).{' '}
              <Link to={`/${spec.name}-board`}>Open the board</Link>.
            </Typography>
            <ChartTable caption={`${spec.label} at each status now`} head={['Status', 'Count', 'Share']}>
              {workflow.statuses.map((status) => {
                const count = data.by_status[status] ?? 0
                const share = data.total > 0 ? count / data.total : 0
                return (
                  <TableRow key={status} data-status={status}>
                    <TableCell component="th" scope="row">
                      {statusLabel(status)}
                    </TableCell>
                    <TableCell align="right">{count}</TableCell>
                    <TableCell sx={{ width: '50%' }}>
                      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
                        <Bar share={share} />
                        <Share share={share} />
                      </Stack>
                    </TableCell>
                  </TableRow>
                )
              })}
            </ChartTable>
            <ChartTable
              caption={`Funnel: ${label} that reached each stage of the main path or a later one`}
              head={['Stage', 'Reached', 'Share of all']}
            >
              {data.funnel.map((stage) => (
                <TableRow key={stage.status} data-stage={stage.status}>
                  <TableCell component="th" scope="row">
                    {statusLabel(stage.status)}
                  </TableCell>
                  <TableCell align="right">{stage.reached}</TableCell>
                  <TableCell sx={{ width: '50%' }}>
                    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
                      <Bar share={stage.share} />
                      <Share share={stage.share} />
                    </Stack>
                  </TableCell>
                </TableRow>
              ))}
            </ChartTable>
            <ChartTable
              caption="Median days of each step of the main path"
              head={['Step', 'Moves', 'Median days']}
            >
              {data.median_days.map((step) => (
                <TableRow key={`${step.from}-${step.to}`}>
                  <TableCell component="th" scope="row">
                    {statusLabel(step.from)} → {statusLabel(step.to)}
                  </TableCell>
                  <TableCell align="right">{step.moves}</TableCell>
                  <TableCell align="right">{step.median_days ?? '—'}</TableCell>
                </TableRow>
              ))}
            </ChartTable>
            {data.monthly.length > 0 && (
              <ChartTable
                caption="By month (UTC): created, and ended at each final status"
                head={['Month', 'Created', ...Object.keys(data.monthly[0]?.ended ?? {}).map(statusLabel)]}
              >
                {data.monthly.map((month) => (
                  <TableRow key={month.month}>
                    <TableCell component="th" scope="row">
                      {month.month}
                    </TableCell>
                    <TableCell align="right">{month.created}</TableCell>
                    {Object.entries(month.ended).map(([status, count]) => (
                      <TableCell key={status} align="right">
                        {count}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </ChartTable>
            )}
          </>
        )}
      </CardContent>
    </Card>
  )
}
