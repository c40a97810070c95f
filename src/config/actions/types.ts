/**
 * @module
 * The action table contract for `http-request`, `http-response` and `http-after-response` rules
 * (http_act.c). `parse` validates the words between the action name and the condition and returns
 * the JSON arguments the engine's matching runtime action reads.
 */
import type { ProxyDraft } from '../draft.ts'
import type { Word } from '../lexer.ts'
import type { Services } from '../services.ts'
import type { SourceSpan } from '../source.ts'

export type RuleSet = 'http-request' | 'http-response' | 'http-after-response'

export interface ActionInput {
  /** The action word (e.g. `track-sc0`, `set-var(txn.x)`). */
  readonly name: Word
  /** Words after the action, before `if`/`unless`. */
  readonly args: readonly Word[]
  readonly ruleSet: RuleSet
  readonly proxy: ProxyDraft
  readonly sv: Services
  readonly span: SourceSpan
  /**
   * The rule set as messages name it when it is not `ruleSet`: `tcp-request content` rules reuse
   * the http-request actions (src/config/keywords/tcp-rules.ts).
   */
  readonly label?: string
  /** The legacy `redirect` keyword rather than `http-request redirect`. */
  readonly legacy?: boolean
  /** An `if`/`unless` condition follows the arguments. */
  readonly hasCondition?: boolean
}

export interface ActionDef {
  /** Action keyword; for parameterised actions the part before '(' ('set-var'). */
  readonly name: string
  readonly ruleSets: readonly RuleSet[]
  /** As for keywords (keywords/types.ts); `edge` actions run, with a warning that says how. */
  readonly support: 'yes' | 'edge' | 'ignored' | 'no'
  readonly note?: string
  /** Final actions stop the rule set (deny, return, redirect, allow, auth, tarpit, use-service). */
  readonly final?: boolean
  /** Returns the compiled arguments, or undefined after reporting an error. */
  parse?(input: ActionInput): Record<string, unknown> | undefined
}

/** Reports an argument problem for `input`'s action. */
export function actionError(input: ActionInput, w: Word | undefined, message: string, help?: string): undefined {
  input.sv.diag.error('invalid-argument', (w ?? input.name).span, `'${input.label ?? input.ruleSet} ${input.name.text}' ${message}`, help ? { help } : undefined)
  return undefined
}
