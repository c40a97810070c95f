/**
 * @module
 * Request-line rewrites at run time: set-path keeps the query, set-pathq/set-uri replace it,
 * set-query replaces only the query; replace-* run a regex over the current value.
 */
import type { LogFormat } from '../../routemap/schema.ts'
import type { RequestState } from '../request-state.ts'
import type { ActionBuildEnv, RuntimeActionDef } from './types.ts'
import { actionRegex } from '../../sample/match/action-regex.ts'

type Apply = (ctx: RequestState, value: string) => void

const setters: Readonly<Record<string, Apply>> = {
  'set-path': (c, v) => {
    c.target = v + (c.query === undefined ? '' : `?${c.query}`)
  },
  'set-pathq': (c, v) => {
    c.target = v
  },
  'set-uri': (c, v) => {
    // An absolute URI keeps only path and query for the origin request line.
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(v)
    c.target = m ? (m[1] ?? '/') : v
  },
  'set-query': (c, v) => {
    c.target = `${c.path}?${v}`
  },
  'set-method': (c, v) => {
    c.method = v
  },
}

const getters: Readonly<Record<string, (c: RequestState) => string>> = {
  'replace-path': (c) => c.path,
  'replace-pathq': (c) => c.target,
  'replace-uri': (c) => c.target,
}

function fmtAction(name: string): RuntimeActionDef {
  return {
    name,
    build: (a, env: ActionBuildEnv) => {
      const render = env.format(a.fmt as LogFormat)
      const apply = setters[name] as Apply
      return (ctx) => {
        apply(ctx, render(ctx))
        return undefined
      }
    },
  }
}

function regexAction(name: string, setter: string): RuntimeActionDef {
  return {
    name,
    build: (a, env) => {
      const re = actionRegex(a.regex as string)
      const render = env.format(a.fmt as LogFormat)
      const get = getters[name] as (c: RequestState) => string
      const set = setters[setter] as Apply
      return (ctx) => {
        const m = re.exec(get(ctx))
        if (m)
          set(
            ctx,
            render(ctx).replace(/\\(\d)/g, (_x, d: string) => m[Number(d)] ?? ''),
          )
        return undefined
      }
    },
  }
}

export const URI_RUNTIME: readonly RuntimeActionDef[] = [
  ...['set-path', 'set-pathq', 'set-uri', 'set-query', 'set-method'].map(fmtAction),
  regexAction('replace-path', 'set-path'),
  regexAction('replace-pathq', 'set-pathq'),
  regexAction('replace-uri', 'set-uri'),
]
