import DescriptionIcon from '@mui/icons-material/Description'
import HandshakeIcon from '@mui/icons-material/Handshake'
import PeopleIcon from '@mui/icons-material/People'
import WorkIcon from '@mui/icons-material/Work'
import { statusesOf } from './api/openapi'
import { DocumentAliases } from './components/DocumentAliases'
import { reservedAliasesList } from './pages/ArchivePages'
import { formatMoney } from './pages/ResourcePages'
import { workflowPages } from './pages/WorkflowPages'
import type { FieldSpec, FilterSpec, ResourceSpec } from './resource-spec'

const users: ResourceSpec = {
  name: 'users',
  label: 'Users',
  singular: 'User',
  icon: PeopleIcon,
  title: (user) => (user.email ? `${user.first_name} ${user.last_name} <${user.email}>` : `#${user.id}`),
  archivable: true,
  creatable: true,
  defaultSort: { field: 'id', order: 'ASC' },
  archiveNote:
    'The user goes to the archive with their documents, applications and leads, in one batch: restoring ' +
    'the user restores them all. Their tokens are revoked and their email stays reserved.',
  purgeWarning:
    'Purging a user erases them (GDPR art. 17): their account, everything they own and their tokens go, ' +
    'and their personal data is redacted from the audit trail.',
  fields: [
    { source: 'id', label: 'Id', kind: 'id', list: true, sortable: true },
    {
      source: 'email',
      label: 'Email',
      kind: 'email',
      list: true,
      sortable: true,
      create: 'required',
      edit: 'required',
    },
    {
      source: 'first_name',
      label: 'First name',
      kind: 'text',
      list: true,
      create: 'required',
      edit: 'required',
    },
    {
      source: 'last_name',
      label: 'Last name',
      kind: 'text',
      list: true,
      sortable: true,
      create: 'required',
      edit: 'required',
    },
    {
      source: 'address',
      label: 'Address',
      kind: 'longtext',
      create: 'optional',
      edit: 'optional',
      nullable: true,
    },
    { source: 'country', label: 'Country', kind: 'text', list: true },
    {
      source: 'role',
      label: 'Role',
      kind: 'choice',
      choices: ['user', 'admin'],
      list: true,
      create: 'optional',
      edit: 'optional',
    },
    {
      source: 'password',
      label: 'Password',
      kind: 'password',
      create: 'required',
      edit: 'optional',
      help: '8 characters or more',
    },
    { source: 'created_at', label: 'Created', kind: 'datetime', list: true, sortable: true },
    { source: 'updated_at', label: 'Updated', kind: 'datetime' },
  ],
  filters: [
    { source: 'search', label: 'Search last name or email', kind: 'search', alwaysOn: true },
    { source: 'email', label: 'Email (exact)', kind: 'text' },
    { source: 'last_name', label: 'Last name (exact)', kind: 'text' },
    { source: 'first_name', label: 'First name (exact)', kind: 'text' },
    { source: 'country', label: 'Country', kind: 'text' },
    { source: 'created_after', label: 'Created after', kind: 'date' },
    { source: 'created_before', label: 'Created before', kind: 'date' },
  ],
  related: [
    { label: 'Documents', resource: 'documents', target: 'owner_id' },
    { label: 'Applications', resource: 'applications', target: 'owner_id' },
    { label: 'Leads', resource: 'leads', target: 'owner_id' },
  ],
}

const documents: ResourceSpec = {
  name: 'documents',
  label: 'Documents',
  singular: 'Document',
  icon: DescriptionIcon,
  title: (doc) => (doc.title ? `“${doc.title}”` : `#${doc.id}`),
  archivable: true,
  creatable: true,
  defaultSort: { field: 'id', order: 'ASC' },
  archiveNote: 'The document goes to the archive; its aliases stay reserved until it is purged.',
  purgeWarning: 'Purging a document deletes it for good and frees its aliases.',
  fields: [
    { source: 'id', label: 'Id', kind: 'id', list: true, sortable: true },
    {
      source: 'title',
      label: 'Title',
      kind: 'text',
      list: true,
      sortable: true,
      create: 'required',
      edit: 'required',
    },
    {
      source: 'content_type',
      label: 'Content type',
      kind: 'choice',
      choices: ['text/plain', 'text/markdown', 'application/json'],
      list: true,
      create: 'optional',
      edit: 'required',
    },
    { source: 'aliases', label: 'Aliases', kind: 'tags', list: true, create: 'optional' },
    { source: 'owner_id', label: 'Owner', kind: 'user', list: true },
    { source: 'content', label: 'Content', kind: 'longtext', create: 'optional', edit: 'optional' },
    { source: 'created_at', label: 'Created', kind: 'datetime', list: true, sortable: true },
    { source: 'updated_at', label: 'Updated', kind: 'datetime', sortable: true },
  ],
  filters: [
    { source: 'search', label: 'Search title or content', kind: 'search', alwaysOn: true },
    {
      source: 'content_type',
      label: 'Content type',
      kind: 'choice',
      choices: ['text/plain', 'text/markdown', 'application/json'],
    },
    { source: 'owner_id', label: 'Owner (user id)', kind: 'id' },
    { source: 'created_after', label: 'Created after', kind: 'date' },
    { source: 'created_before', label: 'Created before', kind: 'date' },
  ],
  tabs: [{ label: 'Aliases', path: 'aliases', element: <DocumentAliases /> }],
}

/** What every workflow resource (applications, leads) has besides its own fields. */
const workflowFields = {
  status: (statuses: readonly string[]): FieldSpec => ({
    source: 'status',
    label: 'Status',
    kind: 'choice',
    choices: statuses,
    list: true,
    // A new status is a move: the API judges it (409 invalid_transition lists the allowed moves).
    edit: 'optional',
    help: 'A new status moves it through its workflow; the API refuses a move the workflow does not allow',
  }),
  source: (what: string): FieldSpec => ({
    source: 'source',
    label: 'Source',
    kind: 'text',
    list: true,
    create: 'optional',
    edit: 'optional',
    nullable: true,
    help: what,
  }),
  notes: {
    source: 'notes',
    label: 'Notes',
    kind: 'longtext',
    create: 'optional',
    edit: 'optional',
    nullable: true,
  } satisfies FieldSpec as FieldSpec,
  tail: [
    { source: 'owner_id', label: 'Owner', kind: 'user', list: true },
    { source: 'status_changed_at', label: 'Status changed', kind: 'datetime', list: true, sortable: true },
    { source: 'created_at', label: 'Created', kind: 'datetime', sortable: true },
    { source: 'updated_at', label: 'Updated', kind: 'datetime', sortable: true },
  ] satisfies FieldSpec[],
}

/** Their filters besides search: statuses (several), source, owner, and the time windows the API has. */
const workflowFilters = (statuses: readonly string[], windows: [string, string][]): FilterSpec[] => [
  { source: 'status', label: 'Status', kind: 'choices', choices: statuses, alwaysOn: true },
  { source: 'source', label: 'Source (exact)', kind: 'text' },
  { source: 'owner_id', label: 'Owner (user id)', kind: 'id' },
  ...windows.flatMap(([prefix, label]): FilterSpec[] => [
    { source: `${prefix}_after`, label: `${label} after`, kind: 'date' },
    { source: `${prefix}_before`, label: `${label} before`, kind: 'date' },
  ]),
]

const applicationStatuses = statusesOf('Application')
const applications: ResourceSpec = {
  name: 'applications',
  label: 'Applications',
  singular: 'Application',
  icon: WorkIcon,
  title: (a) => (a.company ? `${a.position} at ${a.company}` : `#${a.id}`),
  archivable: true,
  creatable: true,
  defaultSort: { field: 'id', order: 'ASC' },
  archiveNote: 'The application goes to the archive with its status history.',
  purgeWarning: 'Purging an application deletes it and its status history for good.',
  workflow: {
    field: 'status',
    statuses: applicationStatuses,
    subtitle: (a) => [a.location, a.source].filter(Boolean).join(' · '),
  },
  fields: [
    { source: 'id', label: 'Id', kind: 'id', list: true, sortable: true },
    {
      source: 'company',
      label: 'Company',
      kind: 'text',
      list: true,
      sortable: true,
      create: 'required',
      edit: 'required',
    },
    { source: 'position', label: 'Position', kind: 'text', list: true, create: 'required', edit: 'required' },
    workflowFields.status(applicationStatuses),
    workflowFields.source('Where the job was found: LinkedIn, a referral…'),
    {
      source: 'posting_url',
      label: 'Posting URL',
      kind: 'url',
      create: 'optional',
      edit: 'optional',
      nullable: true,
      help: 'http:// or https://',
    },
    {
      source: 'location',
      label: 'Location',
      kind: 'text',
      create: 'optional',
      edit: 'optional',
      nullable: true,
    },
    {
      source: 'applied_at',
      label: 'Applied',
      kind: 'datetime',
      list: true,
      sortable: true,
      create: 'optional',
      edit: 'optional',
      nullable: true,
      help: 'Set to the time of the move when it enters applied without one',
    },
    workflowFields.notes,
    ...workflowFields.tail,
  ],
  filters: [
    { source: 'search', label: 'Search company or position', kind: 'search', alwaysOn: true },
    ...workflowFilters(applicationStatuses, [
      ['created', 'Created'],
      ['applied', 'Applied'],
      ['status_changed', 'Status changed'],
    ]),
  ],
}

const leadStatuses = statusesOf('Lead')
const leads: ResourceSpec = {
  name: 'leads',
  label: 'Leads',
  singular: 'Lead',
  icon: HandshakeIcon,
  title: (lead) => (lead.company ? String(lead.company) : `#${lead.id}`),
  archivable: true,
  creatable: true,
  defaultSort: { field: 'id', order: 'ASC' },
  archiveNote: 'The lead goes to the archive with its status history.',
  purgeWarning: 'Purging a lead deletes it and its status history for good.',
  workflow: {
    field: 'status',
    statuses: leadStatuses,
    subtitle: (lead) =>
      [lead.contact_name, formatMoney(lead.value)].filter((x) => x && x !== '—').join(' · '),
  },
  fields: [
    { source: 'id', label: 'Id', kind: 'id', list: true, sortable: true },
    {
      source: 'company',
      label: 'Company',
      kind: 'text',
      list: true,
      sortable: true,
      create: 'required',
      edit: 'required',
    },
    {
      source: 'contact_name',
      label: 'Contact',
      kind: 'text',
      list: true,
      create: 'optional',
      edit: 'optional',
      nullable: true,
    },
    {
      source: 'contact_email',
      label: 'Contact email',
      kind: 'email',
      create: 'optional',
      edit: 'optional',
      nullable: true,
    },
    { source: 'value', label: 'Value', kind: 'money', list: true },
    workflowFields.status(leadStatuses),
    workflowFields.source('Where the lead came from'),
    workflowFields.notes,
    ...workflowFields.tail,
  ],
  filters: [
    { source: 'search', label: 'Search company or contact', kind: 'search', alwaysOn: true },
    ...workflowFilters(leadStatuses, [
      ['created', 'Created'],
      ['status_changed', 'Status changed'],
    ]),
  ],
}
applications.pages = workflowPages(applications)
leads.pages = workflowPages(leads)

/**
 * The resources of the console, in menu order. Each is declared once (resource-spec.ts says what a
 * declaration holds); the console builds every page, the archive and the feed's filter from this list.
 */
export const RESOURCES: ResourceSpec[] = [users, documents, applications, leads]

documents.archiveExtras = [
  {
    name: 'reserved-aliases',
    label: 'Reserved aliases',
    list: reservedAliasesList(RESOURCES),
    path: 'documents/deleted/aliases',
    idField: 'alias',
    sortable: ['alias'],
  },
]
