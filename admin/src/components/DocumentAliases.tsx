import CloseIcon from '@mui/icons-material/Close'
import {
  Box,
  Button,
  IconButton,
  List,
  ListItem,
  ListItemText,
  Stack,
  TextField,
  Typography,
} from '@mui/material'
import { type FormEvent, useState } from 'react'
import { useDataProvider, useNotify, useRecordContext, useRefresh } from 'react-admin'
import type { CustodianDataProvider } from '../api/dataProvider'
import { ETAG } from '../api/dataProvider'

/**
 * A document's aliases: add one (`PUT /documents/{id}/aliases/{alias}`) or remove one (`DELETE`), each for
 * the version shown (`If-Match`): a change made meanwhile by someone else is a 412, said in words.
 */
export function DocumentAliases() {
  const record = useRecordContext()
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const notify = useNotify()
  const refresh = useRefresh()
  const [alias, setAlias] = useState('')
  const [pending, setPending] = useState(false)
  if (!record) return null
  const aliases = (record.aliases as string[] | undefined) ?? []
  const run = async (action: () => Promise<unknown>, done: string) => {
    setPending(true)
    try {
      await action()
      notify(done, { type: 'success' })
      refresh()
    } catch (error) {
      notify(error instanceof Error ? error.message : String(error), { type: 'error' })
    } finally {
      setPending(false)
    }
  }
  const add = (event: FormEvent) => {
    event.preventDefault()
    const value = alias.trim()
    if (!value) return
    void run(async () => {
      await dataProvider.addAlias(record.id, value, record[ETAG] as string | undefined)
      setAlias('')
    }, `Alias ${value} added.`)
  }
  return (
    <Box>
      {aliases.length === 0 ? (
        <Typography variant="body2">No alias.</Typography>
      ) : (
        <List dense aria-label="Aliases" sx={{ maxWidth: 420 }}>
          {aliases.map((value) => (
            <ListItem
              key={value}
              secondaryAction={
                <IconButton
                  edge="end"
                  aria-label={`Remove alias ${value}`}
                  disabled={pending}
                  onClick={() =>
                    run(
                      () => dataProvider.removeAlias(record.id, value, record[ETAG] as string | undefined),
                      `Alias ${value} removed.`,
                    )
                  }
                >
                  <CloseIcon />
                </IconButton>
              }
            >
              <ListItemText primary={value} />
            </ListItem>
          ))}
        </List>
      )}
      <Stack component="form" direction="row" spacing={1} onSubmit={add} sx={{ alignItems: 'center', mt: 1 }}>
        <TextField
          size="small"
          label="New alias"
          value={alias}
          onChange={(event) => setAlias(event.target.value)}
          helperText="Lower case letters, digits and dashes, starting with a letter"
        />
        <Button type="submit" variant="outlined" disabled={pending || !alias.trim()}>
          Add alias
        </Button>
      </Stack>
    </Box>
  )
}
