/**
 * @module
 * ACL declarations (doc 7.1): `acl <name> <criterion>[,conv…] [flags] [operator] [values…]` and the
 * same inside anonymous `{ … }` blocks. Produces AclTest records with prepared pattern data, so the
 * Worker only builds matchers from data.
 */
import type { AclTest } from '../routemap/schema.ts'
import { parseSampleExpr, type SampleExpr } from '../sample/expr.ts'
import { defaultMatchFor } from '../sample/index.ts'
import type { Phase, SampleType } from '../sample/types.ts'
import type { Word } from './lexer.ts'
import { parseMapFile, parsePatternFile } from '../sample/map-file.ts'
import type { Services } from './services.ts'
import { subSpan } from './source.ts'

/** HAProxy's predefined ACLs (acl.c `default_acl_list`), written in the config language. */
export const PREDEFINED_ACLS: Readonly<Record<string, readonly string[]>> = {
  TRUE: ['always_true'],
  FALSE: ['always_false'],
  HTTP: ['always_true'],
  'HTTP_1.0': ['req.ver', '1.0'],
  'HTTP_1.1': ['req.ver', '1.1'],
  'HTTP_2.0': ['req.ver', '2.0'],
  'HTTP_3.0': ['req.ver', '3.0'],
  HTTP_CONTENT: ['req.hdr(content-length)', '-m', 'int', 'gt', '0'],
  HTTP_URL_ABS: ['url_reg', '^[^/:]*://'],
  HTTP_URL_SLASH: ['url_beg', '/'],
  HTTP_URL_STAR: ['url', '*'],
  LOCALHOST: ['src', '127.0.0.1/8', '::1'],
  METH_CONNECT: ['method', 'CONNECT'],
  METH_DELETE: ['method', 'DELETE'],
  METH_GET: ['method', 'GET', 'HEAD'],
  METH_HEAD: ['method', 'HEAD'],
  METH_OPTIONS: ['method', 'OPTIONS'],
  METH_POST: ['method', 'POST'],
  METH_PUT: ['method', 'PUT'],
  METH_TRACE: ['method', 'TRACE'],
  REQ_CONTENT: ['always_true'],
  WAIT_END: ['always_true'],
}

const FLAG_WITH_ARG = new Set(['-f', '-m', '-u'])

/**
 * Parses the words of one ACL test (criterion, flags, patterns). `words[0]` is the criterion.
 * Returns undefined after reporting an error. Declared and anonymous ACLs are parsed for `'any'`
 * phase, as acl.c does: the condition using them checks the phase (condition.ts).
 */
export function parseAclTest(words: readonly Word[], phase: Phase | 'any', sv: Services, aclName: string): AclTest | undefined {
  const crit = words[0]
  if (!crit) return undefined
  const origin = { file: crit.span.file, line: crit.span.line }
  const resolved = resolveCriterion(crit, phase, sv)
  if (!resolved) return undefined
  let match = resolved.match
  let icase = false
  const patterns: string[] = []
  const patternWords: (Word | undefined)[] = []
  let i = 1
  let loaded = false
  let mapFiles = false
  // acl.c parse_acl_expr: every word starting with '-' (quoted or not) is an option until '--';
  // '-m' may be repeated (the last one wins) but not after '-f'.
  for (; i < words.length; i++) {
    const w = words[i] as Word
    if (!w.text.startsWith('-')) break
    if (w.text === '--') {
      i++
      break
    }
    if (w.text === '-i') {
      icase = true
      continue
    }
    if (w.text === '-n') continue
    if (w.text === '-M') {
      // -M: files named by -f are map files; their keys are the patterns.
      mapFiles = true
      continue
    }
    if (!FLAG_WITH_ARG.has(w.text)) {
      sv.diag.error('invalid-argument', w.span, `'${w.text}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'`, {
        help: `write '-- ${w.text}' to match the pattern '${w.text}'`,
      })
      return undefined
    }
    const arg = words[i + 1]
    if (!arg) {
      sv.diag.error('missing-argument', w.span, `flag '${w.text}' expects an argument in acl '${aclName}'`)
      return undefined
    }
    i++
    if (w.text === '-m') {
      if (loaded) {
        sv.diag.error('invalid-argument', w.span, "'-m' must only be specified before patterns and files in parsing ACL expression", {
          help: "move '-m' before '-f' (it decides how the file's patterns are read)",
        })
        return undefined
      }
      if (!sv.registry.match(arg.text)) {
        const s = sv.registry.suggest('match', arg.text)
        sv.diag.error('unknown-match', arg.span, `unknown matching method '${arg.text}'`, s ? { help: `did you mean '${s}'?` } : undefined)
        return undefined
      }
      match = arg.text
    } else if (w.text === '-u') {
      if (!/^-?\d+$/.test(arg.text)) {
        sv.diag.error('invalid-argument', arg.span, 'the argument of -u must be an integer')
        return undefined
      }
    } else if (w.text === '-f') {
      if (!match) break
      const text = loadPatterns(arg, sv)
      if (text === undefined) return undefined
      loaded = true
      for (const p of mapFiles ? parseMapFile(text).map(([k]) => k) : parsePatternFile(text)) {
        patterns.push(p)
        patternWords.push(undefined)
      }
    }
  }
  for (; i < words.length; i++) {
    const w = words[i] as Word
    patterns.push(w.text)
    patternWords.push(w)
  }
  if (!match) {
    sv.diag.error('unknown-match', crit.span, `fetch '${resolved.fetchName}' returns ${resolved.type} data, which needs an explicit '-m' matching method`, {
      help: "add '-m str', '-m sub', '-m reg', '-m found'...",
    })
    return undefined
  }
  const def = sv.registry.match(match)
  if (!def) {
    sv.diag.error('unknown-match', crit.span, `unknown matching method '${match}'`)
    return undefined
  }
  // acl.c warns only when nothing at all follows the criterion (any flag, even '-i', silences it).
  if (words.length === 1 && resolved.type !== 'bool') {
    sv.diag.warning('useless', crit.span, `no pattern to match against were provided, so this ACL will never match`, {
      help: "add patterns; to match only for existence, use '-m found'; add '--' to silence this warning",
    })
  }
  let bad = false
  const data = def.prepare(patterns, { icase }, (idx, message) => {
    const pw = patternWords[idx]
    sv.diag.error(message.includes('regex') ? 'invalid-regex' : 'invalid-pattern', pw ? pw.span : crit.span, `${message} in acl '${aclName}'`)
    bad = true
  })
  if (bad) return undefined
  return { sample: resolved.expr, match, icase, data, patternCount: patterns.length, keyword: crit.text.replace(/\(.*$/s, ''), origin }
}

interface Criterion {
  readonly expr: SampleExpr
  readonly type: SampleType
  readonly match: string | undefined
  readonly fetchName: string
}

function resolveCriterion(crit: Word, phase: Phase | 'any', sv: Services): Criterion | undefined {
  const head = /^[^(,]*/.exec(crit.text)?.[0] ?? crit.text
  const alias = sv.registry.alias(head)
  if (alias) {
    const rest = crit.text.slice(head.length)
    const r = parseSampleExpr(`${alias.fetch}${rest}`, sv.registry, { phase, loadMap: sv.loadMap })
    const shift = alias.fetch.length - head.length
    if (reportExprErrors(r.errors, crit, sv, -shift) || !r.expr || !r.type) return undefined
    // acl.c: a converter after an ACL keyword drops the keyword's implied method; the converter's
    // output type picks it, as for a plain fetch.
    if (r.expr.conv.length > 0) return { expr: r.expr, type: r.type, match: defaultMatchFor(r.type), fetchName: alias.fetch }
    return { expr: r.expr, type: r.type, match: alias.match, fetchName: alias.fetch }
  }
  const r = parseSampleExpr(crit.text, sv.registry, { phase, loadMap: sv.loadMap })
  if (reportExprErrors(r.errors, crit, sv, 0) || !r.expr || !r.type) return undefined
  const fetch = sv.registry.fetch(r.expr.fetch)
  const match = r.expr.conv.length === 0 && fetch?.defaultMatch ? fetch.defaultMatch : defaultMatchFor(r.type, r.expr.conv.length === 0 ? fetch : undefined)
  return { expr: r.expr, type: r.type, match, fetchName: r.expr.fetch }
}

/** The diagnostic code of a sample-expression error message. */
export function exprErrorCode(message: string): 'unknown-fetch' | 'unknown-converter' | 'not-supported' | 'invalid-regex' | 'invalid-argument' {
  if (/unknown fetch/.test(message)) return 'unknown-fetch'
  if (/unknown converter/.test(message)) return 'unknown-converter'
  if (/not supported/.test(message)) return 'not-supported'
  if (/regex/.test(message)) return 'invalid-regex'
  return 'invalid-argument'
}

/** Reports sample-expression errors at their position inside `word`. True if there were any. */
export function reportExprErrors(errors: readonly { offset: number; length: number; message: string; suggestion?: string }[], word: Word, sv: Services, shift: number): boolean {
  for (const e of errors) {
    sv.diag.error(exprErrorCode(e.message), subSpan(word.span, Math.max(0, e.offset + shift), Math.max(1, e.length)), e.message, e.suggestion ? { help: `did you mean '${e.suggestion}'?` } : undefined)
  }
  return errors.length > 0
}

/** Reads a `-f` pattern file; `opt@` may be missing. Reports a missing file. */
function loadPatterns(arg: Word, sv: Services): string | undefined {
  let path = arg.text
  let optional = false
  if (path.startsWith('opt@')) {
    optional = true
    path = path.slice(4)
  } else if (path.startsWith('file@')) path = path.slice(5)
  else if (path.startsWith('virt@')) return ''
  const text = sv.readFile(path)
  if (text !== undefined) return text
  if (optional) return ''
  sv.diag.error('file-not-found', arg.span, `failed to open pattern file <${path}>`, {
    help: `create the file, or write 'opt@${path}' to allow it to be missing`,
  })
  return undefined
}
