import { Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material'
import type { Change } from '../api/changes'

const LONG = 240

/** A value of a change record as text; long texts (a document's content) are cut. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > LONG ? `${text.slice(0, LONG)}… (${text.length} characters)` : text
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * What a change did, field by field: the fields whose value differs between `before` and `after`, the
 * old value struck out and the new one inserted (`<del>`, `<ins>`: screen readers say so too). A
 * creation shows every field as new; a purge, every field as gone.
 */
export function ChangeDiff({ change }: { change: Change }) {
  const before = change.before ?? {}
  const after = change.after ?? {}
  const fields = [...new Set([...Object.keys(after), ...Object.keys(before)])].filter(
    (key) => !same(before[key], after[key]),
  )
  if (fields.length === 0) return <Typography variant="body2">No field changed.</Typography>
  return (
    <Table size="small" aria-label={`Fields changed by change ${change.sequence}`} sx={{ maxWidth: 900 }}>
      <TableHead>
        <TableRow>
          <TableCell scope="col" component="th">
            Field
          </TableCell>
          <TableCell scope="col" component="th">
            Before
          </TableCell>
          <TableCell scope="col" component="th">
            After
          </TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {fields.map((field) => (
          <TableRow key={field}>
            <TableCell component="th" scope="row" sx={{ fontFamily: 'monospace' }}>
              {field}
            </TableCell>
            <TableCell sx={{ backgroundColor: '#ffebee', color: '#8e0000', wordBreak: 'break-word' }}>
              {field in before ? <del>{show(before[field])}</del> : <em>absent</em>}
            </TableCell>
            <TableCell sx={{ backgroundColor: '#e8f5e9', color: '#1b5e20', wordBreak: 'break-word' }}>
              {field in after ? <ins>{show(after[field])}</ins> : <em>absent</em>}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  )
}
