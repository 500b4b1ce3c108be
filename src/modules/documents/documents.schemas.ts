import { type Static, Type } from 'typebox'
import { CONTENT_TYPES } from '../../db/schema.js'
import {
  Id,
  IdAndCreationFilters,
  Identity,
  Page,
  PageQuery,
  Text,
  Timestamp,
  Timestamps,
  Url,
} from '../../http/schemas.js'

/**
 * An alias: lowercase, starts with a letter (so never numeric, never mistaken for an id), at most 63
 * characters, and never a word of the routes (`/documents/deleted`, `/documents/aliases`).
 */
export const ALIAS_PATTERN = '^(?!(deleted|aliases)$)[a-z][a-z0-9-]{0,62}$'
export const aliasPattern = new RegExp(ALIAS_PATTERN)
export const Alias = Type.String({
  pattern: ALIAS_PATTERN,
  description: 'Lowercase letters, digits and `-`, starting with a letter; not `deleted` or `aliases`',
})
export const ContentType = Type.Enum(CONTENT_TYPES)
/** What a document created without a content type is. */
export const DEFAULT_CONTENT_TYPE = 'text/plain' satisfies (typeof CONTENT_TYPES)[number]
const Title = Text({ minLength: 1, maxLength: 300 })
const Content = Text({
  description: 'At most DOCUMENT_MAX_BYTES bytes in UTF-8 (413 above); JSON content must parse',
})

const DocumentFields = {
  content_type: ContentType,
  aliases: Type.Array(Type.String(), { description: 'Sorted; managed at /documents/{ref}/aliases' }),
  owner_id: Id,
}

export const DocumentSchema = Type.Object(
  { ...Identity, title: Type.String(), content: Type.String(), ...DocumentFields, ...Timestamps },
  { $id: 'Document' },
)
export type Document = Static<typeof DocumentSchema>

/** List items leave the content out: a page of 100 documents could otherwise weigh 100 MiB. */
export const DocumentSummarySchema = Type.Object(
  { ...Identity, title: Type.String(), ...DocumentFields, ...Timestamps },
  { $id: 'DocumentSummary' },
)
export type DocumentSummary = Static<typeof DocumentSummarySchema>

export const CreateDocumentBody = Type.Object(
  {
    title: Title,
    content: Content,
    content_type: Type.Optional(
      Type.Enum(CONTENT_TYPES, { default: DEFAULT_CONTENT_TYPE, description: 'Omitted: text/plain' }),
    ),
    aliases: Type.Optional(
      Type.Array(Alias, { maxItems: 20, uniqueItems: true, description: 'Claimed with the document' }),
    ),
  },
  { additionalProperties: false },
)
export type CreateDocument = Static<typeof CreateDocumentBody>

/**
 * PUT replaces the writable fields; aliases are not among them (they have their own routes). Unlike on
 * POST, content_type is required: a PUT that forgot it would silently turn Markdown or JSON into plain text.
 */
export const ReplaceDocumentBody = Type.Object(
  { title: Title, content: Content, content_type: ContentType },
  { additionalProperties: false },
)
export type ReplaceDocument = Static<typeof ReplaceDocumentBody>

/** PATCH is a JSON merge patch (RFC 7396) of the writable fields: absent = unchanged. */
export const UpdateDocumentBody = Type.Partial(ReplaceDocumentBody, { additionalProperties: false })
export type UpdateDocument = Static<typeof UpdateDocumentBody>

export const DocumentRefParams = Type.Object({
  ref: Type.String({
    description:
      'A document id (digits) or one of its aliases; anything that is neither names no document (404)',
  }),
})
export const AliasParams = Type.Object({ ...DocumentRefParams.properties, alias: Alias })

export const DOCUMENT_ORDERINGS = ['id', 'title', 'created_at', 'updated_at'] as const
const Orderings = DOCUMENT_ORDERINGS.flatMap((o) => [o, `-${o}`])
const OwnerFilter = Type.Optional(
  Type.Integer({ ...Id, description: 'Only items of this owner (admins; a user only has their own)' }),
)

export const ListDocumentsQuery = Type.Object({
  ...PageQuery,
  search: Type.Optional(
    Text({
      minLength: 3,
      maxLength: 100,
      description: 'Case-insensitive fragment of title or content, at least 3 characters (trigram-indexed)',
    }),
  ),
  content_type: Type.Optional(ContentType),
  owner_id: OwnerFilter,
  ...IdAndCreationFilters,
  ordering: Type.Optional(Type.Enum(Orderings, { default: 'id', description: '`-` for descending' })),
})
export type ListDocuments = Static<typeof ListDocumentsQuery>

export const ListAliasesQuery = Type.Object({
  ...PageQuery,
  owner_id: OwnerFilter,
  ordering: Type.Optional(Type.Enum(['alias', '-alias'], { default: 'alias' })),
})
export type ListAliases = Static<typeof ListAliasesQuery>

export const AliasSchema = Type.Object({
  alias: Type.String(),
  url: Type.String({ format: 'uri', description: 'The document, addressed by this alias' }),
  document_id: Id,
  document_url: Url,
  created_at: Timestamp,
})

/** An alias held by an archived document: reserved until the document is purged (`purge_at`). */
export const ReservedAliasSchema = Type.Object({
  alias: Type.String(),
  document_id: Id,
  purge_at: Type.Union([Timestamp, Type.Null()], { description: 'When the alias is freed, unless restored' }),
  links: Type.Object({ archive: Url }),
  created_at: Timestamp,
})

export const DocumentRef = Type.Ref('Document')
export const DocumentPage = Page(Type.Ref('DocumentSummary'))
export const AliasPage = Page(AliasSchema)
export const ReservedAliasPage = Page(ReservedAliasSchema)
