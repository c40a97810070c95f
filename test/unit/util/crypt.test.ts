import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { crypt, supportedHash, verifyCrypt } from '../../../src/util/crypt.ts'
import { md5, sha224, sha256, sha384, sha512 } from '../../../src/util/hashes.ts'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('synchronous digests', () => {
  it('match node:crypto for every length around the block boundaries', () => {
    for (let n = 0; n < 260; n++) {
      const d = new Uint8Array(n).map((_, i) => (i * 131 + n * 7) & 255)
      expect(hex(md5(d)), `md5 ${n}`).toBe(createHash('md5').update(d).digest('hex'))
      expect(hex(sha224(d)), `sha224 ${n}`).toBe(createHash('sha224').update(d).digest('hex'))
      expect(hex(sha256(d)), `sha256 ${n}`).toBe(createHash('sha256').update(d).digest('hex'))
      expect(hex(sha384(d)), `sha384 ${n}`).toBe(createHash('sha384').update(d).digest('hex'))
      expect(hex(sha512(d)), `sha512 ${n}`).toBe(createHash('sha512').update(d).digest('hex'))
    }
  })
})

// Vectors generated with `openssl passwd -1|-5|-6 -salt <salt> <password>` (OpenSSL 3) and
// Python's crypt.crypt for the rounds= and empty-password cases.
const VECTORS: readonly (readonly [string, string])[] = [
  ['p@ss wörd', '$1$abcdefgh$Ps6mtBcCj4TZHets6p0KA1'],
  ['p@ss wörd', '$5$saltsalt$r9UqAdmng8m1HYhHhcrllKcKfe1GfAfkWztzPO0JS/8'],
  ['p@ss wörd', '$6$saltsalt$SFRaKnCT4od8vzOox5akmgot.pwmob2w0tVGdN06gV5VZs/v69UzCXuaGilC7TepAl6hl8Otr0oB1QIuAhgAu/'],
  // a salt longer than 16 characters is cut to 16
  ['p@ss wörd', '$6$0123456789abcdef$bk8vBq2cUv6HQpeTzU76c9.XKaiQTm3u3D0ndYX/nUZasX/ohpc8j0Ea.c6LTDvu2xMMxnhTiX9m9oBX4BgpQ0'],
  ['p@ss wörd', '$1$x$ZN3uG0SfaMdRtdenLdt73.'],
  ['secret', '$6$rounds=1000$ab$3tLFZOSDxcyiDWcYSrieU1uloXMcbPJQRTcotZNqEJiB1iizwjzbn2jECOCvw6wslPpiTPzli2jppqTUXUq9N0'],
  ['', '$5$rounds=1200$x$3kwSOgiIKCCI5H3nz60A3.fb5Pa/hOHid/YPj/VoK2.'],
  ['a'.repeat(100), '$1$zz$AoACbLjqGpFfMksxTw6vD1'],
  ['pw6', '$6$s6salt$udvPw/rfV2iToc3uupfelb3kxerU5xKrHZptWZSDNIGG6kXFt/qkJFYyGgk9o1Ek/PyvAiJECSQcbj3651pnd/'],
  ['pw5', '$5$s5salt$n0z5Mi9ceD5byJyqZv4KWr0U0xpklmi9ZWqujqaL.n3'],
  ['pw1', '$1$s1salt$qHVo7VrgdtiG3MGklEobT.'],
  ['pw6r', '$6$rounds=2000$r6$urPAQwGcM8Pt3a8RCT/qLLfjpni7JiJdUGsZV5W1N3ESfolf27.8AgpIG86h1UtJ8.d6KHOWroGaNh7xBPDUq.'],
]

describe('crypt(3)', () => {
  it.each(VECTORS)('crypt(%j, setting) reproduces %s', (pw, hash) => {
    expect(crypt(enc(pw), hash)).toBe(hash)
    expect(verifyCrypt(enc(pw), hash)).toBe(true)
  })

  it('rejects a wrong password, and a truncated hash never matches', () => {
    expect(verifyCrypt(enc('pw7'), '$6$s6salt$udvPw/rfV2iToc3uupfelb3kxerU5xKrHZptWZSDNIGG6kXFt/qkJFYyGgk9o1Ek/PyvAiJECSQcbj3651pnd/')).toBe(false)
    expect(verifyCrypt(enc('pw6'), '$6$s6salt$udvPw')).toBe(false)
  })

  it('supports $1$, $5$ and $6$ only', () => {
    expect(['$1$a$b', '$5$a$b', '$6$a$b'].every(supportedHash)).toBe(true)
    for (const h of ['abJnggxhB/yWI', '$2b$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui', '$y$j9T$F5Jx$Sd4y', '$7$x']) {
      expect(supportedHash(h)).toBe(false)
      expect(crypt(enc('x'), h)).toBeUndefined()
    }
  })
})
