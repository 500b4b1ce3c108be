/**
 * What a change record says happened: the one list behind the API's enum, the database's CHECK
 * (migration 0004) and the code. `status_changed` is a workflow's move (an application's status).
 */
export const CHANGE_ACTIONS = [
  'created',
  'updated',
  'status_changed',
  'deleted',
  'restored',
  'purged',
] as const

export type ChangeAction = (typeof CHANGE_ACTIONS)[number]
