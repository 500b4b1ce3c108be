import type { Db } from '../../db/database.js'
import type { Items } from '../../platform/resources/items.js'
import { createWorkflowItems } from '../../platform/workflow/workflow-items.js'
import type { LeadsRepository } from './leads.repository.js'
import { leadList, leadSchemas, type Money } from './leads.schemas.js'
import { LEAD_WORKFLOW } from './status-workflow.js'

/** A body's fields as columns: the value's amount and currency are two columns, set or cleared together. */
function columns({ value, ...fields }: { value?: Money | null; [field: string]: unknown }) {
  if (value === undefined) return fields
  return { ...fields, value_amount: value?.amount ?? null, value_currency: value?.currency ?? null }
}

/** Client leads: the workflow toolkit's items. */
export const createLeadsService = (deps: {
  db: Db
  lookups: Db
  items: Pick<Items, 'read' | 'create' | 'write'>
  repo: LeadsRepository
}) =>
  createWorkflowItems({
    ...deps,
    type: 'leads',
    workflow: LEAD_WORKFLOW,
    rows: deps.repo,
    list: leadList,
    cleared: leadSchemas.cleared,
    columns,
  })

export type LeadsService = ReturnType<typeof createLeadsService>
