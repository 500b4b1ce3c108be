import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN,
  apiClient,
  launchBrowser,
  screenshot,
  seriousViolations,
  startServer,
  watchPage,
} from './harness.js'

/**
 * The admin console in Chromium against the real server on the embedded database: what an operator does
 * (sign in with the keyboard, find a user, delete them, see the batch in the archive, restore, purge with
 * a typed confirmation, watch the live feed, meet an API error with its request id, sign out), with no
 * serious accessibility violation on any page and nothing refused by the page's CSP.
 */

let server: Awaited<ReturnType<typeof startServer>>
let api: ReturnType<typeof apiClient>
let browser: Browser
let context: BrowserContext
let page: Page
let watched: ReturnType<typeof watchPage>
let adminToken: string
const ids = { dmitri: 0, alice: 0, plan: 0, notes: 0, draft: 0, bulk: [] as number[] }
/** Alice's applications by company, and her leads. */
const apps = { Globex: 0, Initech: 0, Umbrella: 0, Hooli: 0, Stark: 0, Wayne: 0, Acme: 0 }
const leads = { Cyberdyne: 0, Tyrell: 0, Soylent: 0 }
const PASSWORD = 'a-user-Secret-1'

async function createUser(email: string, first: string, last: string, role = 'user') {
  const res = await api.call<{ id: number }>('POST', '/users', adminToken, {
    email,
    first_name: first,
    last_name: last,
    password: PASSWORD,
    role,
  })
  if (res.status !== 201) throw new Error(`creating ${email}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.id
}

async function createDocument(token: string, title: string, aliases: string[]) {
  const res = await api.call<{ id: number }>('POST', '/documents', token, {
    title,
    content: `# ${title}\n\nWritten for the browser test.`,
    content_type: 'text/markdown',
    aliases,
  })
  if (res.status !== 201) throw new Error(`creating ${title}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.id
}

/** Creates an application at `path[0]` (a start) and moves it along the rest of `path`. */
async function createApplication(
  token: string,
  company: string,
  position: string,
  source: string,
  path: string[],
) {
  const [start, ...moves] = path
  const res = await api.call<{ id: number }>('POST', '/applications', token, {
    company,
    position,
    source,
    status: start,
  })
  if (res.status !== 201) throw new Error(`creating ${company}: ${res.status} ${JSON.stringify(res.body)}`)
  for (const status of moves) {
    const moved = await api.call('PATCH', `/applications/${res.body.id}`, token, { status })
    if (moved.status !== 200) throw new Error(`moving ${company} to ${status}: ${moved.status}`)
  }
  return res.body.id
}

const at = (hash: string) => `${server.base}/admin#${hash}`

/** Opens a console page afresh: a `goto` to the page already shown would change nothing. */
async function visit(hash: string) {
  if (page.url() === at(hash)) await page.reload()
  else await page.goto(at(hash))
}

/** Waits until `text` is on the page. */
const see = (text: string | RegExp, on: Page = page) =>
  on.getByText(text).first().waitFor({ state: 'visible' })

/** The notice showing now (react-admin's snackbar) that contains `text`. */
const notice = (text: string | RegExp, on: Page = page) =>
  on.getByRole('alert').filter({ hasText: text }).first()

/**
 * Waits until `check` holds, asking from the test's side: the page's CSP forbids the string evaluation
 * `page.waitForFunction` relies on.
 */
async function until(check: () => Promise<boolean>, what: string, timeout = 30_000) {
  const deadline = Date.now() + timeout
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** No serious or critical axe violation on the page as it is now. */
async function accessible(name: string, on: Page = page) {
  expect(await seriousViolations(on), `axe on ${name}`).toEqual([])
}

async function signInWithKeyboard(on: Page, email: string, password: string) {
  await on.getByLabel('Email').waitFor()
  // The email field has the focus: type, Tab to the password, Enter to sign in. No pointer.
  expect(await on.evaluate('document.activeElement && document.activeElement.name')).toBe('email')
  await on.keyboard.type(email)
  await on.keyboard.press('Tab')
  expect(await on.evaluate('document.activeElement && document.activeElement.name')).toBe('password')
  await on.keyboard.type(password)
  await on.keyboard.press('Enter')
}

const sessionToken = async (on: Page = page) => {
  const raw = (await on.evaluate('sessionStorage.getItem("custodian.admin.session")')) as string | null
  return raw ? (JSON.parse(raw) as { token: string }).token : null
}

beforeAll(async () => {
  // Documents are kept 5 days once archived, users 30: archived documents are "purged soon".
  server = await startServer({ ARCHIVE_RETENTION_DAYS_DOCUMENTS: '5' })
  api = apiClient(server.base)
  adminToken = await api.signIn(ADMIN.email, ADMIN.password)
  // 30 users besides the admin and the named ones, so the list has pages.
  for (let i = 1; i <= 30; i += 5) {
    await Promise.all(
      [0, 1, 2, 3, 4].map((k) =>
        createUser(`person${i + k}@example.ch`, `Person`, `Number${String(i + k).padStart(2, '0')}`),
      ),
    )
  }
  ids.dmitri = await createUser('dmitri@example.ch', 'Dmitri', 'Karamazov')
  ids.alice = await createUser('alice@example.ch', 'Alice', 'Liddell')
  const dmitri = await api.signIn('dmitri@example.ch', PASSWORD)
  ids.plan = await createDocument(dmitri, 'Plan of the estate', ['estate-plan'])
  ids.notes = await createDocument(dmitri, 'Notes from underground', ['underground'])
  const alice = await api.signIn('alice@example.ch', PASSWORD)
  ids.draft = await createDocument(alice, 'Draft to purge', ['draft-to-purge'])
  for (const n of ['one', 'two', 'three'])
    ids.bulk.push(await createDocument(alice, `Bulk ${n}`, [`bulk-${n}`]))
  // Alice's job search: seven applications at known statuses (the chart's counts follow from them).
  apps.Globex = await createApplication(alice, 'Globex', 'Platform engineer', 'LinkedIn', ['saved'])
  apps.Initech = await createApplication(alice, 'Initech', 'Backend developer', 'Referral', ['saved'])
  apps.Umbrella = await createApplication(alice, 'Umbrella', 'Data analyst', 'LinkedIn', ['applied'])
  apps.Hooli = await createApplication(alice, 'Hooli', 'Site reliability engineer', 'LinkedIn', [
    'applied',
    'screening',
  ])
  apps.Stark = await createApplication(alice, 'Stark Industries', 'Frontend developer', 'Referral', [
    'applied',
    'screening',
    'interviewing',
  ])
  apps.Wayne = await createApplication(alice, 'Wayne Enterprises', 'Security engineer', 'Job board', [
    'applied',
    'rejected',
  ])
  apps.Acme = await createApplication(alice, 'Acme', 'QA engineer', 'Referral', [
    'applied',
    'screening',
    'interviewing',
    'offer',
  ])
  for (const [company, contact_name, value, moves] of [
    ['Cyberdyne', 'Miles Dyson', { amount: 250000, currency: 'CHF' }, []],
    ['Tyrell', 'Eldon Tyrell', { amount: 1200000, currency: 'EUR' }, ['contacted']],
    ['Soylent', 'Sol Roth', null, ['lost']],
  ] as const) {
    const res = await api.call<{ id: number }>('POST', '/leads', alice, { company, contact_name, value })
    if (res.status !== 201) throw new Error(`creating lead ${company}: ${res.status}`)
    leads[company] = res.body.id
    for (const status of moves)
      expect((await api.call('PATCH', `/leads/${res.body.id}`, alice, { status })).status).toBe(200)
  }

  browser = await launchBrowser()
  // Reduced motion: the console then has no transitions, so axe never measures a colour mid-fade.
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' })
  page = await context.newPage()
  page.setDefaultTimeout(30_000)
  watched = watchPage(page)
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('the admin console', () => {
  it('signs in with the keyboard alone and opens on the overview', async () => {
    await page.goto(`${server.base}/admin`)
    await page.getByLabel('Email').waitFor()
    await accessible('sign-in')
    await screenshot(page, '01-sign-in')
    await signInWithKeyboard(page, ADMIN.email, ADMIN.password)
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    await see(`${ADMIN.email}`)
    await see('Users purged within 7 days')
    await accessible('overview')
    await screenshot(page, '02-overview')
  })

  it('lists users with pages, and finds one by searching', async () => {
    await page.getByRole('menuitem', { name: 'Users' }).click()
    await see('1-25 of 33')
    await accessible('users')
    await screenshot(page, '03-users')
    await page.getByRole('button', { name: 'Go to next page' }).click()
    await see('26-33 of 33')
    await page.getByLabel('Search last name or email').fill('karam')
    await see('1-1 of 1')
    expect(await page.locator('tbody tr').count()).toBe(1)
    await screenshot(page, '04-users-search')
    await page.locator('tbody tr').filter({ hasText: 'dmitri@example.ch' }).click()
    await page.waitForURL(new RegExp(`#/users/${ids.dmitri}/show$`))
    await see('Karamazov')
    await accessible('user')
    await screenshot(page, '05-user')
  })

  it("shows the user's documents and audit trail", async () => {
    await page.getByRole('tab', { name: 'Documents' }).click()
    await see('Plan of the estate')
    await see('Notes from underground')
    await screenshot(page, '06-user-documents')
    await page.getByRole('tab', { name: 'Audit trail' }).click()
    await page
      .getByRole('table', { name: /Fields changed by change/ })
      .first()
      .waitFor()
    await see('dmitri@example.ch')
    await accessible('audit trail')
    await screenshot(page, '07-user-audit-trail')
  })

  it('says in words, with the request id, that someone else changed the user meanwhile (412)', async () => {
    await visit(`/users/${ids.dmitri}`)
    const firstName = page.getByLabel('First name')
    await firstName.waitFor()
    await until(async () => (await firstName.inputValue()) === 'Dmitri', 'the form shows the user')
    // Another admin changes the user after the form was loaded.
    const meanwhile = await api.call('PATCH', `/users/${ids.dmitri}`, adminToken, {
      address: 'Skotoprigonyevsk',
    })
    expect(meanwhile.status).toBe(200)
    await firstName.fill('Dmitry')
    const refused = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().endsWith(`/api/v1/users/${ids.dmitri}`),
    )
    await page.getByRole('button', { name: 'Save' }).click()
    const response = await refused
    expect(response.status()).toBe(412)
    const requestId = response.headers()['x-request-id']
    expect(requestId).toBeTruthy()
    const shown = notice('Someone changed this item')
    await shown.waitFor()
    expect(await shown.textContent()).toContain(`request id ${requestId}`)
    await accessible('edit with an error')
    await screenshot(page, '08-user-edit-412')

    // Reloaded, the form has the other admin's version and the save goes through.
    await page.reload()
    const address = page.getByLabel('Address')
    await until(
      async () => (await address.inputValue()) === 'Skotoprigonyevsk',
      "the form shows the other admin's change",
    )
    await page.getByLabel('First name').fill('Dmitry')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.waitForURL(new RegExp(`#/users/${ids.dmitri}/show$`))
    await see('Dmitry')
    await page.getByRole('tab', { name: 'Audit trail' }).click()
    const diff = page.getByRole('table', { name: /Fields changed by change/ }).first()
    await diff.waitFor()
    expect(await diff.textContent()).toMatch(/first_name.*Dmitri.*Dmitry/)
  })

  it('deletes the user: the archive shows them with their documents in the same batch', async () => {
    await page.getByRole('tab', { name: 'Details' }).click()
    await page.getByRole('button', { name: 'Delete' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByText('with their documents, applications and leads, in one batch').waitFor()
    await accessible('delete confirmation')
    await screenshot(page, '09-delete-confirm')
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await page.waitForURL(new RegExp(`#/archive-users/${ids.dmitri}/show$`))
    await notice(`with 2 documents (#${ids.plan}, #${ids.notes}) in the same batch`).waitFor()
    await see('Deleted together (3 items)')
    await page
      .getByRole('link', { name: new RegExp(`Document #${ids.plan}: “Plan of the estate”`) })
      .waitFor()
    await page
      .getByRole('link', { name: new RegExp(`Document #${ids.notes}: “Notes from underground”`) })
      .waitFor()
    await accessible('archived user')
    await screenshot(page, '10-archived-user-batch')

    // The documents' entries lead back to the same batch.
    await page.getByRole('link', { name: new RegExp(`Document #${ids.plan}:`) }).click()
    await page.waitForURL(new RegExp(`#/archive-documents/${ids.plan}/show$`))
    await see(`This item went with the delete of user #${ids.dmitri}`)
  })

  it('lists the archive of every type, soonest purge first, highlighting what goes within 7 days', async () => {
    await page.getByRole('menuitem', { name: 'Archive' }).click()
    await page.locator('tbody tr').filter({ hasText: 'dmitri@example.ch' }).waitFor()
    await see('users 30 days')
    await accessible('archive of users')
    await screenshot(page, '11-archive-users')

    await page.getByRole('navigation', { name: 'Archive' }).getByRole('link', { name: 'Documents' }).click()
    const plan = page.locator('tbody tr').filter({ hasText: 'Plan of the estate' })
    await plan.waitFor()
    expect(await plan.textContent()).toContain('purged in 5 days')
    await accessible('archive of documents')
    await screenshot(page, '12-archive-documents')

    await page
      .getByRole('navigation', { name: 'Archive' })
      .getByRole('link', { name: 'Reserved aliases' })
      .click()
    await page.locator('tbody tr').filter({ hasText: 'estate-plan' }).waitFor()
    await see('underground')
    await accessible('reserved aliases')
    await screenshot(page, '13-reserved-aliases')
  })

  it('restores the user, and the batch with them', async () => {
    await visit(`/archive-users/${ids.dmitri}/show`)
    await see('Deleted together (3 items)')
    await page.getByRole('button', { name: 'Restore' }).click()
    await page.waitForURL(new RegExp(`#/users/${ids.dmitri}/show$`))
    await notice('restored').waitFor()
    for (const id of [ids.plan, ids.notes]) {
      expect((await api.call('GET', `/documents/${id}`, adminToken)).status).toBe(200)
    }
  })

  it('purges an archived document after its id is typed', async () => {
    expect((await api.call('DELETE', `/documents/${ids.draft}`, adminToken)).status).toBe(200)
    await visit('/archive-documents')
    const row = page.locator('tbody tr').filter({ hasText: 'Draft to purge' })
    await row.waitFor()
    await row.getByRole('button', { name: 'Purge' }).click()
    const dialog = page.getByRole('dialog')
    const confirm = dialog.getByRole('button', { name: 'Purge now' })
    await dialog.getByLabel(`Type ${ids.draft} to confirm`).waitFor()
    expect(await confirm.isDisabled()).toBe(true)
    await dialog.getByLabel(`Type ${ids.draft} to confirm`).fill('purge')
    expect(await confirm.isDisabled()).toBe(true)
    await dialog.getByLabel(`Type ${ids.draft} to confirm`).fill(String(ids.draft))
    expect(await confirm.isDisabled()).toBe(false)
    await screenshot(page, '14-purge-confirm')
    await accessible('purge confirmation')
    await screenshot(page, '14-purge-confirm')
    await confirm.click()
    await notice(`Document #${ids.draft} purged`).waitFor()
    await row.waitFor({ state: 'detached' })
    expect((await api.call('GET', `/documents/${ids.draft}/deleted`, adminToken)).status).toBe(410)
  })

  it('restores and purges several archived items at once', async () => {
    for (const id of ids.bulk)
      expect((await api.call('DELETE', `/documents/${id}`, adminToken)).status).toBe(200)
    await visit('/archive-documents')
    const row = (title: string) => page.locator('tbody tr').filter({ hasText: title })
    await row('Bulk three').waitFor()
    const bulk = page.locator('[data-test="bulk-actions-toolbar"]')
    await row('Bulk one').getByRole('checkbox', { name: 'Select this row' }).check()
    await row('Bulk two').getByRole('checkbox', { name: 'Select this row' }).check()
    await bulk.getByRole('button', { name: 'Restore' }).click()
    await notice('2 documents restored').waitFor()
    await row('Bulk one').waitFor({ state: 'detached' })
    for (const id of ids.bulk.slice(0, 2))
      expect((await api.call('GET', `/documents/${id}`, adminToken)).status).toBe(200)

    await row('Bulk three').getByRole('checkbox', { name: 'Select this row' }).check()
    await bulk.getByRole('button', { name: 'Purge' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Type purge to confirm').fill('purge')
    await dialog.getByRole('button', { name: 'Purge now' }).click()
    await notice('1 document purged').waitFor()
    await row('Bulk three').waitFor({ state: 'detached' })
    expect((await api.call('GET', `/documents/${ids.bulk[2]}/deleted`, adminToken)).status).toBe(410)
  })

  it('shows documents and their aliases', async () => {
    await page.getByRole('menuitem', { name: 'Documents' }).click()
    await page.locator('tbody tr').filter({ hasText: 'Plan of the estate' }).waitFor()
    await accessible('documents')
    await screenshot(page, '15-documents')
    await page.locator('tbody tr').filter({ hasText: 'Plan of the estate' }).click()
    await page.getByRole('tab', { name: 'Aliases' }).click()
    await page.getByLabel('New alias').fill('estate-roadmap')
    await page.getByRole('button', { name: 'Add alias' }).click()
    await notice('Alias estate-roadmap added').waitFor()
    await page.getByRole('button', { name: 'Remove alias estate-roadmap' }).waitFor()
    await accessible('document aliases')
    await screenshot(page, '16-document-aliases')
  })

  it('lists applications, filtered by several statuses and a search; shows and edits one', async () => {
    await page.getByRole('menuitem', { name: 'Applications', exact: true }).click()
    await see('1-7 of 7')
    await accessible('applications')
    await screenshot(page, '20-applications')
    await page.getByRole('combobox', { name: 'Status' }).click()
    await page.getByRole('option', { name: 'screening' }).click()
    await page.getByRole('option', { name: 'interviewing' }).click()
    await page.keyboard.press('Escape')
    await see('1-2 of 2')
    const rows = page.locator('tbody tr')
    expect(await rows.count()).toBe(2)
    expect(await rows.allTextContents()).toEqual([
      expect.stringContaining('Hooli'),
      expect.stringContaining('Stark Industries'),
    ])
    await page.getByLabel('Search company or position').fill('frontend')
    await see('1-1 of 1')
    expect(await rows.first().textContent()).toContain('Stark Industries')
    await accessible('applications filtered')
    await screenshot(page, '21-applications-filtered')
    await rows.first().click()
    await page.waitForURL(new RegExp(`#/applications/${apps.Stark}/show$`))
    await see('Frontend developer')
    await page.getByRole('tab', { name: 'Audit trail' }).click()
    await page.getByText('status changed').first().waitFor()
    await accessible('application audit trail')
    await screenshot(page, '22-application-audit-trail')

    // Edited from its form: only what changed is sent, with If-Match.
    await visit(`/applications/${apps.Stark}`)
    const location = page.getByLabel('Location')
    await until(
      async () => (await page.getByLabel('Company').inputValue()) === 'Stark Industries',
      'the form',
    )
    await location.fill('Malibu')
    const saved = page.waitForRequest(
      (r) => r.method() === 'PATCH' && r.url().endsWith(`/applications/${apps.Stark}`),
    )
    await page.getByRole('button', { name: 'Save' }).click()
    const request = await saved
    expect(request.postDataJSON()).toEqual({ location: 'Malibu' })
    expect(request.headers()['if-match']).toBeTruthy()
    await page.waitForURL(new RegExp(`#/applications/${apps.Stark}/show$`))
    await see('Malibu')
  })

  it('moves an application on the board with the keyboard, says why a move is refused (409), and sees one made meanwhile', async () => {
    await page.getByRole('menuitem', { name: 'Applications board' }).click()
    const column = (status: string) => page.locator(`section[data-status="${status}"]`)
    const card = (status: string, id: number) => column(status).locator(`li[data-id="${id}"]`)
    await card('saved', apps.Globex).waitFor()
    await card('offer', apps.Acme).waitFor()
    await accessible('applications board')
    await screenshot(page, '23-applications-board')

    // Allowed: saved → applied, with the keyboard alone.
    const moved = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().endsWith(`/api/v1/applications/${apps.Globex}`),
    )
    await card('saved', apps.Globex)
      .getByRole('button', { name: /^Move to…/ })
      .focus()
    await page.keyboard.press('Enter')
    await page.getByRole('menu').waitFor()
    await accessible('move menu')
    await screenshot(page, '24-applications-board-move-menu')
    // The menu lists the other statuses in the workflow's order: applied first.
    expect(await page.getByRole('menuitem').first().textContent()).toBe('Applied')
    // The menu opens with the focus on its first item; Enter picks it.
    await until(
      async () =>
        (await page.evaluate('document.activeElement && document.activeElement.textContent')) === 'Applied',
      'the menu has the focus on Applied',
    )
    await page.keyboard.press('Enter')
    expect((await moved).status()).toBe(200)
    await notice('moved from saved to applied').waitFor()
    await card('applied', apps.Globex).waitFor()
    await card('saved', apps.Globex).waitFor({ state: 'detached' })
    expect(
      (await api.call<{ status: string }>('GET', `/applications/${apps.Globex}`, adminToken)).body.status,
    ).toBe('applied')

    // Refused: saved → accepted is no move of the workflow; the API's reason is shown with its request id.
    const refused = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().endsWith(`/api/v1/applications/${apps.Initech}`),
    )
    await card('saved', apps.Initech)
      .getByRole('button', { name: /^Move to…/ })
      .click()
    await page.getByRole('menuitem', { name: 'Accepted' }).click()
    const response = await refused
    expect(response.status()).toBe(409)
    const requestId = response.headers()['x-request-id']
    expect(requestId).toBeTruthy()
    const shown = notice('is not a move of the application status workflow')
    await shown.waitFor()
    const text = await shown.textContent()
    expect(text).toContain('saved → accepted')
    expect(text).toContain('it can move to applied, rejected, withdrawn')
    expect(text).toContain(`(409 invalid_transition; request id ${requestId})`)
    await accessible('refused move')
    await screenshot(page, '25-applications-board-refused')
    await card('saved', apps.Initech).waitFor()
    expect(
      (await api.call<{ status: string }>('GET', `/applications/${apps.Initech}`, adminToken)).body.status,
    ).toBe('saved')

    // Moved meanwhile by someone else: the board says so and shows where it is now; nothing is sent.
    await card('applied', apps.Umbrella).waitFor()
    const other = await api.call('PATCH', `/applications/${apps.Umbrella}`, adminToken, {
      status: 'screening',
    })
    expect(other.status).toBe(200)
    let patched = false
    const watchPatch = (request: Request) => {
      if (request.method() === 'PATCH' && request.url().endsWith(`/applications/${apps.Umbrella}`))
        patched = true
    }
    page.on('request', watchPatch)
    await card('applied', apps.Umbrella)
      .getByRole('button', { name: /^Move to…/ })
      .click()
    await page.getByRole('menuitem', { name: 'Withdrawn' }).click()
    await notice('is screening now, no longer applied').waitFor()
    await card('screening', apps.Umbrella).waitFor()
    page.off('request', watchPatch)
    expect(patched).toBe(false)
    // Back where the chart expects it (screening → applied is no move: the test's own reset is direct).
    expect(
      (await api.call('PATCH', `/applications/${apps.Umbrella}`, adminToken, { status: 'withdrawn' })).status,
    ).toBe(200)
  })

  it('charts applications by status and the funnel, with the values as a table', async () => {
    // After the board: Globex saved → applied, Umbrella applied → screening → withdrawn.
    const byStatus = {
      saved: 1,
      applied: 1,
      screening: 1,
      interviewing: 1,
      offer: 1,
      accepted: 0,
      declined: 0,
      rejected: 1,
      withdrawn: 1,
    }
    const funnel = { saved: 7, applied: 6, screening: 4, interviewing: 2, offer: 1, accepted: 0 }
    const stats = await api.call<{ by_status: Record<string, number> }>(
      'GET',
      '/applications/stats',
      adminToken,
    )
    expect(stats.body.by_status).toEqual(byStatus)

    await page.getByRole('menuitem', { name: 'Applications chart' }).click()
    const counts = page.getByRole('table', { name: 'Applications at each status now' })
    await counts.waitFor()
    await see('7 live applications')
    for (const [status, count] of Object.entries(byStatus)) {
      const cells = await counts.locator(`tr[data-status="${status}"] td`).allTextContents()
      expect(cells[0], status).toBe(String(count))
    }
    const stages = page.getByRole('table', { name: /^Funnel/ })
    for (const [status, reached] of Object.entries(funnel)) {
      const cells = await stages.locator(`tr[data-stage="${status}"] td`).allTextContents()
      expect(cells[0], status).toBe(String(reached))
    }
    expect(await stages.locator('tr[data-stage="saved"]').textContent()).toContain('100 %')
    expect(await stages.locator('tr[data-stage="screening"]').textContent()).toContain('57.1 %')
    await accessible('applications chart')
    await screenshot(page, '26-applications-chart')
  })

  it('archives an application from its page; the archive of applications has it', async () => {
    await visit(`/applications/${apps.Wayne}/show`)
    await see('Security engineer')
    await page.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click()
    await page.waitForURL(new RegExp(`#/archive-applications/${apps.Wayne}/show$`))
    await see('Security engineer at Wayne Enterprises')
    await page.getByRole('menuitem', { name: 'Archive' }).click()
    const archive = page.getByRole('navigation', { name: 'Archive' })
    await archive.getByRole('link', { name: 'Applications' }).click()
    await page.locator('tbody tr').filter({ hasText: 'Wayne Enterprises' }).waitFor()
    await accessible('archive of applications')
    await screenshot(page, '27-archive-applications')
    await archive.getByRole('link', { name: 'Leads' }).click()
    await page.waitForURL(/#\/archive-leads$/)
    await archive.locator('[aria-current="page"]', { hasText: 'Leads' }).waitFor()
    await accessible('archive of leads')
  })

  it('lists leads with their value, filters them by status, and shows their board and chart', async () => {
    await page.getByRole('menuitem', { name: 'Leads', exact: true }).click()
    await see('1-3 of 3')
    const cyberdyne = page.locator('tbody tr').filter({ hasText: 'Cyberdyne' })
    expect(await cyberdyne.textContent()).toContain('2,500.00')
    await accessible('leads')
    await screenshot(page, '28-leads')
    await page.getByRole('combobox', { name: 'Status' }).click()
    await page.getByRole('option', { name: 'lost' }).click()
    await page.keyboard.press('Escape')
    await see('1-1 of 1')
    expect(await page.locator('tbody tr').first().textContent()).toContain('Soylent')

    await page.getByRole('menuitem', { name: 'Leads board' }).click()
    await page.locator(`section[data-status="contacted"] li[data-id="${leads.Tyrell}"]`).waitFor()
    await accessible('leads board')
    await screenshot(page, '29-leads-board')
    await page.getByRole('menuitem', { name: 'Leads chart' }).click()
    const counts = page.getByRole('table', { name: 'Leads at each status now' })
    await counts.waitFor()
    expect(await counts.locator('tr[data-status="new"] td').first().textContent()).toBe('1')
    await accessible('leads chart')
    await screenshot(page, '30-leads-chart')
  })

  it('shows a new change in the live feed without a reload, from the event stream', async () => {
    const streams: { url: string; lastEventId: string | undefined }[] = []
    const polls: string[] = []
    const watch = (request: Request) => {
      const url = request.url()
      if (url.includes('/api/v1/events/stream'))
        streams.push({ url, lastEventId: request.headers()['last-event-id'] })
      // The opening finds the end of the log with pages of one; anything else would be polling.
      else if (
        /\/api\/v1\/events\?/.test(url) &&
        !url.includes('page_size=1&') &&
        !url.endsWith('page_size=1')
      )
        polls.push(url)
    }
    page.on('request', watch)
    await page.getByRole('menuitem', { name: 'Live changes' }).click()
    await page.getByRole('table', { name: 'Changes, newest first' }).waitFor()
    await see('Live: changes arrive as they happen')
    await page.evaluate('window.__sameDocument = true')
    const change = await api.call('PATCH', `/users/${ids.alice}`, adminToken, {
      address: 'Down the rabbit hole',
    })
    expect(change.status).toBe(200)
    const row = page
      .locator('tr[data-sequence]')
      .filter({ hasText: `user #${ids.alice}` })
      .filter({ hasText: 'updated' })
    await row.first().waitFor({ timeout: 15_000 })
    expect(await page.evaluate('window.__sameDocument')).toBe(true)
    // Each change once, newest first.
    const shown = (await page
      .locator('tr[data-sequence]')
      .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-sequence'))))) as number[]
    expect(shown).toEqual([...new Set(shown)].sort((a, b) => b - a))
    await row
      .first()
      .getByRole('button', { name: /Show the fields of change/ })
      .click()
    await see('Down the rabbit hole')
    await accessible('live feed')
    await screenshot(page, '17-live-feed')
    expect(streams).toHaveLength(1)
    expect(polls).toEqual([])

    // Paused, the stream is closed; resumed, it reconnects with Last-Event-ID and catches up.
    const shownBefore = Math.max(
      ...((await page
        .locator('tr[data-sequence]')
        .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-sequence'))))) as number[]),
    )
    await page.getByRole('button', { name: 'Pause' }).click()
    await see('Paused')
    const meanwhile = await api.call('PATCH', `/leads/${leads.Cyberdyne}`, adminToken, {
      status: 'contacted',
    })
    expect(meanwhile.status).toBe(200)
    await page.getByRole('button', { name: 'Resume' }).click()
    const moved = page
      .locator('tr[data-sequence]')
      .filter({ hasText: `lead #${leads.Cyberdyne}` })
      .filter({ hasText: 'status changed' })
    await moved.first().waitFor({ timeout: 15_000 })
    expect(streams).toHaveLength(2)
    expect(Number(streams[1]?.lastEventId)).toBe(shownBefore)
    expect(polls).toEqual([])
    page.off('request', watch)
  })

  it('signs out: the token is revoked', async () => {
    const token = await sessionToken()
    expect(token).toBeTruthy()
    await page.getByRole('button', { name: /Profile|root@example\.ch/ }).click()
    await page.getByRole('menuitem', { name: 'Logout' }).click()
    await page.getByLabel('Email').waitFor()
    expect(await sessionToken()).toBeNull()
    expect((await api.call('GET', '/users', token ?? '')).status).toBe(401)
  })

  it('goes back to sign-in when the token stops working (401)', async () => {
    await signInWithKeyboard(page, ADMIN.email, ADMIN.password)
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    const token = await sessionToken()
    expect((await api.call('DELETE', '/tokens/current', token ?? '')).status).toBe(204)
    // The next API call answers 401: the one a click on Users makes, unless a refresh of the overview
    // (on a busy machine, before the click) already did and the console is back at sign-in.
    await page
      .getByRole('menuitem', { name: 'Users' })
      .click({ timeout: 5_000 })
      .catch(() => {})
    await page.getByLabel('Email').waitFor()
    await notice('Your session has ended').waitFor()
    await screenshot(page, '18-session-ended')
  })

  it('tells a user who is not an admin that the console is for admins', async () => {
    const other = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      reducedMotion: 'reduce',
    })
    const userPage = await other.newPage()
    const userWatch = watchPage(userPage)
    await userPage.goto(`${server.base}/admin`)
    await signInWithKeyboard(userPage, 'alice@example.ch', PASSWORD)
    const alert = userPage.getByRole('alert').filter({ hasText: 'is not an administrator' })
    await alert.waitFor()
    expect(await alert.textContent()).toContain('alice@example.ch is not an administrator')
    await accessible('refused sign-in', userPage)
    await screenshot(userPage, '19-not-an-admin')
    expect(userWatch.refused).toEqual([])
    await other.close()
  })

  it('needed nothing the CSP refuses, and threw no error', () => {
    expect(watched.refused).toEqual([])
    expect(watched.errors).toEqual([])
  })
})
