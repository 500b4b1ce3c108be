import DescriptionIcon from '@mui/icons-material/Description'
import PeopleIcon from '@mui/icons-material/People'
import { DocumentAliases } from './components/DocumentAliases'
import { reservedAliasesList } from './pages/ArchivePages'
import type { ResourceSpec } from './resource-spec'

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
    'The user goes to the archive with their documents, in one batch: restoring the user restores them ' +
    'all. Their tokens are revoked and their email stays reserved.',
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
  related: [{ label: 'Documents', resource: 'documents', target: 'owner_id' }],
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

/**
 * The resources of the console, in menu order. Each is declared once (resource-spec.ts says what a
 * declaration holds); the console builds every page, the archive and the feed's filter from this list.
 */
export const RESOURCES: ResourceSpec[] = [users, documents]

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
