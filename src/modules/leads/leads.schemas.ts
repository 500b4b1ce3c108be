import { type Static, Type } from 'typebox'
import type { LeadRow } from '../../db/schema.js'
import { Email, Text } from '../../http/schemas.js'
import { declareList } from '../../platform/resources/lists.js'
import { Nullable, workflowSchemas } from '../../platform/workflow/workflow.schemas.js'
import { LEAD_WORKFLOW } from './status-workflow.js'

/**
 * What a lead is worth: an integer amount in the currency's minor unit (no floating point: 250000 CHF
 * is CHF 2,500.00; a currency without minor unit, such as JPY, counts whole units) and the ISO 4217
 * code. Always both: a PATCH replaces the value as a whole (or clears it with null).
 */
export const Money = Type.Object(
  {
    amount: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'In the minor unit of the currency: 250000 with CHF is CHF 2,500.00',
    }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, such as CHF or EUR' }),
  },
  { additionalProperties: false, description: 'The expected value of the deal; replaced as a whole' },
)
export type Money = Static<typeof Money>

export const leadSchemas = workflowSchemas({
  $id: 'Lead',
  workflow: LEAD_WORKFLOW,
  required: { company: Text({ minLength: 1, maxLength: 200 }) },
  optional: {
    contact_name: Nullable(Text({ minLength: 1, maxLength: 200 })),
    contact_email: Nullable(Email),
    value: Nullable(Money),
    source: Nullable(Text({ minLength: 1, maxLength: 100, description: 'Where the lead came from' })),
    notes: Nullable(Text({ maxLength: 10_000 })),
  },
})

export const LeadSchema = leadSchemas.item
export type Lead = Static<typeof LeadSchema>

export const leadList = declareList<LeadRow>({
  type: 'leads',
  search: {
    columns: ['company', 'contact_name'],
    description:
      'Case-insensitive fragment of company or contact name, at least 3 characters (trigram-indexed)',
  },
  oneOf: { status: { values: LEAD_WORKFLOW.statuses, description: 'Only leads at these statuses' } },
  exact: { source: 'Only leads from this source' },
  windows: ['created_at', 'status_changed_at'],
  orderings: {
    company: 'text',
    created_at: 'timestamp',
    updated_at: 'timestamp',
    status_changed_at: 'timestamp',
  },
})
