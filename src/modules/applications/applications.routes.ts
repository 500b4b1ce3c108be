import type { ApplicationRow } from '../../db/schema.js'
import type { Urls } from '../../http/urls.js'
import { workflowRoutes } from '../../platform/workflow/workflow.routes.js'
import { type Application, applicationList, applicationSchemas } from './applications.schemas.js'
import type { ApplicationsService } from './applications.service.js'
import { APPLICATION_WORKFLOW } from './status-workflow.js'

/** An application as the API shows it. */
export const presentApplication =
  (urls: Pick<Urls, 'item'>) =>
  (a: ApplicationRow): Application => ({
    url: urls.item('applications', a.id),
    id: a.id,
    company: a.company,
    position: a.position,
    source: a.source,
    posting_url: a.posting_url,
    location: a.location,
    notes: a.notes,
    applied_at: a.applied_at?.toISOString() ?? null,
    status: a.status,
    status_changed_at: a.status_changed_at.toISOString(),
    owner_id: a.owner_id,
    created_at: a.created_at.toISOString(),
    updated_at: a.updated_at.toISOString(),
  })

/** The routes of applications, their archive's included: the workflow toolkit's, with these schemas. */
export const applicationsRoutes = (applications: ApplicationsService, urls: Pick<Urls, 'item'>) =>
  workflowRoutes({
    type: 'applications',
    workflow: APPLICATION_WORKFLOW,
    schemas: applicationSchemas,
    list: applicationList,
    present: presentApplication(urls),
    service: applications,
    deleteSummary: 'Delete an application: archived with its history, restorable until purge_at',
  })
