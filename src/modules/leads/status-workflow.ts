import { defineWorkflow } from '../../platform/workflow/workflow.js'

/**
 * The status workflow of a client lead, the one source of its `status` enum, the CHECK of its column
 * (migration 0005) and the moves the API allows:
 *
 *   new → contacted → qualified → proposal → won
 *   any open status → lost
 *
 * A lead is always created as `new`.
 */
export const LEAD_WORKFLOW = defineWorkflow('lead status', {
  statuses: ['new', 'contacted', 'qualified', 'proposal', 'won', 'lost'],
  initial: 'new',
  starts: ['new'],
  path: ['new', 'contacted', 'qualified', 'proposal', 'won'],
  // biome-ignore format: a table
  transitions: {
    new:       ['contacted', 'lost'],
    contacted: ['qualified', 'lost'],
    qualified: ['proposal', 'lost'],
    proposal:  ['won', 'lost'],
    won:       [],
    lost:      [],
  },
  terminal: ['won', 'lost'],
})

export type LeadStatus = (typeof LEAD_WORKFLOW.statuses)[number]
