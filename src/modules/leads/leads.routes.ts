import type { LeadRow } from '../../db/schema.js'
import type { Urls } from '../../http/urls.js'
import { workflowRoutes } from '../../platform/workflow/workflow.routes.js'
import { type Lead, leadList, leadSchemas } from './leads.schemas.js'
import type { LeadsService } from './leads.service.js'
import { LEAD_WORKFLOW } from './status-workflow.js'

/** A lead as the API shows it; its value is one object (or null), never half of one. */
export const presentLead =
  (urls: Pick<Urls, 'item'>) =>
  (l: LeadRow): Lead => ({
    url: urls.item('leads', l.id),
    id: l.id,
    company: l.company,
    contact_name: l.contact_name,
    contact_email: l.contact_email,
    value:
      l.value_amount === null || l.value_currency === null
        ? null
        : { amount: l.value_amount, currency: l.value_currency },
    source: l.source,
    notes: l.notes,
    status: l.status,
    status_changed_at: l.status_changed_at.toISOString(),
    owner_id: l.owner_id,
    created_at: l.created_at.toISOString(),
    updated_at: l.updated_at.toISOString(),
  })

/** The routes of leads, their archive's included: the workflow toolkit's, with these schemas. */
export const leadsRoutes = (leads: LeadsService, urls: Pick<Urls, 'item'>) =>
  workflowRoutes({
    type: 'leads',
    workflow: LEAD_WORKFLOW,
    schemas: leadSchemas,
    list: leadList,
    present: presentLead(urls),
    service: leads,
    deleteSummary: 'Delete a lead: archived with its history, restorable until purge_at',
  })
