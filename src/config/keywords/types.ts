/**
 * @module
 * The keyword table contract (HAProxy's cfg_kw_list): each config keyword names the sections it is
 * valid in, whether the edge supports it, and the handler that validates its arguments and fills
 * the current draft. `support` drives both diagnostics and docs/keywords.md.
 */
import type { SectionKind } from '../ast.ts'
import type { ProxyDraft } from '../draft.ts'
import type { Word } from '../lexer.ts'
import type { Services } from '../services.ts'
import type { SourceSpan } from '../source.ts'
import type { GlobalDraft } from './global-draft.ts'

/**
 * - `yes`: implemented with HAProxy's semantics.
 * - `edge`: accepted; the edge does it differently (the handler or `note` says how) — a warning.
 * - `ignored`: accepted with a warning; it has no meaning at the edge.
 * - `no`: rejected with an error: known HAProxy keyword, not supported yet.
 * - `removed`: a HAProxy 1.x directive that HAProxy 2.6 refuses too; the handler gives HAProxy's
 *   message, which names the 2.x replacement (keywords/legacy.ts).
 */
export type Support = 'yes' | 'edge' | 'ignored' | 'no' | 'removed'

export interface Statement {
  /** All words of the line. */
  readonly words: readonly Word[]
  /** The keyword words (`option httpchk` is two). */
  readonly keyword: readonly Word[]
  /** Words after the keyword. */
  readonly args: readonly Word[]
  /** `no option X` / `default option X`. */
  readonly prefix?: 'no' | 'default'
  readonly span: SourceSpan
}

export interface KeywordContext {
  readonly sv: Services
  readonly section: SectionKind
  /** The proxy being filled (defaults, frontend, backend, listen); absent in other sections. */
  readonly proxy?: ProxyDraft
  readonly global: GlobalDraft
}

export interface KeywordDef {
  /** As written in configs: 'balance', 'option httpchk', 'timeout connect'. */
  readonly name: string
  readonly sections: readonly SectionKind[]
  readonly support: Support
  /** For edge/ignored: the warning's explanation; for no: why, or what to use instead. */
  readonly note?: string
  /** Accepts `no`/`default` prefixes (HAProxy's "(*)" options). */
  readonly negatable?: boolean
  /** Validates and applies the statement. Absent for `ignored`/`no` keywords. */
  parse?(st: Statement, cx: KeywordContext): void
}

export const PROXY_SECTIONS: readonly SectionKind[] = ['defaults', 'frontend', 'backend', 'listen']
export const FE_SECTIONS: readonly SectionKind[] = ['defaults', 'frontend', 'listen']
export const BE_SECTIONS: readonly SectionKind[] = ['defaults', 'backend', 'listen']
export const FE_ONLY: readonly SectionKind[] = ['frontend', 'listen']
export const BE_ONLY: readonly SectionKind[] = ['backend', 'listen']
export const FE_BE: readonly SectionKind[] = ['frontend', 'backend', 'listen']
