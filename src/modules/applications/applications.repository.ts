import type { Insertable } from 'kysely'
import type { ApplicationRow, ApplicationsTable } from '../../db/schema.js'
import { ownedRows } from '../../platform/resources/rows.js'

/** Applications are what the API shows, column for column: the toolkit's repository of owned rows. */
export const applicationsRepository = ownedRows<ApplicationRow, Insertable<ApplicationsTable>>('applications')

export type ApplicationsRepository = typeof applicationsRepository
