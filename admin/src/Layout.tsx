import DynamicFeedIcon from '@mui/icons-material/DynamicFeed'
import Inventory2Icon from '@mui/icons-material/Inventory2'
import type { ReactNode } from 'react'
import { AppBar, Layout, Logout, Menu, Notification, UserMenu, useGetIdentity } from 'react-admin'
import { archiveResource, type ResourceSpec } from './resource-spec'

/** The menu: the overview, each resource, their pages, the archive and the live feed. */
export function appLayout(specs: ResourceSpec[]) {
  const firstArchive = specs.find((spec) => spec.archivable)
  function AppMenu() {
    return (
      <Menu>
        <Menu.DashboardItem primaryText="Overview" />
        {specs.map((spec) => (
          <Menu.ResourceItem key={spec.name} name={spec.name} />
        ))}
        {specs.flatMap((spec) =>
          (spec.pages ?? []).map((page) => {
            const Icon = page.icon
            return (
              <Menu.Item key={page.path} to={`/${page.path}`} primaryText={page.label} leftIcon={<Icon />} />
            )
          }),
        )}
        {firstArchive && (
          <Menu.Item
            to={`/${archiveResource(firstArchive.name)}`}
            primaryText="Archive"
            leftIcon={<Inventory2Icon />}
          />
        )}
        <Menu.Item to="/feed" primaryText="Live changes" leftIcon={<DynamicFeedIcon />} />
      </Menu>
    )
  }
  return function AppLayout({ children }: { children: ReactNode }) {
    return (
      <Layout menu={AppMenu} appBar={AppAppBar}>
        {children}
      </Layout>
    )
  }
}

/** The signed-in admin's menu, named by what it shows (who is signed in), with the sign-out. */
function AppUserMenu() {
  const { identity } = useGetIdentity()
  return (
    <UserMenu label={identity?.fullName ? String(identity.fullName) : 'Profile'}>
      <Logout />
    </UserMenu>
  )
}

function AppAppBar() {
  return <AppBar userMenu={<AppUserMenu />} />
}

/** Notices stay 8 s: an error's request id needs time to be read or copied. */
export function AppNotification() {
  return <Notification autoHideDuration={8000} multiLine />
}
