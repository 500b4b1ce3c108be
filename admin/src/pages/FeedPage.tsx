import ExpandLessIcon from '@mui/icons-material/ExpandLess'
import ExpandMoreIcon from '@mui/icons-material/ExpandMore'
import PauseIcon from '@mui/icons-material/Pause'
import PlayArrowIcon from '@mui/icons-material/PlayArrow'
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  FormControl,
  IconButton,
  InputLabel,
  MenuItem,
  Select,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material'
import { Fragment, useEffect, useRef, useState } from 'react'
import { Link, Title, useCreatePath, useDataProvider } from 'react-admin'
import type { Change } from '../api/changes'
import type { CustodianDataProvider } from '../api/dataProvider'
import { ChangeDiff } from '../components/ChangeDiff'
import { ActionChip } from '../components/ChangeSummary'
import { UserRef } from '../components/UserRef'
import { archiveResource, type ResourceSpec } from '../resource-spec'

/** The feed opens with the changes among the last this many sequence numbers. */
const OPENING = 50
/** Rows kept on the page; older ones drop off the bottom. */
const KEPT = 500
/** How long a new row stays highlighted. */
const FRESH_MS = 4000

/** Where a change's item is now: its page, its archive entry, or nowhere once purged. */
function ItemLink({ change }: { change: Change }) {
  const createPath = useCreatePath()
  const label = `${change.resource_type.replace(/s$/, '')} #${change.resource_id}`
  if (change.action === 'purged') return <span>{label}</span>
  const resource = change.action === 'deleted' ? archiveResource(change.resource_type) : change.resource_type
  return <Link to={createPath({ resource, id: change.resource_id, type: 'show' })}>{label}</Link>
}

type Connection = 'opening' | 'live' | 'reconnecting'

/**
 * The live stream of one type (or all): opens at the end of the log (the changes among the last
 * {@link OPENING} sequence numbers), then follows `GET /events/stream` (Server-Sent Events), which sends
 * each change as it commits. A cut connection is resumed with `Last-Event-ID`, the last change shown,
 * and so is a paused feed when it resumes: nothing is missed or shown twice. New changes appear on top,
 * highlighted, and are announced to screen readers.
 */
function FeedStream({
  resourceType,
  paused,
  onConnection,
}: {
  resourceType: string
  paused: boolean
  onConnection: (connection: Connection) => void
}) {
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const [rows, setRows] = useState<Change[] | null>(null)
  const [fresh, setFresh] = useState<Set<number>>(new Set())
  const [open, setOpen] = useState<Set<number>>(new Set())
  const [error, setError] = useState<string | null>(null)
  const [announcement, setAnnouncement] = useState('')
  /** The last sequence shown: where a reconnection resumes. */
  const cursor = useRef<number | null>(null)
  /** The end of the log when the feed opened: what came before is not new. */
  const opened = useRef(0)

  // The provider's identity may change from one render to the next; the stream must not restart.
  const provider = useRef(dataProvider)
  provider.current = dataProvider
  const connection = useRef(onConnection)
  connection.current = onConnection

  useEffect(() => {
    if (paused) return
    const controller = new AbortController()
    const { signal } = controller
    const type = resourceType || undefined
    const timers = new Set<ReturnType<typeof setTimeout>>()
    /** Adds changes on top, once each, newest first. */
    const show = (changes: Change[]) =>
      setRows((current) => {
        const known = new Set((current ?? []).map((c) => c.sequence))
        const added = changes.filter((c) => !known.has(c.sequence)).reverse()
        return [...added, ...(current ?? [])].slice(0, KEPT)
      })
    const arrived = (changes: Change[]) => {
      const last = changes.at(-1)
      if (last) cursor.current = Math.max(cursor.current ?? 0, last.sequence)
      show(changes)
      const news = changes.filter((c) => c.sequence > opened.current)
      if (news.length === 0) return
      const sequences = new Set(news.map((c) => c.sequence))
      setFresh((current) => new Set([...current, ...sequences]))
      const timer = setTimeout(() => {
        timers.delete(timer)
        setFresh((current) => new Set([...current].filter((s) => !sequences.has(s))))
      }, FRESH_MS)
      timers.add(timer)
      setAnnouncement(`${news.length} new change${news.length === 1 ? '' : 's'}`)
    }
    const run = async () => {
      try {
        if (cursor.current === null) {
          connection.current('opening')
          const end = await provider.current.feedEnd(type)
          // A stopped stream (paused, or another type chosen) changes nothing.
          if (signal.aborted) return
          opened.current = end
          cursor.current = Math.max(0, end - OPENING)
          setRows([])
        }
        await provider.current.follow({
          after: cursor.current,
          resourceType: type,
          signal,
          onOpen: () => {
            connection.current('live')
            setError(null)
          },
          onChanges: arrived,
          onInterrupted: (cause, retryMs) => {
            connection.current('reconnecting')
            setError(`${cause.message} Reconnecting in ${Math.round(retryMs / 100) / 10} s…`)
          },
        })
      } catch (caught) {
        if (signal.aborted) return
        setError(caught instanceof Error ? caught.message : String(caught))
      }
    }
    void run()
    return () => {
      controller.abort()
      for (const timer of timers) clearTimeout(timer)
    }
  }, [resourceType, paused])

  const toggle = (sequence: number) =>
    setOpen((current) => {
      const next = new Set(current)
      if (next.has(sequence)) next.delete(sequence)
      else next.add(sequence)
      return next
    })

  return (
    <>
      <Box aria-live="polite" role="status" sx={{ position: 'absolute', left: -10000 }}>
        {announcement}
      </Box>
      {error && (
        <Alert severity="error" sx={{ mb: 1 }}>
          {error}
        </Alert>
      )}
      {rows === null ? (
        <Typography>Opening the feed…</Typography>
      ) : rows.length === 0 ? (
        <Typography>No change yet. New ones appear here as they happen.</Typography>
      ) : (
        <Table size="small" aria-label="Changes, newest first">
          <TableHead>
            <TableRow>
              <TableCell scope="col" component="th">
                Fields
              </TableCell>
              <TableCell scope="col" component="th">
                Sequence
              </TableCell>
              <TableCell scope="col" component="th">
                Time
              </TableCell>
              <TableCell scope="col" component="th">
                Action
              </TableCell>
              <TableCell scope="col" component="th">
                Item
              </TableCell>
              <TableCell scope="col" component="th">
                By
              </TableCell>
              <TableCell scope="col" component="th">
                Request id
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((change) => (
              <Fragment key={change.sequence}>
                <TableRow
                  data-sequence={change.sequence}
                  sx={fresh.has(change.sequence) ? { backgroundColor: '#fff4d6', transition: 'none' } : {}}
                >
                  <TableCell padding="checkbox">
                    <IconButton
                      size="small"
                      aria-expanded={open.has(change.sequence)}
                      aria-label={`${open.has(change.sequence) ? 'Hide' : 'Show'} the fields of change ${change.sequence}`}
                      onClick={() => toggle(change.sequence)}
                    >
                      {open.has(change.sequence) ? <ExpandLessIcon /> : <ExpandMoreIcon />}
                    </IconButton>
                  </TableCell>
                  <TableCell>{change.sequence}</TableCell>
                  <TableCell>{new Date(change.time).toLocaleString()}</TableCell>
                  <TableCell>
                    <ActionChip action={change.action} />
                  </TableCell>
                  <TableCell>
                    <ItemLink change={change} />
                  </TableCell>
                  <TableCell>
                    <UserRef id={change.actor_id} />
                  </TableCell>
                  <TableCell>
                    <code>{change.request_id ?? '—'}</code>
                  </TableCell>
                </TableRow>
                {open.has(change.sequence) && (
                  <TableRow>
                    <TableCell colSpan={7}>
                      <ChangeDiff change={change} />
                    </TableCell>
                  </TableRow>
                )}
              </Fragment>
            ))}
          </TableBody>
        </Table>
      )}
    </>
  )
}

const ALL = 'all'

const CONNECTION_TEXT: Record<Connection, string> = {
  opening: 'Opening the feed…',
  live: 'Live: changes arrive as they happen (Server-Sent Events).',
  reconnecting: 'Connection lost: reconnecting, resuming after the last change shown.',
}

/** The live change feed (`GET /events/stream`), for one type or all. */
export function feedPage(specs: ResourceSpec[]) {
  return function FeedPage() {
    const [resourceType, setResourceType] = useState(ALL)
    const [paused, setPaused] = useState(false)
    const [connection, setConnection] = useState<Connection>('opening')
    return (
      <Card sx={{ mt: 2 }}>
        <Title title="Live changes" />
        <CardContent>
          <Stack direction="row" spacing={2} sx={{ alignItems: 'center', mb: 2 }}>
            <FormControl size="small" sx={{ width: 220, flexShrink: 0 }}>
              <InputLabel id="feed-type-label">Resource type</InputLabel>
              <Select
                labelId="feed-type-label"
                label="Resource type"
                value={resourceType}
                onChange={(event) => setResourceType(event.target.value)}
              >
                <MenuItem value={ALL}>All</MenuItem>
                {specs.map((spec) => (
                  <MenuItem key={spec.name} value={spec.name}>
                    {spec.label}
                  </MenuItem>
                ))}
              </Select>
            </FormControl>
            <Button
              variant="outlined"
              startIcon={paused ? <PlayArrowIcon /> : <PauseIcon />}
              onClick={() => setPaused((p) => !p)}
            >
              {paused ? 'Resume' : 'Pause'}
            </Button>
            <Typography variant="body2" color="text.secondary">
              {paused
                ? 'Paused: resuming catches up on what happened meanwhile.'
                : CONNECTION_TEXT[connection]}
            </Typography>
          </Stack>
          <FeedStream
            key={resourceType}
            resourceType={resourceType === ALL ? '' : resourceType}
            paused={paused}
            onConnection={setConnection}
          />
        </CardContent>
      </Card>
    )
  }
}
