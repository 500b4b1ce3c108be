import { Box, Chip, Stack, Typography } from '@mui/material'
import type { ReactElement } from 'react'
import {
  BulkDeleteButton,
  Create,
  CreateButton,
  Datagrid,
  DateField,
  DateInput,
  DateTimeInput,
  Edit,
  EditButton,
  FilterButton,
  List,
  Pagination,
  PasswordInput,
  ReferenceManyField,
  required,
  SaveButton,
  SelectArrayInput,
  SelectInput,
  Show,
  SimpleForm,
  TabbedShowLayout,
  TextField,
  TextInput,
  Toolbar,
  TopToolbar,
  useNotify,
  useRecordContext,
  useRedirect,
  useResourceContext,
} from 'react-admin'
import { isApiError } from '../api/http'
import { ArchiveButton } from '../components/ArchiveActions'
import { AuditTrail } from '../components/AuditTrail'
import { UserRefField } from '../components/UserRef'
import { archiveResource, type FieldSpec, type FilterSpec, type ResourceSpec } from '../resource-spec'

export const PAGE_SIZES = [10, 25, 50, 100]

/** A list of strings (a document's aliases). */
function TagsField({ source }: { source: string; label?: string; sortable?: boolean }) {
  const record = useRecordContext()
  const values = (record?.[source] as string[] | undefined) ?? []
  if (values.length === 0) return <Typography variant="body2">none</Typography>
  return (
    <Stack direction="row" spacing={0.5} useFlexGap component="span" sx={{ flexWrap: 'wrap' }}>
      {values.map((value) => (
        <Chip key={value} size="small" label={value} variant="outlined" />
      ))}
    </Stack>
  )
}

/** A long text as written, line breaks kept. */
function LongTextField({ source }: { source: string; label?: string }) {
  const record = useRecordContext()
  return (
    <Box
      component="pre"
      sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', fontFamily: 'monospace', m: 0, maxHeight: 480 }}
    >
      {String(record?.[source] ?? '')}
    </Box>
  )
}

/**
 * An amount of money as the API holds it, `{ amount, currency }` with the amount in the currency's minor
 * unit (250000 CHF is CHF 2,500.00; JPY has no minor unit), in the reader's locale.
 */
export function formatMoney(value: unknown): string {
  if (!value || typeof value !== 'object') return '—'
  const { amount, currency } = value as { amount?: unknown; currency?: unknown }
  if (typeof amount !== 'number' || typeof currency !== 'string') return '—'
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency })
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2
    return format.format(amount / 10 ** digits)
  } catch {
    return `${amount} ${currency} (minor units)`
  }
}

function MoneyField({ source }: { source: string; label?: string; sortable?: boolean }) {
  const record = useRecordContext()
  return <Typography variant="body2">{formatMoney(record?.[source])}</Typography>
}

/** The field of a spec, for a list column or an item page; null for write-only fields. */
export function fieldOf(field: FieldSpec, inList = false): ReactElement | null {
  const common = { key: field.source, source: field.source, label: field.label, sortable: !!field.sortable }
  switch (field.kind) {
    case 'password':
      return null
    case 'datetime':
      return <DateField {...common} showTime />
    case 'user':
      return <UserRefField {...common} />
    case 'tags':
      return <TagsField {...common} />
    case 'money':
      return <MoneyField {...common} />
    case 'longtext':
      return inList ? <TextField {...common} /> : <LongTextField {...common} />
    case 'id':
    case 'text':
    case 'email':
    case 'choice':
    case 'url':
      return <TextField {...common} />
  }
}

const choicesOf = (values: readonly string[] = []) => values.map((value) => ({ id: value, name: value }))

/** The input of a spec's field on create or edit; null where the field is not written. */
function inputOf(field: FieldSpec, mode: 'create' | 'edit'): ReactElement | null {
  const need = field[mode]
  if (!need) return null
  const common = {
    key: field.source,
    source: field.source,
    label: field.label,
    helperText: field.help ?? false,
    validate: need === 'required' ? required() : undefined,
  }
  switch (field.kind) {
    case 'password':
      return (
        <PasswordInput
          {...common}
          helperText={mode === 'edit' ? 'Leave empty to keep the password' : (field.help ?? false)}
          autoComplete="new-password"
        />
      )
    case 'choice':
      return <SelectInput {...common} choices={choicesOf(field.choices)} />
    case 'longtext':
      return <TextInput {...common} multiline minRows={4} fullWidth />
    case 'email':
      return <TextInput {...common} type="email" />
    case 'datetime':
      // The input's local time, sent as the RFC 3339 instant the API takes; emptied: null.
      return (
        <DateTimeInput
          {...common}
          parse={(value: string) => (value ? new Date(value).toISOString() : null)}
        />
      )
    case 'tags':
      return (
        <TextInput
          {...common}
          helperText={field.help ?? 'Separated by commas'}
          format={(value: unknown) => (Array.isArray(value) ? value.join(', ') : ((value as string) ?? ''))}
          parse={(value: string) =>
            value
              .split(',')
              .map((part) => part.trim())
              .filter(Boolean)
          }
        />
      )
    default:
      return <TextInput {...common} />
  }
}

/** The filters of a list, from its spec. */
export function filterOf(filter: FilterSpec): ReactElement {
  const common = { key: filter.source, source: filter.source, label: filter.label, alwaysOn: filter.alwaysOn }
  switch (filter.kind) {
    case 'search':
      return <TextInput {...common} helperText="3 characters or more" resettable />
    case 'choice':
      return <SelectInput {...common} choices={choicesOf(filter.choices)} />
    case 'choices':
      return <SelectArrayInput {...common} choices={choicesOf(filter.choices)} sx={{ minWidth: 200 }} />
    case 'date':
      return <DateInput {...common} />
    case 'id':
      return <TextInput {...common} type="number" />
    case 'text':
      return <TextInput {...common} />
  }
}

/** "User alice@example.ch", for titles. */
function ItemTitle({ spec, prefix = '' }: { spec: ResourceSpec; prefix?: string }) {
  const record = useRecordContext()
  return (
    <span>
      {prefix}
      {spec.singular} {record ? spec.title(record) : ''}
    </span>
  )
}

/**
 * On an item page, a failed read says why in words; an archived item's page is its archive entry.
 */
function useItemError(spec: ResourceSpec) {
  const notify = useNotify()
  const redirect = useRedirect()
  const resource = useResourceContext()
  return {
    onError: (error: unknown) => {
      notify(error instanceof Error ? error.message : String(error), { type: 'error' })
      // A 404 `archived` links to the item's archive entry (`…/users/7/deleted`).
      const links = isApiError(error)
        ? (error.body.problem.links as { archive?: string } | undefined)
        : undefined
      const id = links?.archive?.match(/\/(\d+)\/deleted$/)?.[1]
      if (id) redirect('show', archiveResource(spec.name), id)
      else redirect('list', resource)
    },
  }
}

/** The pages of one resource, built from its spec: list, item (show), edit, create. */
export function resourcePages(spec: ResourceSpec, specs: ResourceSpec[]) {
  const columns = () => spec.fields.filter((f) => f.list).map((f) => fieldOf(f, true))
  const filters = spec.filters.map(filterOf)

  function ResourceList() {
    return (
      <List
        filters={filters}
        sort={spec.defaultSort ?? { field: 'id', order: 'ASC' }}
        perPage={25}
        pagination={<Pagination rowsPerPageOptions={PAGE_SIZES} />}
        exporter={false}
        actions={
          <TopToolbar>
            <FilterButton />
            {spec.creatable && <CreateButton />}
          </TopToolbar>
        }
      >
        <Datagrid
          rowClick="show"
          bulkActionButtons={
            <BulkDeleteButton
              mutationMode="pessimistic"
              confirmContent="They go to the archive, where they can be restored until they are purged."
            />
          }
        >
          {columns()}
        </Datagrid>
      </List>
    )
  }

  function ResourceShow() {
    const onError = useItemError(spec)
    return (
      <Show
        title={<ItemTitle spec={spec} />}
        queryOptions={onError}
        actions={
          <TopToolbar>
            <EditButton />
            {spec.archivable && <ArchiveButton spec={spec} />}
          </TopToolbar>
        }
      >
        <TabbedShowLayout>
          <TabbedShowLayout.Tab label="Details">
            {spec.fields.map((f) => fieldOf(f)).filter(Boolean)}
          </TabbedShowLayout.Tab>
          {(spec.related ?? []).map((related) => {
            const target = specs.find((s) => s.name === related.resource)
            return (
              <TabbedShowLayout.Tab key={related.resource} label={related.label} path={related.resource}>
                <ReferenceManyField
                  reference={related.resource}
                  target={related.target}
                  label={false}
                  perPage={25}
                  pagination={<Pagination rowsPerPageOptions={PAGE_SIZES} />}
                >
                  <Datagrid rowClick="show" bulkActionButtons={false}>
                    {(target?.fields ?? []).filter((f) => f.list).map((f) => fieldOf(f, true))}
                  </Datagrid>
                </ReferenceManyField>
              </TabbedShowLayout.Tab>
            )
          })}
          {(spec.tabs ?? []).map((tab) => (
            <TabbedShowLayout.Tab key={tab.path} label={tab.label} path={tab.path}>
              {tab.element}
            </TabbedShowLayout.Tab>
          ))}
          <TabbedShowLayout.Tab label="Audit trail" path="history">
            <AuditTrail type={spec.name} archived={false} />
          </TabbedShowLayout.Tab>
        </TabbedShowLayout>
      </Show>
    )
  }

  function EditToolbar() {
    return (
      <Toolbar sx={{ justifyContent: 'space-between' }}>
        <SaveButton />
        {spec.archivable && <ArchiveButton spec={spec} />}
      </Toolbar>
    )
  }

  function ResourceEdit() {
    const onError = useItemError(spec)
    return (
      <Edit
        title={<ItemTitle spec={spec} prefix="Edit " />}
        mutationMode="pessimistic"
        redirect="show"
        queryOptions={onError}
      >
        <SimpleForm toolbar={<EditToolbar />}>
          {spec.fields.map((f) => inputOf(f, 'edit')).filter(Boolean)}
        </SimpleForm>
      </Edit>
    )
  }

  function ResourceCreate() {
    return (
      <Create title={`New ${spec.singular.toLowerCase()}`} redirect="show">
        <SimpleForm>{spec.fields.map((f) => inputOf(f, 'create')).filter(Boolean)}</SimpleForm>
      </Create>
    )
  }

  return {
    list: ResourceList,
    show: ResourceShow,
    edit: spec.fields.some((f) => f.edit) ? ResourceEdit : undefined,
    create: spec.creatable ? ResourceCreate : undefined,
  }
}
