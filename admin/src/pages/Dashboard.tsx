import { Card, CardActionArea, CardContent, Grid, Typography } from '@mui/material'
import { Link, Title, useGetList } from 'react-admin'
import { SOON_DAYS } from '../components/PurgeAt'
import { archiveResource, type ResourceSpec } from '../resource-spec'

/** A count read from a list's `count` (one item asked for). */
function Count({
  resource,
  filter,
  label,
  to,
}: {
  resource: string
  filter?: object
  label: string
  to: string
}) {
  const { total, isPending, error } = useGetList(resource, { pagination: { page: 1, perPage: 1 }, filter })
  return (
    <Card variant="outlined">
      <CardActionArea component={Link} to={to}>
        <CardContent>
          <Typography variant="h4" component="p">
            {isPending ? '…' : error ? '?' : (total ?? '?')}
          </Typography>
          <Typography variant="body1">{label}</Typography>
        </CardContent>
      </CardActionArea>
    </Card>
  )
}

/** The first page: how much there is, what is archived, what is purged soon. */
export function dashboard(specs: ResourceSpec[]) {
  return function Dashboard() {
    return (
      <Card sx={{ mt: 2 }}>
        <Title title="Custodian admin" />
        <CardContent>
          <Typography variant="h5" component="h1" gutterBottom>
            Overview
          </Typography>
          <Grid container spacing={2}>
            {specs.map((spec) => (
              <Grid key={spec.name} size={{ xs: 12, sm: 6, md: 3 }}>
                <Count resource={spec.name} label={spec.label} to={`/${spec.name}`} />
              </Grid>
            ))}
            {specs
              .filter((spec) => spec.archivable)
              .flatMap((spec) => [
                <Grid key={`${spec.name}-archived`} size={{ xs: 12, sm: 6, md: 3 }}>
                  <Count
                    resource={archiveResource(spec.name)}
                    label={`${spec.label} archived`}
                    to={`/${archiveResource(spec.name)}`}
                  />
                </Grid>,
                <Grid key={`${spec.name}-soon`} size={{ xs: 12, sm: 6, md: 3 }}>
                  <Count
                    resource={archiveResource(spec.name)}
                    filter={{ purge_within_days: SOON_DAYS }}
                    label={`${spec.label} purged within ${SOON_DAYS} days`}
                    to={`/${archiveResource(spec.name)}?filter=${encodeURIComponent(JSON.stringify({ purge_within_days: SOON_DAYS }))}`}
                  />
                </Grid>,
              ])}
          </Grid>
          <Typography variant="body1" sx={{ mt: 2 }}>
            Every change shows up in <Link to="/feed">Live changes</Link> as it happens.
          </Typography>
        </CardContent>
      </Card>
    )
  }
}
