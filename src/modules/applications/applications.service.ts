import type { Db } from '../../db/database.js'
import type { Items } from '../../platform/resources/items.js'
import { createWorkflowItems } from '../../platform/workflow/workflow-items.js'
import type { ApplicationsRepository } from './applications.repository.js'
import { applicationList, applicationSchemas } from './applications.schemas.js'
import { APPLICATION_WORKFLOW } from './status-workflow.js'

/**
 * Job applications (DESIGN §7): the workflow toolkit's items, whose fields are the table's columns.
 * Entering `applied` stamps `applied_at` with the time of the move when the application has none.
 */
export const createApplicationsService = (deps: {
  db: Db
  lookups: Db
  items: Pick<Items, 'read' | 'create' | 'write'>
  repo: ApplicationsRepository
}) =>
  createWorkflowItems({
    ...deps,
    type: 'applications',
    workflow: APPLICATION_WORKFLOW,
    rows: deps.repo,
    list: applicationList,
    cleared: applicationSchemas.cleared,
    stamps: { applied: 'applied_at' },
  })

export type ApplicationsService = ReturnType<typeof createApplicationsService>
