import type { Ajv } from 'ajv'

/** Marks an array query parameter that also takes its values comma-separated. */
export const LIST_KEYWORD = 'x-comma-separated'

/**
 * Teaches a validator query lists: `?status=applied,screening` and `?status=applied&status=screening`
 * (or both at once) are the same list. The validator of query strings coerces a single value into a
 * one-item array first; this keyword then splits each item at its commas, before the items are checked,
 * so a value outside the enum is reported as usual, naming the parameter.
 */
export function addLists(ajv: Ajv) {
  ajv.addKeyword({
    keyword: LIST_KEYWORD,
    type: 'array',
    schemaType: 'boolean',
    modifying: true,
    errors: false,
    before: 'items',
    validate: (enabled: boolean, values: unknown[]) => {
      if (enabled)
        values.splice(
          0,
          values.length,
          ...values.flatMap((v) => (typeof v === 'string' ? v.split(',') : [v])),
        )
      return true
    },
  })
}
