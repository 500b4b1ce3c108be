/**
 * The LIKE pattern of a `search` fragment: case-insensitive (compared with `lower(column)`, which the
 * trigram indexes serve), its `%`, `_` and `\` literal.
 */
export const likePattern = (fragment: string) =>
  `%${fragment.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
