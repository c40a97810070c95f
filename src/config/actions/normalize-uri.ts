/**
 * @module
 * `http-request normalize-uri <normalizer> [full|strict]` (HAProxy 2.6, parse_http_normalize_uri):
 * an experimental action, refused without the global `expose-experimental-directives`. The
 * normalizers themselves are in engine/uri-normalize.ts.
 *
 * HAProxy 2.6 quirk kept on purpose: when `path-strip-dotdot`, `percent-to-uppercase` or
 * `percent-decode-unreserved` is followed directly by `if`/`unless`, its parser leaves the rule's
 * normalizer unset, which is the first one, `path-merge-slashes`; so does the edge (with a warning).
 */
import { NORMALIZER_OPTIONS, type NormalizerName } from '../../engine/uri-normalize.ts'
import { experimentalAllowed } from '../experimental.ts'
import { type ActionDef, type ActionInput, actionError } from './types.ts'

function isNormalizer(s: string): s is NormalizerName {
  return Object.hasOwn(NORMALIZER_OPTIONS, s)
}

function parseNormalizeUri(input: ActionInput): Record<string, unknown> | undefined {
  if (!experimentalAllowed(input.sv)) {
    input.sv.diag.error('invalid-argument', input.name.span, "'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'", {
      help: "add 'expose-experimental-directives' to the global section",
    })
    return undefined
  }
  const [nw, ow, extra] = input.args
  if (!nw) return actionError(input, undefined, 'missing argument <normalizer>')
  if (!isNormalizer(nw.text)) return actionError(input, nw, `unknown normalizer '${nw.text}'`)
  const optionWord = NORMALIZER_OPTIONS[nw.text]
  if (optionWord !== undefined && ow && ow.text !== optionWord) return actionError(input, ow, `unknown argument '${ow.text}' for '${nw.text}' normalizer`)
  const option = optionWord !== undefined && ow?.text === optionWord
  const stray = option ? extra : ow
  if (stray) return actionError(input, stray, `expects either 'if' or 'unless' followed by a condition but found '${stray.text}'`)
  if (optionWord !== undefined && !option && input.hasCondition === true) {
    input.sv.diag.warning('useless', nw.span, `'normalize-uri ${nw.text}' directly followed by a condition runs 'path-merge-slashes' in HAProxy 2.6, and so it does at the edge`, {
      help: `HAProxy 2.6 runs '${nw.text}' under a condition only with '${optionWord}'; otherwise drop the condition`,
    })
    return { normalizer: 'path-merge-slashes', option: false }
  }
  return { normalizer: nw.text, option }
}

export const NORMALIZE_URI_ACTIONS: readonly ActionDef[] = [{ name: 'normalize-uri', ruleSets: ['http-request'], support: 'yes', parse: parseNormalizeUri }]
