import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DevProcess, freePort, Origins, send, spawnDev } from '../diff/harness.ts'

/*
 * The stats page under `edgeproxy dev`, driven by a real headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core): Basic auth, the rows of every proxy, the Refresh
 * header reloading the page with new counters, and an admin action (check a server, choose
 * DRAIN or MAINT, Apply) that takes the server out of load balancing.
 */
describe('stats page in Chromium', () => {
  const origins = new Origins()
  let dev: DevProcess | undefined
  let browser: Browser | undefined
  let ctx: BrowserContext | undefined
  let port = 0
  const out = (): string => dev?.output() ?? ''
  const statsUrl = (suffix = ''): string => `http://127.0.0.1:${port}/stats${suffix}`
  const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`

  async function servedBy(n: number): Promise<string[]> {
    const seen: string[] = []
    for (let i = 0; i < n; i++) seen.push((await send(port, { path: '/' })).seen?.server ?? 'none')
    return seen
  }

  /** Polls until `n` requests in a row avoid `server` (the admin change reached the isolate). */
  async function untilAvoided(server: string, ms: number): Promise<void> {
    const start = Date.now()
    for (;;) {
      const s = await servedBy(6)
      if (!s.includes(server)) return
      if (Date.now() - start > ms) throw new Error(`${server} still served after ${ms} ms: ${s.join(',')}\n${out()}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  /** The row of a proxy's server (or FRONTEND/BACKEND). */
  const row = (page: Page, proxy: string, server: string) => page.locator(`tr[data-proxy="${proxy}"][data-server="${server}"]`)
  const cell = async (page: Page, proxy: string, server: string, field: string): Promise<string> =>
    ((await row(page, proxy, server).locator(`td[data-f="${field}"]`).first().textContent()) ?? '').trim()

  /** Reloads until the row's class is `cls` (admin state reaches the stats input within seconds). */
  async function untilRowClass(page: Page, proxy: string, server: string, cls: string, ms: number): Promise<void> {
    const start = Date.now()
    for (;;) {
      if ((await row(page, proxy, server).getAttribute('class')) === cls) return
      if (Date.now() - start > ms) throw new Error(`row ${proxy}/${server} is '${await row(page, proxy, server).getAttribute('class')}', not '${cls}', after ${ms} ms`)
      await new Promise((r) => setTimeout(r, 500))
      await page.goto(statsUrl(';norefresh'))
    }
  }

  beforeAll(async () => {
    await origins.start(['web1', 'web2', 'web3'])
    port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'edgeproxy-stats-page-'))
    const cfg = join(dir, 'stats.cfg')
    writeFileSync(
      cfg,
      `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s

frontend fe
    bind 127.0.0.1:${port}
    stats enable
    stats uri /stats
    stats refresh 2s
    stats auth admin:pw
    stats admin if TRUE
    default_backend be

backend be
    balance roundrobin
    option httpchk GET /health
    default-server inter 500 fall 2 rise 2
    server web1 127.0.0.1:${origins.port('web1')} check
    server web2 127.0.0.1:${origins.port('web2')} check
    server web3 127.0.0.1:${origins.port('web3')} check
`,
    )
    dev = spawnDev(cfg, join(dir, 'state'))
    await dev.ready
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium' })
    ctx = await browser.newContext({ httpCredentials: { username: 'admin', password: 'pw' } })
  }, 120_000)

  afterAll(async () => {
    await ctx?.close()
    await browser?.close()
    const pid = dev?.child.pid
    if (pid !== undefined && dev?.child.exitCode === null) {
      try {
        process.kill(-pid, 'SIGTERM')
      } catch {
        // already gone
      }
      await Promise.race([dev?.exited, new Promise((r) => setTimeout(r, 5000))])
    }
    await origins.stop()
  })

  it('rejects missing and wrong credentials with 401 and the realm', async () => {
    const none = await send(port, { path: '/stats' })
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Basic realm="HAProxy Statistics"')
    expect(none.body).toContain('401 Unauthorized')
    const wrong = await send(port, { path: '/stats', headers: { authorization: basic('admin', 'nope') } })
    expect(wrong.status).toBe(401)
    const ok = await send(port, { path: '/stats', headers: { authorization: basic('admin', 'pw') } })
    expect(ok.status).toBe(200)
    expect(ok.headers.refresh).toBe('2')

    // The browser with wrong credentials gets the 401 too.
    const bad = await browser?.newContext({ httpCredentials: { username: 'admin', password: 'wrong' } })
    const page = await bad?.newPage()
    const res = await page?.goto(statsUrl())
    expect(res?.status()).toBe(401)
    await bad?.close()
  })

  it('renders the FRONTEND, every server and BACKEND', async () => {
    const page = await ctx?.newPage()
    if (!page) throw new Error('no browser page')
    const res = await page.goto(statsUrl())
    expect(res?.status()).toBe(200)
    expect(await page.title()).toBe('Statistics Report for HAProxy')
    expect(await page.locator('h1').textContent()).toContain('edgeproxy')
    await expect(row(page, 'fe', 'FRONTEND').count()).resolves.toBe(1)
    await expect(row(page, 'be', 'BACKEND').count()).resolves.toBe(1)
    for (const s of ['web1', 'web2', 'web3']) {
      await expect(row(page, 'be', s).count()).resolves.toBe(1)
      await untilRowClass(page, 'be', s, 'active_up', 10_000)
      expect(await cell(page, 'be', s, 'status')).toMatch(/UP$/)
    }
    expect(await cell(page, 'fe', 'FRONTEND', 'status')).toBe('OPEN')
    await page.close()
  })

  it('reloads itself after `stats refresh` and shows the new counters', async () => {
    const page = await ctx?.newPage()
    if (!page) throw new Error('no browser page')
    let loads = 0
    page.on('load', () => loads++)
    const res = await page.goto(statsUrl())
    expect(res?.headers().refresh).toBe('2')
    // The cell's text is the number, then its hover details.
    const before = Number.parseInt(await cell(page, 'be', 'BACKEND', 'stot'), 10)
    await servedBy(9)
    // No reload from the test: the Refresh header does it every 2 s until the counters show up.
    await page.waitForFunction(
      `(() => {
        const td = document.querySelector('tr[data-proxy="be"][data-server="BACKEND"] td[data-f="stot"]')
        return td !== null && Number.parseInt(td.textContent.trim(), 10) >= ${before + 9}
      })()`,
      undefined,
      { timeout: 30_000, polling: 250 },
    )
    expect(loads).toBeGreaterThanOrEqual(2)
    // ;norefresh drops the header and the page says how to enable it again.
    const still = await page.goto(statsUrl(';norefresh'))
    expect(still?.headers().refresh).toBeUndefined()
    expect(await page.locator('a', { hasText: 'Enable refresh' }).count()).toBe(1)
    await page.close()
  })

  /** From a fresh page: checks `servers` in backend `be`'s form, chooses `action`, Apply; returns the page's URL after the 303. */
  async function applyAction(page: Page, servers: readonly string[], action: string): Promise<string> {
    await page.goto(statsUrl(';norefresh'))
    const form = page.locator('form:has(tr[data-proxy="be"])')
    for (const s of servers) await form.locator(`tr[data-server="${s}"] input[type="checkbox"][name="s"]`).check()
    await form.locator('select[name="action"]').selectOption(action)
    await Promise.all([page.waitForURL(/;st=/), form.locator('input[type="submit"][value="Apply"]').click()])
    return page.url()
  }

  it('drains and puts a server in maintenance from the page: the proxy stops sending it traffic', async () => {
    const page = await ctx?.newPage()
    if (!page) throw new Error('no browser page')
    expect(new Set(await servedBy(6))).toEqual(new Set(['web1', 'web2', 'web3']))

    // DRAIN web2: the POST is answered 303 to ;st=DONE (keeping ;norefresh) and the banner says so.
    expect(await applyAction(page, ['web2'], 'drain')).toBe(statsUrl(';st=DONE;norefresh'))
    expect(await page.locator('#st-banner').textContent()).toContain('Action processed successfully.')
    await untilRowClass(page, 'be', 'web2', 'active_draining', 10_000)
    expect(await cell(page, 'be', 'web2', 'status')).toMatch(/DRAIN$/)
    await untilAvoided('web2', 10_000)
    expect(await servedBy(12)).not.toContain('web2')

    // MAINT web3
    expect(await applyAction(page, ['web3'], 'maint')).toBe(statsUrl(';st=DONE;norefresh'))
    await untilRowClass(page, 'be', 'web3', 'maintain', 10_000)
    expect(await cell(page, 'be', 'web3', 'status')).toMatch(/MAINT$/)
    await untilAvoided('web3', 10_000)
    expect(new Set(await servedBy(12))).toEqual(new Set(['web1']))

    // READY both again
    expect(await applyAction(page, ['web2', 'web3'], 'ready')).toBe(statsUrl(';st=DONE;norefresh'))
    await untilRowClass(page, 'be', 'web2', 'active_up', 10_000)
    await untilRowClass(page, 'be', 'web3', 'active_up', 10_000)
    const start = Date.now()
    while (new Set(await servedBy(6)).size < 3) {
      if (Date.now() - start > 10_000) throw new Error(`web2/web3 not back in rotation\n${out()}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    await page.close()
  })

  it('answers a POST without admin rights or with an unknown backend like HAProxy (303)', async () => {
    const auth = basic('admin', 'pw')
    const r = await send(port, {
      path: '/stats',
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 's=web1&action=drain&b=nope',
    })
    expect(r.status).toBe(303)
    expect(r.headers.location).toBe('/stats;st=ERRP')
    expect(r.body).toBe('')
  })
})
