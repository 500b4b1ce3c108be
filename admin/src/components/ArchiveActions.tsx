import DeleteIcon from '@mui/icons-material/Delete'
import DeleteForeverIcon from '@mui/icons-material/DeleteForever'
import RestoreIcon from '@mui/icons-material/RestoreFromTrash'
import {
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Button as MuiButton,
  TextField,
} from '@mui/material'
import { type MouseEvent, useId, useState } from 'react'
import {
  Button,
  Confirm,
  useDataProvider,
  useListContext,
  useNotify,
  useRecordContext,
  useRedirect,
  useRefresh,
  useUnselectAll,
} from 'react-admin'
import type { CustodianDataProvider } from '../api/dataProvider'
import { archiveResource, type ResourceSpec } from '../resource-spec'

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** "1 document", "3 documents". */
const count = (n: number, spec: ResourceSpec) =>
  `${n} ${(n === 1 ? spec.singular : spec.label).toLowerCase()}`

/** What else a delete archived, in words: "2 documents (#4, #5)". */
export function cascadeInWords(cascaded: Record<string, number[]> | undefined): string {
  const parts = Object.entries(cascaded ?? {})
    .filter(([, ids]) => ids.length > 0)
    .map(
      ([type, ids]) =>
        `${ids.length} ${ids.length === 1 ? type.replace(/s$/, '') : type} (#${ids.join(', #')})`,
    )
  return parts.join(' and ')
}

/**
 * Delete (archive) the live item in context, after a confirmation, for the version shown (`If-Match`).
 * The notice says what else went with it; the page goes to its archive entry. (The archive buttons call
 * the data provider and then refresh, rather than react-admin's useDelete: its callbacks are dropped
 * when the row that held the button is gone, and the notice with them.)
 */
export function ArchiveButton({ spec }: { spec: ResourceSpec }) {
  const record = useRecordContext()
  const [open, setOpen] = useState(false)
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const notify = useNotify()
  const redirect = useRedirect()
  const [isPending, setPending] = useState(false)
  if (!record) return null
  const confirm = async () => {
    setPending(true)
    try {
      const { data: archived } = await dataProvider.delete(spec.name, { id: record.id, previousData: record })
      const also = cascadeInWords(archived.cascaded as Record<string, number[]> | undefined)
      const until = archived.purge_at ? new Date(String(archived.purge_at)).toLocaleString() : 'its purge'
      notify(
        `${spec.singular} #${record.id} archived${also ? `, with ${also} in the same batch` : ''}. ` +
          `It can be restored until ${until}.`,
        { type: 'success' },
      )
      redirect('show', archiveResource(spec.name), record.id)
    } catch (error) {
      notify(messageOf(error), { type: 'error' })
    } finally {
      setPending(false)
      setOpen(false)
    }
  }
  return (
    <>
      <Button label="Delete" color="error" onClick={() => setOpen(true)} disabled={isPending}>
        <DeleteIcon />
      </Button>
      <Confirm
        isOpen={open}
        loading={isPending}
        title={`Delete ${spec.singular.toLowerCase()} ${spec.title(record)}?`}
        content={
          spec.archiveNote ??
          'It goes to the archive, where it can be restored until its retention ends; then it is purged.'
        }
        confirm="Delete"
        onConfirm={confirm}
        onClose={() => setOpen(false)}
      />
    </>
  )
}

/** Restore the archived item in context, and the batch its delete archived (`POST /{type}/{id}/deleted`). */
export function RestoreButton({ spec, goToItem = false }: { spec: ResourceSpec; goToItem?: boolean }) {
  const record = useRecordContext()
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const notify = useNotify()
  const refresh = useRefresh()
  const redirect = useRedirect()
  const [pending, setPending] = useState(false)
  if (!record) return null
  const restore = async (event: MouseEvent) => {
    event.stopPropagation()
    setPending(true)
    try {
      await dataProvider.restore(spec.name, record.id)
      notify(`${spec.singular} #${record.id} restored, with what was deleted together with it.`, {
        type: 'success',
      })
      if (goToItem) redirect('show', spec.name, record.id)
      else refresh()
    } catch (error) {
      notify(messageOf(error), { type: 'error' })
    } finally {
      setPending(false)
    }
  }
  return (
    <Button label="Restore" onClick={restore} disabled={pending}>
      <RestoreIcon />
    </Button>
  )
}

/**
 * The confirmation of a purge, which cannot be undone: the operator types `expected` (the id, or the
 * word for several items) before the button works.
 */
export function PurgeDialog(props: {
  open: boolean
  title: string
  warning: string
  expected: string
  pending: boolean
  onConfirm: () => void
  onClose: () => void
}) {
  const [typed, setTyped] = useState('')
  const id = useId()
  const matches = typed.trim() === props.expected
  const close = () => {
    setTyped('')
    props.onClose()
  }
  return (
    <Dialog open={props.open} onClose={close} aria-labelledby={`${id}-title`} aria-describedby={`${id}-text`}>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          if (matches) props.onConfirm()
        }}
      >
        <DialogTitle id={`${id}-title`}>{props.title}</DialogTitle>
        <DialogContent>
          <DialogContentText id={`${id}-text`}>{props.warning} This cannot be undone.</DialogContentText>
          <TextField
            autoFocus
            fullWidth
            margin="normal"
            label={`Type ${props.expected} to confirm`}
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            slotProps={{ htmlInput: { autoComplete: 'off', spellCheck: false } }}
          />
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={close}>Cancel</MuiButton>
          <MuiButton type="submit" color="error" variant="contained" disabled={!matches || props.pending}>
            Purge now
          </MuiButton>
        </DialogActions>
      </form>
    </Dialog>
  )
}

/** Purge the archived item in context now (`DELETE /{type}/{id}/deleted`), after typing its id. */
export function PurgeButton({ spec, goToList = false }: { spec: ResourceSpec; goToList?: boolean }) {
  const record = useRecordContext()
  const [open, setOpen] = useState(false)
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const notify = useNotify()
  const redirect = useRedirect()
  const refresh = useRefresh()
  const [isPending, setPending] = useState(false)
  if (!record) return null
  const resource = archiveResource(spec.name)
  const confirm = async () => {
    setPending(true)
    try {
      await dataProvider.delete(resource, { id: record.id, previousData: record })
      notify(`${spec.singular} #${record.id} purged.`, { type: 'success' })
      if (goToList) redirect('list', resource)
      else refresh()
    } catch (error) {
      notify(messageOf(error), { type: 'error' })
    } finally {
      setPending(false)
      setOpen(false)
    }
  }
  return (
    <>
      <Button
        label="Purge"
        color="error"
        onClick={(event) => {
          event.stopPropagation()
          setOpen(true)
        }}
      >
        <DeleteForeverIcon />
      </Button>
      <PurgeDialog
        open={open}
        title={`Purge ${spec.singular.toLowerCase()} #${record.id} now?`}
        warning={spec.purgeWarning ?? `The ${spec.singular.toLowerCase()} is deleted for good.`}
        expected={String(record.id)}
        pending={isPending}
        onConfirm={confirm}
        onClose={() => setOpen(false)}
      />
    </>
  )
}

/** Restore every selected archived item, one after the other. */
export function BulkRestoreButton({ spec }: { spec: ResourceSpec }) {
  const { selectedIds } = useListContext()
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const notify = useNotify()
  const refresh = useRefresh()
  const unselectAll = useUnselectAll(archiveResource(spec.name))
  const [pending, setPending] = useState(false)
  const restore = async () => {
    setPending(true)
    let done = 0
    try {
      for (const id of selectedIds) {
        await dataProvider.restore(spec.name, id)
        done++
      }
      notify(`${count(done, spec)} restored, each with what was deleted together with it.`, {
        type: 'success',
      })
      unselectAll()
    } catch (error) {
      notify(`${count(done, spec)} restored, then: ${messageOf(error)}`, { type: 'error' })
    } finally {
      setPending(false)
      refresh()
    }
  }
  return (
    <Button label="Restore" onClick={restore} disabled={pending}>
      <RestoreIcon />
    </Button>
  )
}

/** Purge every selected archived item now, after typing the word `purge`. */
export function BulkPurgeButton({ spec }: { spec: ResourceSpec }) {
  const { selectedIds } = useListContext()
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const notify = useNotify()
  const refresh = useRefresh()
  const resource = archiveResource(spec.name)
  const unselectAll = useUnselectAll(resource)
  const [open, setOpen] = useState(false)
  const [pending, setPending] = useState(false)
  const purge = async () => {
    setPending(true)
    try {
      const { data } = await dataProvider.deleteMany(resource, { ids: selectedIds })
      notify(`${count(data?.length ?? 0, spec)} purged.`, { type: 'success' })
      unselectAll()
    } catch (error) {
      notify(messageOf(error), { type: 'error' })
    } finally {
      setPending(false)
      setOpen(false)
      refresh()
    }
  }
  return (
    <>
      <Button label="Purge" color="error" onClick={() => setOpen(true)}>
        <DeleteForeverIcon />
      </Button>
      <PurgeDialog
        open={open}
        title={`Purge ${count(selectedIds.length, spec)} now?`}
        warning={spec.purgeWarning ?? `The ${spec.label.toLowerCase()} are deleted for good.`}
        expected="purge"
        pending={pending}
        onConfirm={purge}
        onClose={() => setOpen(false)}
      />
    </>
  )
}
