import { Alert, Box, Button, Stack, Typography } from '@mui/material'
import { useQuery } from '@tanstack/react-query'
import {
  Datagrid,
  DateField,
  DateInput,
  FilterButton,
  FunctionField,
  Labeled,
  Link,
  List,
  Pagination,
  SelectInput,
  Show,
  TabbedShowLayout,
  TextField,
  TextInput,
  TopToolbar,
  useDataProvider,
  useNotify,
  useRecordContext,
  useRedirect,
  useResourceContext,
  WrapperField,
} from 'react-admin'
import type { CustodianDataProvider } from '../api/dataProvider'
import { BulkPurgeButton, BulkRestoreButton, PurgeButton, RestoreButton } from '../components/ArchiveActions'
import { AuditTrail } from '../components/AuditTrail'
import { DeletionBatch } from '../components/DeletionBatch'
import { PurgeAtField, SOON_DAYS, soonRowSx } from '../components/PurgeAt'
import { UserRefField } from '../components/UserRef'
import { archiveResource, type ResourceSpec } from '../resource-spec'
import { fieldOf, PAGE_SIZES } from './ResourcePages'

/** The archive's pages, one per archivable type and one per extra list (reserved aliases). */
export function archiveEntries(specs: ResourceSpec[]) {
  return specs.flatMap((spec) => [
    ...(spec.archivable ? [{ resource: archiveResource(spec.name), label: spec.label }] : []),
    ...(spec.archiveExtras ?? []).map((extra) => ({ resource: extra.name, label: extra.label })),
  ])
}

/** Between the archive's pages, and the retention of each type (`GET /archive/policy`). */
export function ArchiveHeader({ specs }: { specs: ResourceSpec[] }) {
  const current = useResourceContext()
  const dataProvider = useDataProvider<CustodianDataProvider>()
  const { data: policy } = useQuery({
    queryKey: ['custodian', 'policy'],
    queryFn: () => dataProvider.policy(),
    staleTime: 60_000,
  })
  const retention = Object.entries(policy?.retention_days ?? {})
    .map(([type, days]) => `${type} ${days} days`)
    .join(', ')
  return (
    <Box sx={{ mt: 2 }}>
      <Stack
        component="nav"
        aria-label="Archive"
        direction="row"
        spacing={1}
        useFlexGap
        sx={{ flexWrap: 'wrap' }}
      >
        {archiveEntries(specs).map((entry) => (
          <Button
            key={entry.resource}
            component={Link}
            to={`/${entry.resource}`}
            variant={entry.resource === current ? 'contained' : 'outlined'}
            aria-current={entry.resource === current ? 'page' : undefined}
            size="small"
          >
            {entry.label}
          </Button>
        ))}
      </Stack>
      <Typography variant="body2" sx={{ mt: 1 }}>
        Archived items can be restored until they are purged for good
        {retention ? `: ${retention} after their delete` : ''}. Items purged within {SOON_DAYS} days are
        highlighted.
      </Typography>
    </Box>
  )
}

const archiveFilters = [
  <SelectInput
    key="purge_within_days"
    source="purge_within_days"
    label="Purged within"
    alwaysOn
    choices={[
      { id: 1, name: '1 day' },
      { id: SOON_DAYS, name: `${SOON_DAYS} days` },
      { id: 30, name: '30 days' },
    ]}
  />,
  <TextInput key="deleted_by" source="deleted_by" label="Deleted by (user id)" type="number" />,
  <DateInput key="deleted_after" source="deleted_after" label="Deleted after" />,
]

function ArchivedTitle({ spec }: { spec: ResourceSpec }) {
  const record = useRecordContext()
  return (
    <span>
      Archived {spec.singular.toLowerCase()} {record ? spec.title(record) : ''}
    </span>
  )
}

/** Who deleted it, when, and when it goes. */
function DeletionFields() {
  return [
    <DateField key="deleted_at" source="deleted_at" label="Deleted at" showTime />,
    <UserRefField key="deleted_by" source="deleted_by" label="Deleted by" />,
    <PurgeAtField key="purge_at" source="purge_at" label="Purged on" />,
  ]
}

/** The archive pages of one type: the list (soonest purge first) and an archived item's page. */
export function archivePages(spec: ResourceSpec, specs: ResourceSpec[]) {
  function ArchiveList() {
    return (
      <>
        <ArchiveHeader specs={specs} />
        <List
          title={`Archive: ${spec.label}`}
          sort={{ field: 'purge_at', order: 'ASC' }}
          filters={archiveFilters}
          perPage={25}
          pagination={<Pagination rowsPerPageOptions={PAGE_SIZES} />}
          exporter={false}
          actions={
            <TopToolbar>
              <FilterButton />
            </TopToolbar>
          }
          empty={false}
        >
          <Datagrid
            rowClick="show"
            rowSx={soonRowSx}
            bulkActionButtons={
              <>
                <BulkRestoreButton spec={spec} />
                <BulkPurgeButton spec={spec} />
              </>
            }
          >
            <TextField source="id" label="Id" />
            <FunctionField label={spec.singular} sortable={false} render={(record) => spec.title(record)} />
            <DateField source="deleted_at" label="Deleted at" showTime sortable={false} />
            <UserRefField source="deleted_by" label="Deleted by" sortable={false} />
            <PurgeAtField source="purge_at" label="Purged on" />
            <WrapperField label="Actions" sortable={false}>
              <Stack direction="row" spacing={1}>
                <RestoreButton spec={spec} />
                <PurgeButton spec={spec} />
              </Stack>
            </WrapperField>
          </Datagrid>
        </List>
      </>
    )
  }

  function ArchiveShow() {
    const notify = useNotify()
    const redirect = useRedirect()
    return (
      <Show
        title={<ArchivedTitle spec={spec} />}
        queryOptions={{
          onError: (error: Error) => {
            notify(error.message, { type: 'error' })
            redirect('list', archiveResource(spec.name))
          },
        }}
        actions={
          <TopToolbar>
            <RestoreButton spec={spec} goToItem />
            <PurgeButton spec={spec} goToList />
          </TopToolbar>
        }
      >
        <TabbedShowLayout>
          <TabbedShowLayout.Tab label="Details">
            {DeletionFields()}
            {spec.fields.map((f) => fieldOf(f)).filter(Boolean)}
            <Labeled label="Deletion batch" fullWidth>
              <DeletionBatch spec={spec} specs={specs} />
            </Labeled>
          </TabbedShowLayout.Tab>
          <TabbedShowLayout.Tab label="Audit trail" path="history">
            <AuditTrail type={spec.name} archived />
          </TabbedShowLayout.Tab>
        </TabbedShowLayout>
      </Show>
    )
  }

  return { list: ArchiveList, show: ArchiveShow }
}

/** What the archive of reserved aliases shows (`GET /documents/deleted/aliases`). */
export function reservedAliasesList(specs: ResourceSpec[]) {
  return function ReservedAliasesList() {
    return (
      <>
        <ArchiveHeader specs={specs} />
        <List
          title="Archive: reserved aliases"
          sort={{ field: 'alias', order: 'ASC' }}
          filters={[<TextInput key="owner_id" source="owner_id" label="Owner (user id)" type="number" />]}
          perPage={25}
          pagination={<Pagination rowsPerPageOptions={PAGE_SIZES} />}
          exporter={false}
          actions={
            <TopToolbar>
              <FilterButton />
            </TopToolbar>
          }
          empty={false}
        >
          <Alert severity="info" sx={{ m: 1 }}>
            Aliases of archived documents stay reserved, so a restore never conflicts; a purge frees them.
          </Alert>
          <Datagrid
            bulkActionButtons={false}
            rowSx={soonRowSx}
            rowClick={(_id, _resource, record) =>
              `/${archiveResource('documents')}/${record.document_id}/show`
            }
          >
            <TextField source="alias" label="Alias" />
            <FunctionField
              label="Archived document"
              sortable={false}
              render={(record) => `document #${record.document_id}`}
            />
            <PurgeAtField source="purge_at" label="Freed on" />
            <DateField source="created_at" label="Alias added" showTime sortable={false} />
          </Datagrid>
        </List>
      </>
    )
  }
}
