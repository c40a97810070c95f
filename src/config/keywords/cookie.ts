/**
 * @module
 * `cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve] [httponly]
 * [secure] [domain <d>]* [maxidle <t>] [maxlife <t>] [dynamic] [attr <v>]*` (reference §4.1).
 */
import type { CookieSpec } from '../../routemap/schema.ts'
import type { Word } from '../lexer.ts'
import { timeArg } from './args.ts'
import { BE_SECTIONS, type KeywordContext, type KeywordDef, type Statement } from './types.ts'

function parseCookie(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const nameW = st.args[0]
  const err = (w: Word, msg: string): void => cx.sv.diag.error('invalid-argument', w.span, msg)
  if (!nameW) {
    cx.sv.diag.error('missing-argument', st.span, "'cookie' expects <cookie_name> as argument.")
    return
  }
  let mode: CookieSpec['mode'] = 'passive'
  const spec = {
    indirect: false,
    nocache: false,
    postonly: false,
    preserve: false,
    httponly: false,
    secure: false,
    dynamic: false,
    domains: [] as string[],
    attrs: [] as string[],
  }
  let maxidleMs: number | undefined
  let maxlifeMs: number | undefined
  const args = st.args
  for (let i = 1; i < args.length; i++) {
    const w = args[i] as Word
    const t = w.text
    if (t === 'rewrite' || t === 'insert' || t === 'prefix') {
      if (mode !== 'passive' && mode !== t) return err(w, "cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.")
      mode = t
    } else if (t === 'indirect' || t === 'nocache' || t === 'postonly' || t === 'preserve' || t === 'httponly' || t === 'secure' || t === 'dynamic') {
      spec[t] = true
    } else if (t === 'domain' || t === 'attr' || t === 'maxidle' || t === 'maxlife') {
      const v = args[i + 1]
      if (!v) return err(w, t === 'domain' ? "'domain' expects <domain> as argument." : `'${t}' expects an argument.`)
      i++
      if (t === 'domain') {
        const bad = /[^A-Za-z0-9.-]/.exec(v.text)
        if (bad) return err(v, `character '${bad[0]}' is not permitted in domain name '${v.text}'.`)
        if (!v.text.slice(1).includes('.')) {
          cx.sv.diag.warning('invalid-argument', v.span, `domain '${v.text}' contains no embedded dot, browsers will ignore it.`)
        }
        spec.domains.push(v.text)
      } else if (t === 'attr') {
        if (/[\x00-\x1f;]/.test(v.text)) return err(v, "character ';' or a control character is not permitted in attribute value.")
        spec.attrs.push(v.text)
      } else {
        const ms = timeArg(v, cx.sv, `'${t}' expects <${t === 'maxidle' ? 'idletime' : 'lifetime'}> in seconds as argument`, 's')
        if (ms === undefined) return
        if (t === 'maxidle') maxidleMs = ms
        else maxlifeMs = ms
      }
    } else {
      return err(w, `'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'maxlife', 'dynamic', 'attr' and 'httponly' options (got '${t}').`)
    }
  }
  if (mode === 'rewrite' && spec.indirect) return err(nameW, "cookie 'rewrite' and 'indirect' modes are incompatible.")
  if (spec.preserve && mode !== 'insert' && !spec.indirect) return err(nameW, "cookie 'preserve' requires at least 'insert' or 'indirect'.")
  if (spec.dynamic) cx.sv.diag.warning('not-supported', st.span, "'dynamic' cookies are not supported yet: servers need an explicit 'cookie' value")
  p.cookie = {
    name: nameW.text,
    mode,
    ...spec,
    ...(maxidleMs !== undefined ? { maxidleMs } : {}),
    ...(maxlifeMs !== undefined ? { maxlifeMs } : {}),
  }
  p.cookieSpan = st.span
  p.needsHttp.push({ keyword: 'cookie', span: st.span })
}

export const COOKIE_KEYWORDS: readonly KeywordDef[] = [{ name: 'cookie', sections: BE_SECTIONS, support: 'yes', parse: parseCookie }]
