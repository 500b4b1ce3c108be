import { defineWorkflow } from '../../platform/workflow/workflow.js'

/**
 * The status workflow of a job application (DESIGN §7), the one source of its `status` enum, the
 * CHECK of its column (migration 0005) and the moves the API allows:
 *
 *   saved → applied → screening → interviewing → offer → accepted
 *   any open status → rejected | withdrawn;  offer → declined
 *
 * An application is created as `saved` (found, not yet applied for) or directly as `applied`.
 */
export const APPLICATION_WORKFLOW = defineWorkflow('application status', {
  statuses: [
    'saved',
    'applied',
    'screening',
    'interviewing',
    'offer',
    'accepted',
    'declined',
    'rejected',
    'withdrawn',
  ],
  initial: 'saved',
  starts: ['saved', 'applied'],
  path: ['saved', 'applied', 'screening', 'interviewing', 'offer', 'accepted'],
  // biome-ignore format: a table
  transitions: {
    saved:        ['applied', 'rejected', 'withdrawn'],
    applied:      ['screening', 'rejected', 'withdrawn'],
    screening:    ['interviewing', 'rejected', 'withdrawn'],
    interviewing: ['offer', 'rejected', 'withdrawn'],
    offer:        ['accepted', 'declined', 'rejected', 'withdrawn'],
    accepted:     [],
    declined:     [],
    rejected:     [],
    withdrawn:    [],
  },
  terminal: ['accepted', 'declined', 'rejected', 'withdrawn'],
})

export type ApplicationStatus = (typeof APPLICATION_WORKFLOW.statuses)[number]
