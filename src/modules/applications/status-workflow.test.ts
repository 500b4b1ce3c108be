import { describe, expect, it } from 'vitest'
import { APPLICATION_WORKFLOW as workflow } from './status-workflow.js'

/**
 * DESIGN §7 in its own words, written independently of the table: a wrong table fails here.
 * "saved → applied → screening → interviewing → offer → accepted; any open status → rejected or
 * withdrawn; offer → declined. Terminal: accepted, declined, rejected, withdrawn."
 */
const MAIN = ['saved', 'applied', 'screening', 'interviewing', 'offer', 'accepted']
const TERMINAL = ['accepted', 'declined', 'rejected', 'withdrawn']
const designAllows = (from: string, to: string) => {
  if (TERMINAL.includes(from)) return false
  if (MAIN.includes(from) && MAIN.indexOf(to) === MAIN.indexOf(from) + 1) return true
  if (to === 'rejected' || to === 'withdrawn') return true
  return from === 'offer' && to === 'declined'
}

describe('the application workflow', () => {
  it('has the nine statuses of DESIGN §7, saved first, and starts at saved or applied', () => {
    expect([...workflow.statuses].sort()).toEqual([...MAIN, 'declined', 'rejected', 'withdrawn'].sort())
    expect(workflow.initial).toBe('saved')
    expect(workflow.starts).toEqual(['saved', 'applied'])
    expect(workflow.path).toEqual(MAIN)
    expect([...workflow.terminal].sort()).toEqual(TERMINAL)
  })

  it('allows exactly the moves DESIGN §7 describes, for each of the 81 pairs', () => {
    for (const from of workflow.statuses)
      for (const to of workflow.statuses)
        expect(workflow.canMove(from, to), `${from} → ${to}`).toBe(designAllows(from, to))
  })

  it('spelled out', () => {
    expect(workflow.allowed('saved')).toEqual(['applied', 'rejected', 'withdrawn'])
    expect(workflow.allowed('offer')).toEqual(['accepted', 'declined', 'rejected', 'withdrawn'])
    expect(workflow.canMove('saved', 'screening')).toBe(false)
    expect(workflow.canMove('applied', 'saved')).toBe(false)
    expect(workflow.canMove('interviewing', 'declined')).toBe(false)
    expect(workflow.canMove('rejected', 'applied')).toBe(false)
    for (const end of TERMINAL) expect(workflow.allowed(end as never)).toEqual([])
  })
})
