import { describe, expect, it } from 'vitest'
import { addressClass, isProxyPort } from '../../../src/util/addresses.ts'

describe('addressClass', () => {
  it.each([
    ['example.com', 'hostname'],
    ['localhost', 'loopback'],
    ['127.0.0.5', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.0.1.10', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public-ip'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.1.1', 'private'],
    ['fd00::1', 'private'],
    ['fe80::1', 'private'],
    ['104.16.1.1', 'cloudflare'],
    ['172.67.1.1', 'cloudflare'],
    ['2606:4700::6810:1', 'cloudflare'],
    ['203.0.113.7', 'public-ip'],
    ['8.8.8.8', 'public-ip'],
    ['2001:db8::1', 'public-ip'],
    ['::ffff:10.0.0.1', 'private'],
    ['256.1.1.1', 'hostname'],
  ])('%s is %s', (host, cls) => {
    expect(addressClass(host)).toBe(cls)
  })

  it('knows the proxy ports', () => {
    expect([80, 443, 8080, 8443, 2096].every(isProxyPort)).toBe(true)
    expect([8404, 3000, 22].some(isProxyPort)).toBe(false)
  })
})
