// Only `components` of the API's description is bundled (the schemas: a few kB), not its `paths`.
import { components } from '../../../openapi.json'

/**
 * The statuses of a workflow resource, in the API's order, from the API's own description
 * (openapi.json, which `npm run openapi:check` keeps equal to what the server serves). The server
 * builds that enum from the workflow's table (src/modules/…/status-workflow.ts): the console copies no
 * list of statuses, and a workflow that gains one shows it after a rebuild.
 */
export function statusesOf(schema: 'Application' | 'Lead'): readonly string[] {
  return components.schemas[schema].properties.status.enum
}
