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

/** How often the feed asks for what is new. */
export const POLL_MS = 1500
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

/**
 * The live stream of one type (or all): opens at the end of the log, then asks `GET /events?after=` for
 * what is new every {@link POLL_MS} ms, catching up page by page when more came than a page holds. New
 * changes appear on top, highlighted, and are announced to screen readers.
 */
function FeedStream({ resourceType, paused }: { resourceType: string; paused: boolean }) {
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const [rows, setRows] = useState<Change[] | null>(null)
  const [fresh, setFresh] = useState<Set<number>>(new Set())
  const [open, setOpen] = useState<Set<number>>(new Set())
  const [error, setError] = useState<string | null>(null)
  const [announcement, setAnnouncement] = useState('')
  const cursor = useRef<number | null>(null)

  // The provider's identity may change from one render to the next; the stream must not restart.
  const provider = useRef(dataProvider)
  provider.current = dataProvider

  useEffect(() => {
    if (paused) return
    const controller = new AbortController()
    const { signal } = controller
    let timer: ReturnType<typeof setTimeout> | undefined
    const type = resourceType || undefined
    /** Adds changes on top, once each, newest first. */
    const show = (changes: Change[]) =>
      setRows((current) => {
        const known = new Set((current ?? []).map((c) => c.sequence))
        const added = changes.filter((c) => !known.has(c.sequence)).reverse()
        return [...added, ...(current ?? [])].slice(0, KEPT)
      })
    const tick = async () => {
      try {
        if (cursor.current === null) {
          const end = await provider.current.feedEnd(type)
          const opening = await provider.current.feed(Math.max(0, end - OPENING), type, signal)
          // A stopped stream (paused, or another type chosen) changes nothing.
          if (signal.aborted) return
          cursor.current = opening.results.at(-1)?.sequence ?? end
          setRows([])
          show(opening.results)
        } else {
          const arrived: Change[] = []
          let after = cursor.current
          for (;;) {
            const page = await provider.current.feed(after, type, signal)
            if (signal.aborted) return
            arrived.push(...page.results)
            after = page.results.at(-1)?.sequence ?? after
            if (!page.full) break
          }
          cursor.current = after
          if (arrived.length > 0) {
            show(arrived)
            const sequences = new Set(arrived.map((c) => c.sequence))
            setFresh((current) => new Set([...current, ...sequences]))
            setTimeout(
              () => setFresh((current) => new Set([...current].filter((s) => !sequences.has(s)))),
              FRESH_MS,
            )
            setAnnouncement(`${arrived.length} new change${arrived.length === 1 ? '' : 's'}`)
          }
        }
        setError(null)
      } catch (caught) {
        if (signal.aborted) return
        setError(caught instanceof Error ? caught.message : String(caught))
      }
      if (!signal.aborted) timer = setTimeout(tick, POLL_MS)
    }
    void tick()
    return () => {
      controller.abort()
      clearTimeout(timer)
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
          {error} The feed keeps trying.
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

/** The live change feed (`GET /events`), for one type or all. */
export function feedPage(specs: ResourceSpec[]) {
  return function FeedPage() {
    const [resourceType, setResourceType] = useState(ALL)
    const [paused, setPaused] = useState(false)
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
              {paused ? 'Paused.' : `Live: checks for new changes every ${POLL_MS / 1000} s.`}
            </Typography>
          </Stack>
          <FeedStream
            key={resourceType}
            resourceType={resourceType === ALL ? '' : resourceType}
            paused={paused}
          />
        </CardContent>
      </Card>
    )
  }
}
