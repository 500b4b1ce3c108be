import { describe, expect, it } from 'vitest'
import { LEAD_WORKFLOW as workflow } from './status-workflow.js'

/**
 * Issue 11 in its own words, written independently of the table: a wrong table fails here.
 * "new → contacted → qualified → proposal → won; any open status → lost; terminal: won, lost."
 */
const STAGES = ['new', 'contacted', 'qualified', 'proposal', 'won']
const allowedByIssue = (from: string, to: string) =>
  from !== 'won' && from !== 'lost' && (to === 'lost' || STAGES.indexOf(to) === STAGES.indexOf(from) + 1)

describe('the lead workflow', () => {
  it('has six statuses, starts at new only, and ends in won or lost', () => {
    expect(workflow.statuses).toEqual([...STAGES, 'lost'])
    expect(workflow.starts).toEqual(['new'])
    expect(workflow.path).toEqual(STAGES)
    expect(workflow.terminal).toEqual(['won', 'lost'])
  })

  it('allows exactly the moves of the issue, for each of the 36 pairs', () => {
    for (const from of workflow.statuses)
      for (const to of workflow.statuses)
        expect(workflow.canMove(from, to), `${from} → ${to}`).toBe(allowedByIssue(from, to))
  })

  it('spelled out', () => {
    expect(workflow.allowed('new')).toEqual(['contacted', 'lost'])
    expect(workflow.allowed('proposal')).toEqual(['won', 'lost'])
    expect(workflow.canMove('new', 'qualified')).toBe(false)
    expect(workflow.canMove('won', 'lost')).toBe(false)
    expect(workflow.canMove('lost', 'new')).toBe(false)
  })
})
