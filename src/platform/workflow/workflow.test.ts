import { describe, expect, it } from 'vitest'
import { offlineDatabase } from '../../db/database.js'
import { AppError } from '../../http/problem.js'
import {
  defineWorkflow,
  invalidStart,
  invalidTransition,
  problemsOf,
  statusCheck,
  type WorkflowTable,
} from './workflow.js'

/** A small, correct table: a → b → c, any open status → x. */
const table: WorkflowTable<'a' | 'b' | 'c' | 'x'> = {
  statuses: ['a', 'b', 'c', 'x'],
  initial: 'a',
  starts: ['a', 'b'],
  path: ['a', 'b', 'c'],
  transitions: { a: ['b', 'x'], b: ['c', 'x'], c: [], x: [] },
  terminal: ['c', 'x'],
}
const workflow = defineWorkflow('test', table)

const thrown = (fn: () => unknown): AppError => {
  try {
    fn()
  } catch (error) {
    if (error instanceof AppError) return error
    throw error
  }
  throw new Error('did not throw')
}

describe('a workflow table', () => {
  it('answers its moves from the table', () => {
    expect(problemsOf(table)).toEqual([])
    expect(workflow.allowed('a')).toEqual(['b', 'x'])
    expect(workflow.allowed('c')).toEqual([])
    expect(workflow.canMove('a', 'b')).toBe(true)
    expect(workflow.canMove('a', 'c')).toBe(false)
    expect(workflow.canMove('b', 'a')).toBe(false)
    expect(workflow.isTerminal('x')).toBe(true)
    expect(workflow.isTerminal('b')).toBe(false)
    expect(workflow.canStart('b')).toBe(true)
    expect(workflow.canStart('c')).toBe(false)
  })

  it.each([
    [
      'an unknown target',
      { transitions: { ...table.transitions, a: ['b', 'z'] } },
      'transitions of a: z is not a status',
    ],
    [
      'a status without an entry',
      { transitions: { a: ['b'], b: ['c'], c: [] } },
      'transitions: x has no entry',
    ],
    [
      'a move to itself',
      { transitions: { ...table.transitions, b: ['b', 'c'] } },
      'transitions: b moves to itself',
    ],
    ['a terminal status with moves', { terminal: ['c', 'x', 'b'] }, 'terminal: b has moves'],
    ['an open status without moves', { terminal: ['c'] }, 'terminal: x has no moves but is not terminal'],
    ['an initial status that is not a start', { starts: ['b'] }, 'starts: must include the initial a'],
    ['a start off the path', { starts: ['a', 'x'] }, 'starts: x is not a stage of the path'],
    [
      'an open status off the path',
      {
        statuses: ['a', 'b', 'c', 'x', 'h'],
        transitions: { ...table.transitions, a: ['b', 'x', 'h'], h: ['b'] },
      },
      'terminal: h is off the path, so it must be terminal',
    ],
    ['a path that skips a move', { path: ['a', 'c'] }, 'path: a → c is not a move'],
    [
      'a path that does not end in a terminal status',
      { path: ['a', 'b'] },
      'path: must end in a terminal status',
    ],
    ['a status listed twice', { statuses: ['a', 'b', 'c', 'x', 'a'] }, 'statuses: a status is listed twice'],
    [
      'a status no start leads to',
      {
        statuses: ['a', 'b', 'c', 'x', 'y'],
        transitions: { ...table.transitions, y: [] },
        terminal: ['c', 'x', 'y'],
      },
      'transitions: y cannot be reached from a start',
    ],
    [
      'a cycle',
      { transitions: { ...table.transitions, b: ['c', 'x', 'a'] } },
      'transitions: a cycle passes through a',
    ],
  ])('finds %s', (_, change, problem) => {
    const wrong = { ...table, ...change } as WorkflowTable<string>
    expect(problemsOf(wrong)).toContain(problem)
    expect(() => defineWorkflow('broken', wrong)).toThrow(/The broken workflow is wrong/)
  })

  it('refuses a move with 409 invalid_transition naming the current status and the allowed moves', () => {
    const error = thrown(() => invalidTransition(workflow, 'Item 7', 'a', 'c'))
    expect(error.status).toBe(409)
    expect(error.code).toBe('invalid_transition')
    expect(error.extras).toEqual({ current: 'a', requested: 'c', allowed: ['b', 'x'] })
    expect(error.message).toBe('Item 7 is a: a → c is not a move of the test workflow; it can move to b, x.')
    // Judged from a status the item left meanwhile: the move may be allowed from where it is now.
    const raced = thrown(() => invalidTransition(workflow, 'Item 7', 'b', 'x', 'a'))
    expect(raced.extras).toEqual({ current: 'b', requested: 'x', allowed: ['c', 'x'] })
    expect(raced.message).toBe(
      'Item 7 moved from a to b while this request moved it to x; from b, it can move to c, x.',
    )
    const terminal = thrown(() => invalidTransition(workflow, 'Item 7', 'x', 'a'))
    expect(terminal.extras).toMatchObject({ current: 'x', allowed: [] })
    expect(terminal.message).toMatch(/x is terminal\.$/)
  })

  it('refuses a start off the starts with 400 pointing at /status', () => {
    const error = thrown(() => invalidStart(workflow, 'c'))
    expect(error.status).toBe(400)
    expect(error.extras.errors).toEqual([
      { pointer: '/status', detail: 'c is not a start: a new item starts at one of a, b' },
    ])
  })

  it('builds the database CHECK from the statuses', () => {
    expect(statusCheck(workflow).compile(offlineDatabase()).sql).toBe(
      `CHECK ("status" IN ('a', 'b', 'c', 'x'))`,
    )
  })
})
