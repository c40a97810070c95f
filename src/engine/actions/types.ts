/**
 * @module
 * Runtime side of the action table: each compiled rule's `args` are turned once per isolate into an
 * ActionFn. Actions never throw on traffic; a final action returns what to do instead.
 */
import type { ErrorReply, LogFormat } from '../../routemap/schema.ts'
import type { SampleExpr } from '../../sample/expr.ts'
import type { FetchFn } from '../../sample/types.ts'
import type { LocalResponse } from '../errors.ts'
import type { LocalCause } from '../outcome.ts'
import type { Renderer } from '../log-format.ts'
import type { RequestState } from '../request-state.ts'
import type { StickTracker } from '../stick.ts'

/** undefined: continue with the next rule. */
export type ActionResult =
  | undefined
  | { readonly kind: 'allow' }
  | {
      readonly kind: 'respond'
      readonly response: LocalResponse
      /** What the answer is, for the counters and the log (`why` is prose for `explain`). */
      readonly cause: Extract<LocalCause, 'deny' | 'return' | 'redirect' | 'bad-request'>
      readonly why: string
      readonly httpErr?: boolean
    }
  | { readonly kind: 'service'; readonly service: string }
  | { readonly kind: 'auth'; readonly realm: string }
  | { readonly kind: 'tarpit'; readonly response: LocalResponse; readonly delayMs: number }

export type ActionFn = (ctx: RequestState) => ActionResult | Promise<ActionResult>

export interface ActionBuildEnv {
  expr(e: SampleExpr): FetchFn
  /** A log-format renderer; `http` false for the formats HAProxy renders as plain text (set-var-fmt). */
  format(f: LogFormat, http?: boolean): Renderer
  /** The proxy's errorfile overrides (status → raw HTTP response). */
  readonly errorfiles: Readonly<Record<string, string>>
  /** The proxy's `http-error` replies with log-format parts (status → reply). */
  readonly errorReplies?: Readonly<Record<string, ErrorReply>>
  readonly proxyName: string
  readonly stick: StickTracker
  readonly tarpitMs: number
  /** Which rule set the action runs in. */
  readonly ruleSet: 'http-request' | 'http-response' | 'http-after-response'
}

export interface RuntimeActionDef {
  readonly name: string
  build(args: Readonly<Record<string, unknown>>, env: ActionBuildEnv): ActionFn
}
