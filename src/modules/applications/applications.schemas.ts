import { type Static, Type } from 'typebox'
import type { ApplicationRow } from '../../db/schema.js'
import { Text, TimestampInput } from '../../http/schemas.js'
import { declareList } from '../../platform/resources/lists.js'
import { Nullable, workflowSchemas } from '../../platform/workflow/workflow.schemas.js'
import { APPLICATION_WORKFLOW } from './status-workflow.js'

export const applicationSchemas = workflowSchemas({
  $id: 'Application',
  workflow: APPLICATION_WORKFLOW,
  required: {
    company: Text({ minLength: 1, maxLength: 200 }),
    position: Text({ minLength: 1, maxLength: 200, description: 'The job applied for' }),
  },
  optional: {
    source: Nullable(
      Text({ minLength: 1, maxLength: 100, description: 'Where the job was found: LinkedIn, a referral…' }),
    ),
    posting_url: Nullable(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 })),
    location: Nullable(Text({ maxLength: 200 })),
    notes: Nullable(Text({ maxLength: 10_000 })),
    applied_at: Nullable(
      TimestampInput(
        'When you applied; set to the time of the move when the application enters `applied` without one',
      ),
    ),
  },
})

export const ApplicationSchema = applicationSchemas.item
export type Application = Static<typeof ApplicationSchema>
export type CreateApplication = Static<typeof applicationSchemas.create>
export type ReplaceApplication = Static<typeof applicationSchemas.replace>
export type UpdateApplication = Static<typeof applicationSchemas.update>

export const applicationList = declareList<ApplicationRow>({
  type: 'applications',
  search: {
    columns: ['company', 'position'],
    description: 'Case-insensitive fragment of company or position, at least 3 characters (trigram-indexed)',
  },
  oneOf: {
    status: { values: APPLICATION_WORKFLOW.statuses, description: 'Only applications at these statuses' },
  },
  exact: { source: 'Only applications from this source' },
  windows: ['created_at', 'applied_at', 'status_changed_at'],
  orderings: {
    company: 'text',
    created_at: 'timestamp',
    updated_at: 'timestamp',
    applied_at: 'nullable timestamp',
    status_changed_at: 'timestamp',
  },
})
