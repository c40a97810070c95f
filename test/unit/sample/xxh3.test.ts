/**
 * @module
 * The xxh3 converter (XXH3-64 with an optional seed, sample.c sample_conv_xxh3). The vectors were
 * produced by a real HAProxy 2.6.12: `http-request return status 200 hdr X-A "%[str(S),xxh3]"
 * hdr X-B "%[str(S),xxh3(12345)]" hdr X-C "%[str(S),xxh3(-1)]"` for the strings S = text(n) below,
 * over loopback. The lengths cover every branch of XXH3-64: 0, 1–3, 4–8, 9–16, 17–128 (each of the
 * 16/32/64/96-byte steps), 129–240 and the long hash (one partial block, several blocks, with the
 * default secret for seed 0 and the derived secret otherwise).
 */
import { describe, expect, it } from 'vitest'
import { CONVERTERS } from '../../../src/sample/converters/index.ts'
import { xxh3 } from '../../../src/sample/converters/xxh3.ts'
import type { ArgValue, BuildEnv } from '../../../src/sample/types.ts'
import { RequestState } from '../../../src/engine/request-state.ts'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
/** The n-character probe string given to HAProxy's str(). */
const text = (n: number): string => Array.from({ length: n }, (_, i) => ALPHABET[(i * 7 + (i >> 6)) % ALPHABET.length]).join('')

/** [length, xxh3, xxh3(12345), xxh3(-1)] as HAProxy 2.6.12 printed them (signed 64-bit). */
const VECTORS: readonly (readonly [number, string, string, string])[] = [
  [0, '3244421341483603138', '-6411200898810023365', '5478965906984379733'],
  [1, '-1817709641818812897', '-6786620829633724069', '4875116479388997462'],
  [2, '4210250146321984030', '-6469949230111613405', '3412034320139573803'],
  [3, '9125552886706874172', '-4345230825988242847', '2629641220008523347'],
  [4, '-6905390556216652696', '-1098128656777342466', '2105743266367427533'],
  [5, '-2399715776790368440', '-6870925563089121107', '-9008383324541688747'],
  [7, '6760934607537519736', '7628664756225193718', '7188491787436295860'],
  [8, '1306841219248222054', '6394347276206229625', '-7731351065339615551'],
  [9, '-7105850429051124874', '-7542945816942654787', '8736853041069866991'],
  [15, '7004519955290663971', '-7234169580627126452', '-503668067701219918'],
  [16, '-1435374248066973783', '-6293641806489555923', '-2182960054646534368'],
  [17, '1364356660583405390', '-8277983733510753326', '2616666819700086319'],
  [32, '6906849041365418113', '5824726610210982890', '-3852927847456449030'],
  [33, '-2159002688453441467', '-6667340284264787813', '-4820127302220488851'],
  [64, '-5269976632605958708', '-4291300653725416925', '812287001507519128'],
  [65, '705798301569873370', '-674384101788351370', '2803015783535833800'],
  [96, '7766221017857368967', '-8944410962355743397', '-4992126449053572030'],
  [97, '668735446387860744', '-6918547856628950241', '4738893549983531100'],
  [128, '6655093376457169951', '3382575124930551692', '-6914957232650068089'],
  [129, '6954864137346946737', '7841100735196922513', '-5236267482174658380'],
  [200, '-7791153968273743583', '-5463248646272007569', '1884540324095982356'],
  [240, '3036017623332183806', '-1626001642603690539', '7149350531158737514'],
  [241, '-3189382328402641160', '1199822722952081812', '-5481288135035116804'],
  [500, '5270364090262199001', '-4703845778182006290', '-3394440594553509774'],
  [1024, '1179812679871863560', '8197964053595555573', '7677107754448513791'],
  [1025, '2146377435474944389', '-1555965500730731646', '-8707944469758152755'],
  [2049, '-1772316438434507262', '-9014430423810305505', '117992059122312443'],
]

const SEEDS = [0n, 12345n, -1n] as const

describe('xxh3 [2.6.12]', () => {
  it('XXH3-64 matches HAProxy bit for bit at every length branch, with and without a seed', () => {
    for (const [n, ...expected] of VECTORS) {
      const bytes = new TextEncoder().encode(text(n))
      const got = SEEDS.map((seed) => BigInt.asIntN(64, xxh3(bytes, seed)).toString())
      expect({ n, got }).toEqual({ n, got: expected })
    }
  })

  it('the converter returns the signed value (an int sample: a JS number, exact to 2^53 like xxh64)', () => {
    const def = CONVERTERS.find((c) => c.name === 'xxh3')
    expect(def?.unsupported).toBeUndefined()
    const env: BuildEnv = { map: () => [] }
    const ctx = new RequestState({ method: 'GET', url: 'http://h/', headers: [], src: '127.0.0.1' }, 'fe', () => 0)
    const args: readonly ArgValue[][] = [[], [12345], [-1]]
    for (const [n, ...expected] of VECTORS) {
      args.forEach((a, i) => {
        const r = def?.build(a, env)({ type: 'str', value: text(n) }, ctx)
        expect({ n, seed: a[0], r }).toEqual({ n, seed: a[0], r: { type: 'int', value: Number(BigInt(expected[i] as string)) } })
      })
    }
  })

  it('hashes the bytes of a binary sample', () => {
    const def = CONVERTERS.find((c) => c.name === 'xxh3')
    const ctx = new RequestState({ method: 'GET', url: 'http://h/', headers: [], src: '127.0.0.1' }, 'fe', () => 0)
    const r = def?.build([], { map: () => [] })({ type: 'bin', value: new TextEncoder().encode(text(241)) }, ctx)
    expect(r).toEqual({ type: 'int', value: Number(-3189382328402641160n) })
  })
})
