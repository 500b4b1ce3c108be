import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { documentBodyLimit } from '../../config.js'
import type { DocumentRow } from '../../db/schema.js'
import { API_PREFIX } from '../../http/urls.js'
import { archiveRoutes } from '../../platform/archive/archive.routes.js'
import { aliasesRepository } from './aliases.repository.js'
import { documentsRepository } from './documents.repository.js'
import { documentPresenters, documentsRoutes } from './documents.routes.js'
import { DocumentRefParams, DocumentSchema, DocumentSummarySchema } from './documents.schemas.js'
import { createDocumentsService } from './documents.service.js'

/** Documents (DESIGN §1): owned by a user, addressed by id or alias, archived with their owner. */
export const documentsModule = fp(
  async (app: FastifyInstance) => {
    app.addSchema(DocumentSchema)
    app.addSchema(DocumentSummarySchema)
    const documents = createDocumentsService({
      db: app.db,
      lookups: app.lookups,
      items: app.items,
      repo: documentsRepository,
      aliases: aliasesRepository,
      urls: app.urls,
      maxBytes: app.config.documentMaxBytes,
    })
    await app.register(documentsRoutes, {
      prefix: API_PREFIX,
      documents,
      bodyLimit: documentBodyLimit(app.config),
    })
    const { present, summary } = documentPresenters(app.urls)
    await app.register(
      archiveRoutes<DocumentRow>({
        type: 'documents',
        schema: DocumentSchema,
        present,
        listed: { schema: DocumentSummarySchema, present: summary },
        load: documents.withAliases,
        deleteSummary: 'Delete a document: archived, its aliases reserved, restorable until purge_at',
        ref: {
          params: DocumentRefParams,
          resolve: (actor, params) => documents.resolve(actor, String(params.ref)),
        },
      }),
      { prefix: API_PREFIX },
    )
  },
  { name: 'documents', dependencies: ['users', 'archive', 'resources'] },
)
