import type { Insertable } from 'kysely'
import type { LeadRow, LeadsTable } from '../../db/schema.js'
import { ownedRows } from '../../platform/resources/rows.js'

/** Leads are their table's rows (the value in two columns): the toolkit's repository of owned rows. */
export const leadsRepository = ownedRows<LeadRow, Insertable<LeadsTable>>('leads')

export type LeadsRepository = typeof leadsRepository
