import { Admin, CustomRoutes, Resource } from 'react-admin'
import { Route } from 'react-router-dom'
import { authProvider } from './api/authProvider'
import { createDataProvider } from './api/dataProvider'
import { RequireSession } from './components/RequireSession'
import { AppNotification, appLayout } from './Layout'
import { archivePages } from './pages/ArchivePages'
import { dashboard } from './pages/Dashboard'
import { feedPage } from './pages/FeedPage'
import { LoginPage } from './pages/LoginPage'
import { resourcePages } from './pages/ResourcePages'
import { archiveResource } from './resource-spec'
import { RESOURCES } from './resources'
import { theme } from './theme'

const dataProvider = createDataProvider(RESOURCES)
const AppLayout = appLayout(RESOURCES)
const Overview = dashboard(RESOURCES)
const FeedPage = feedPage(RESOURCES)
const Dashboard = () => (
  <RequireSession>
    <Overview />
  </RequireSession>
)

/**
 * The console: react-admin over the API, every resource page built from RESOURCES. Each page checks the
 * session itself (react-admin's pages do; the console's own are wrapped in RequireSession): react-admin's
 * `requireAuth` called checkAuth thousands of times, for seconds, before showing the sign-in page.
 */
export function App() {
  return (
    <Admin
      title="Custodian admin"
      dataProvider={dataProvider}
      authProvider={authProvider}
      loginPage={LoginPage}
      dashboard={Dashboard}
      layout={AppLayout}
      notification={AppNotification}
      theme={theme}
      // react-admin reports its use to marmelab with an image request; the CSP would refuse it anyway.
      disableTelemetry
    >
      {RESOURCES.map((spec) => (
        <Resource
          key={spec.name}
          name={spec.name}
          options={{ label: spec.label }}
          icon={spec.icon}
          recordRepresentation={spec.title}
          {...resourcePages(spec, RESOURCES)}
        />
      ))}
      {RESOURCES.filter((spec) => spec.archivable).map((spec) => (
        <Resource
          key={archiveResource(spec.name)}
          name={archiveResource(spec.name)}
          options={{ label: `Archive: ${spec.label}` }}
          recordRepresentation={spec.title}
          {...archivePages(spec, RESOURCES)}
        />
      ))}
      {RESOURCES.flatMap((spec) => spec.archiveExtras ?? []).map((extra) => (
        <Resource key={extra.name} name={extra.name} options={{ label: extra.label }} list={extra.list} />
      ))}
      <CustomRoutes>
        <Route
          path="/feed"
          element={
            <RequireSession>
              <FeedPage />
            </RequireSession>
          }
        />
        {RESOURCES.flatMap((spec) => spec.pages ?? []).map((page) => (
          <Route
            key={page.path}
            path={`/${page.path}`}
            element={<RequireSession>{page.element}</RequireSession>}
          />
        ))}
      </CustomRoutes>
    </Admin>
  )
}
