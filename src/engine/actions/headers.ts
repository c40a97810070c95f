/**
 * @module
 * set-header, add-header, del-header, replace-header, replace-value: on the request headers in
 * http-request rules, on the response headers otherwise. Values are evaluated before deletion
 * (so `set-header X %[req.hdr(X)],y` extends X, as in HAProxy).
 */
import type { LogFormat } from '../../routemap/schema.ts'
import type { HeaderList } from '../../sample/headers.ts'
import type { RequestState } from '../request-state.ts'
import type { ActionBuildEnv, RuntimeActionDef } from './types.ts'
import { actionRegex } from '../../sample/match/action-regex.ts'
import { linearRegex } from '../../util/regex/index.ts'

function target(ctx: RequestState, env: ActionBuildEnv): HeaderList | undefined {
  return env.ruleSet === 'http-request' ? ctx.headers : ctx.response?.headers
}

const NAME_TESTS: Readonly<Record<string, (pattern: string) => (lowerName: string) => boolean>> = {
  str: (p) => (n) => n === p.toLowerCase(),
  beg: (p) => (n) => n.startsWith(p.toLowerCase()),
  end: (p) => (n) => n.endsWith(p.toLowerCase()),
  sub: (p) => (n) => n.includes(p.toLowerCase()),
  reg: (p) => {
    const re = linearRegex(p, 'i')
    return (n) => re.test(n)
  },
}

/** HAProxy splits header values on commas outside quotes for replace-value. */
function splitValues(v: string): string[] {
  const out: string[] = []
  let cur = ''
  let q = false
  for (const c of v) {
    if (c === '"') q = !q
    if (c === ',' && !q) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

/** Replaces `\1`… in `fmtValue` with groups of `m`. */
function substitute(fmtValue: string, m: RegExpExecArray): string {
  return fmtValue.replace(/\\(\d)/g, (_x, d: string) => m[Number(d)] ?? '')
}

export const HEADER_RUNTIME: readonly RuntimeActionDef[] = [
  {
    name: 'set-header',
    build: (a, env) => {
      const render = env.format(a.value as LogFormat)
      const name = a.name as string
      return (ctx) => {
        const v = render(ctx)
        target(ctx, env)?.set(name, v)
        return undefined
      }
    },
  },
  {
    name: 'add-header',
    build: (a, env) => {
      const render = env.format(a.value as LogFormat)
      const name = a.name as string
      return (ctx) => {
        target(ctx, env)?.add(name, render(ctx))
        return undefined
      }
    },
  },
  {
    name: 'del-header',
    build: (a, env) => {
      const name = a.name as string
      const test = (NAME_TESTS[a.method as string] ?? NAME_TESTS.str)?.(name)
      return (ctx) => {
        target(ctx, env)?.delete(name, test)
        return undefined
      }
    },
  },
  {
    name: 'replace-header',
    build: (a, env) => {
      const re = actionRegex(a.regex as string)
      const render = env.format(a.fmt as LogFormat)
      return (ctx) => {
        const fmtValue = render(ctx)
        target(ctx, env)?.replace(a.name as string, (v) => {
          const m = re.exec(v)
          return m ? substitute(fmtValue, m) : undefined
        })
        return undefined
      }
    },
  },
  {
    name: 'replace-value',
    build: (a, env) => {
      const re = actionRegex(a.regex as string)
      const render = env.format(a.fmt as LogFormat)
      return (ctx) => {
        const fmtValue = render(ctx)
        target(ctx, env)?.replace(a.name as string, (v) => {
          let changed = false
          // A replaced value loses the blanks around it (http_replace_header_value); others stay as they were.
          const parts = splitValues(v).map((part) => {
            const m = re.exec(part.trim())
            if (!m) return part
            changed = true
            return substitute(fmtValue, m)
          })
          return changed ? parts.join(',') : undefined
        })
        return undefined
      }
    },
  },
]
