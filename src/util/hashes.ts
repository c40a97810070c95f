/**
 * @module
 * Synchronous MD5 and SHA-2 (SHA-224/256, SHA-384/512) over bytes: the project's one implementation
 * of each, for crypt(3) password hashes (src/util/crypt.ts), the sha2/digest/hmac converters
 * (src/sample/converters/digest.ts), the RouteMap hash (src/util/sha256.ts) and the runtime API
 * token check. Pure TypeScript: the Worker checks `http_auth` credentials and runs converters
 * inside a synchronous fetch, where crypto.subtle (async) cannot be awaited, and node:crypto does
 * not exist. The hashers are incremental and reuse their buffers: sha-crypt hashes a few short
 * pieces thousands of times.
 */

/** An incremental hash: `update` pieces, then `digest` (which resets it for the next message). */
export interface Hasher {
  update(data: Uint8Array): this
  digest(): Uint8Array
}

abstract class BlockHasher implements Hasher {
  readonly #buf: Uint8Array
  #pos = 0
  #len = 0
  readonly blockSize: number
  readonly lenBytes: number
  readonly littleEndian: boolean
  constructor(blockSize: number, lenBytes: number, littleEndian: boolean) {
    this.blockSize = blockSize
    this.lenBytes = lenBytes
    this.littleEndian = littleEndian
    this.#buf = new Uint8Array(blockSize)
  }

  protected abstract init(): void
  protected abstract compress(block: Uint8Array): void
  protected abstract output(): Uint8Array

  reset(): void {
    this.#pos = 0
    this.#len = 0
    this.init()
  }

  update(data: Uint8Array): this {
    const buf = this.#buf
    const bs = this.blockSize
    let pos = this.#pos
    for (let i = 0; i < data.length; i++) {
      buf[pos++] = data[i] as number
      if (pos === bs) {
        this.compress(buf)
        pos = 0
      }
    }
    this.#pos = pos
    this.#len += data.length
    return this
  }

  digest(): Uint8Array {
    const buf = this.#buf
    const bs = this.blockSize
    let pos = this.#pos
    buf[pos++] = 0x80
    if (pos > bs - this.lenBytes) {
      buf.fill(0, pos)
      this.compress(buf)
      pos = 0
    }
    buf.fill(0, pos)
    const bits = this.#len * 8
    const hi = Math.floor(bits / 2 ** 32)
    const lo = bits >>> 0
    if (this.littleEndian) {
      for (let k = 0; k < 4; k++) {
        buf[bs - 8 + k] = (lo >>> (8 * k)) & 0xff
        buf[bs - 4 + k] = (hi >>> (8 * k)) & 0xff
      }
    } else {
      for (let k = 0; k < 4; k++) {
        buf[bs - 1 - k] = (lo >>> (8 * k)) & 0xff
        buf[bs - 5 - k] = (hi >>> (8 * k)) & 0xff
      }
    }
    this.compress(buf)
    const out = this.output()
    this.reset()
    return out
  }
}

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n))
const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n))

const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]
const MD5_K = new Int32Array(64).map((_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0)

export class Md5 extends BlockHasher {
  readonly #h = new Int32Array(4)
  readonly #w = new Int32Array(16)
  constructor() {
    super(64, 8, true)
    this.reset()
  }
  protected init(): void {
    this.#h.set([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476])
  }
  protected compress(b: Uint8Array): void {
    const w = this.#w
    for (let i = 0; i < 16; i++) w[i] = (b[i * 4] as number) | ((b[i * 4 + 1] as number) << 8) | ((b[i * 4 + 2] as number) << 16) | ((b[i * 4 + 3] as number) << 24)
    const h = this.#h
    let a = h[0] as number
    let bb = h[1] as number
    let c = h[2] as number
    let d = h[3] as number
    for (let i = 0; i < 64; i++) {
      let f: number
      let g: number
      if (i < 16) {
        f = (bb & c) | (~bb & d)
        g = i
      } else if (i < 32) {
        f = (d & bb) | (~d & c)
        g = (5 * i + 1) & 15
      } else if (i < 48) {
        f = bb ^ c ^ d
        g = (3 * i + 5) & 15
      } else {
        f = c ^ (bb | ~d)
        g = (7 * i) & 15
      }
      const t = d
      d = c
      c = bb
      bb = (bb + rotl((a + f + (MD5_K[i] as number) + (w[g] as number)) | 0, MD5_S[(i >> 4) * 4 + (i & 3)] as number)) | 0
      a = t
    }
    h[0] = ((h[0] as number) + a) | 0
    h[1] = ((h[1] as number) + bb) | 0
    h[2] = ((h[2] as number) + c) | 0
    h[3] = ((h[3] as number) + d) | 0
  }
  protected output(): Uint8Array {
    const out = new Uint8Array(16)
    for (let i = 0; i < 16; i++) out[i] = ((this.#h[i >> 2] as number) >>> (8 * (i & 3))) & 0xff
    return out
  }
}

const K256 = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

const SHA256_INIT = [0x6a09e667, 0xbb67ae85 | 0, 0x3c6ef372, 0xa54ff53a | 0, 0x510e527f, 0x9b05688c | 0, 0x1f83d9ab, 0x5be0cd19]
const SHA224_INIT = [0xc1059ed8 | 0, 0x367cd507, 0x3070dd17, 0xf70e5939 | 0, 0xffc00b31 | 0, 0x68581511, 0x64f98fa7, 0xbefa4fa4 | 0]

/** SHA-256, or SHA-224 with `224` (other initial values, output truncated to 28 bytes). */
export class Sha256 extends BlockHasher {
  readonly #h = new Int32Array(8)
  readonly #w = new Int32Array(64)
  readonly #init: readonly number[]
  readonly #outLen: number
  constructor(bits: 256 | 224 = 256) {
    super(64, 8, false)
    this.#init = bits === 224 ? SHA224_INIT : SHA256_INIT
    this.#outLen = bits / 8
    this.reset()
  }
  protected init(): void {
    this.#h.set(this.#init)
  }
  protected compress(b: Uint8Array): void {
    const w = this.#w
    for (let i = 0; i < 16; i++) w[i] = ((b[i * 4] as number) << 24) | ((b[i * 4 + 1] as number) << 16) | ((b[i * 4 + 2] as number) << 8) | (b[i * 4 + 3] as number)
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15] as number
      const y = w[i - 2] as number
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10)
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0
    }
    const h = this.#h
    let a = h[0] as number
    let bb = h[1] as number
    let c = h[2] as number
    let d = h[3] as number
    let e = h[4] as number
    let f = h[5] as number
    let g = h[6] as number
    let hh = h[7] as number
    for (let i = 0; i < 64; i++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
      const ch = (e & f) ^ (~e & g)
      const t1 = (hh + S1 + ch + (K256[i] as number) + (w[i] as number)) | 0
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
      const maj = (a & bb) ^ (a & c) ^ (bb & c)
      const t2 = (S0 + maj) | 0
      hh = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = bb
      bb = a
      a = (t1 + t2) | 0
    }
    h[0] = ((h[0] as number) + a) | 0
    h[1] = ((h[1] as number) + bb) | 0
    h[2] = ((h[2] as number) + c) | 0
    h[3] = ((h[3] as number) + d) | 0
    h[4] = ((h[4] as number) + e) | 0
    h[5] = ((h[5] as number) + f) | 0
    h[6] = ((h[6] as number) + g) | 0
    h[7] = ((h[7] as number) + hh) | 0
  }
  protected output(): Uint8Array {
    return bigEndianBytes(this.#h, this.#outLen)
  }
}

function bigEndianBytes(h: Int32Array, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < out.length; i++) out[i] = ((h[i >> 2] as number) >>> (24 - 8 * (i & 3))) & 0xff
  return out
}

// SHA-512 round constants as (high, low) 32-bit halves.
const K512 = new Int32Array([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc, 0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118,
  0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2, 0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694,
  0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65, 0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4, 0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70,
  0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df, 0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30, 0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8, 0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3,
  0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec, 0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b,
  0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178, 0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c, 0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
])

/** Carry out of the low-word sum `lo` (of up to a few unsigned 32-bit terms). */
const carry = (lo: number): number => (lo / 4294967296) | 0

// Initial values as (high, low) 32-bit halves.
const SHA512_INIT = [
  0x6a09e667,
  0xf3bcc908 | 0,
  0xbb67ae85 | 0,
  0x84caa73b | 0,
  0x3c6ef372,
  0xfe94f82b | 0,
  0xa54ff53a | 0,
  0x5f1d36f1,
  0x510e527f,
  0xade682d1 | 0,
  0x9b05688c | 0,
  0x2b3e6c1f,
  0x1f83d9ab,
  0xfb41bd6b | 0,
  0x5be0cd19,
  0x137e2179,
]
const SHA384_INIT = [
  0xcbbb9d5d | 0,
  0xc1059ed8 | 0,
  0x629a292a,
  0x367cd507,
  0x9159015a | 0,
  0x3070dd17,
  0x152fecd8,
  0xf70e5939 | 0,
  0x67332667,
  0xffc00b31 | 0,
  0x8eb44a87 | 0,
  0x68581511,
  0xdb0c2e0d | 0,
  0x64f98fa7,
  0x47b5481d,
  0xbefa4fa4 | 0,
]

/** SHA-512, or SHA-384 with `384` (other initial values, output truncated to 48 bytes). */
export class Sha512 extends BlockHasher {
  readonly #h = new Int32Array(16)
  readonly #w = new Int32Array(160)
  readonly #init: readonly number[]
  readonly #outLen: number
  constructor(bits: 512 | 384 = 512) {
    super(128, 16, false)
    this.#init = bits === 384 ? SHA384_INIT : SHA512_INIT
    this.#outLen = bits / 8
    this.reset()
  }
  protected init(): void {
    this.#h.set(this.#init)
  }
  protected compress(b: Uint8Array): void {
    const w = this.#w
    for (let i = 0; i < 32; i++) w[i] = ((b[i * 4] as number) << 24) | ((b[i * 4 + 1] as number) << 16) | ((b[i * 4 + 2] as number) << 8) | (b[i * 4 + 3] as number)
    for (let i = 32; i < 160; i += 2) {
      const xh = w[i - 30] as number
      const xl = w[i - 29] as number
      const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7)
      const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25))
      const yh = w[i - 4] as number
      const yl = w[i - 3] as number
      const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6)
      const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26))
      const lo = (s0l >>> 0) + (s1l >>> 0) + ((w[i - 13] as number) >>> 0) + ((w[i - 31] as number) >>> 0)
      w[i] = (s0h + s1h + (w[i - 14] as number) + (w[i - 32] as number) + carry(lo)) | 0
      w[i + 1] = lo | 0
    }
    const h = this.#h
    let ah = h[0] as number
    let al = h[1] as number
    let bh = h[2] as number
    let bl = h[3] as number
    let ch = h[4] as number
    let cl = h[5] as number
    let dh = h[6] as number
    let dl = h[7] as number
    let eh = h[8] as number
    let el = h[9] as number
    let fh = h[10] as number
    let fl = h[11] as number
    let gh = h[12] as number
    let gl = h[13] as number
    let hh = h[14] as number
    let hl = h[15] as number
    for (let i = 0; i < 160; i += 2) {
      const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23))
      const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23))
      const chh = (eh & fh) ^ (~eh & gh)
      const chl = (el & fl) ^ (~el & gl)
      const t1lo = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + ((K512[i + 1] as number) >>> 0) + ((w[i + 1] as number) >>> 0)
      const t1h = (hh + S1h + chh + (K512[i] as number) + (w[i] as number) + carry(t1lo)) | 0
      const t1l = t1lo | 0
      const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25))
      const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25))
      const majh = (ah & bh) ^ (ah & ch) ^ (bh & ch)
      const majl = (al & bl) ^ (al & cl) ^ (bl & cl)
      const t2lo = (S0l >>> 0) + (majl >>> 0)
      const t2h = (S0h + majh + carry(t2lo)) | 0
      hh = gh
      hl = gl
      gh = fh
      gl = fl
      fh = eh
      fl = el
      const elo = (dl >>> 0) + (t1l >>> 0)
      eh = (dh + t1h + carry(elo)) | 0
      el = elo | 0
      dh = ch
      dl = cl
      ch = bh
      cl = bl
      bh = ah
      bl = al
      const alo = (t1l >>> 0) + (t2lo >>> 0)
      ah = (t1h + t2h + carry(alo)) | 0
      al = alo | 0
    }
    const add = (k: number, vh: number, vl: number): void => {
      const lo = ((h[k + 1] as number) >>> 0) + (vl >>> 0)
      h[k] = ((h[k] as number) + vh + carry(lo)) | 0
      h[k + 1] = lo | 0
    }
    add(0, ah, al)
    add(2, bh, bl)
    add(4, ch, cl)
    add(6, dh, dl)
    add(8, eh, el)
    add(10, fh, fl)
    add(12, gh, gl)
    add(14, hh, hl)
  }
  protected output(): Uint8Array {
    return bigEndianBytes(this.#h, this.#outLen)
  }
}

const oneShot =
  (make: () => Hasher) =>
  (data: Uint8Array): Uint8Array =>
    make().update(data).digest()

export const md5 = oneShot(() => new Md5())
export const sha224 = oneShot(() => new Sha256(224))
export const sha256 = oneShot(() => new Sha256())
export const sha384 = oneShot(() => new Sha512(384))
export const sha512 = oneShot(() => new Sha512())
