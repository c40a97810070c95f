/**
 * @module
 * The syntax tree: sections of statements, each statement a list of words with positions.
 * Meaning belongs to the keyword tables in ./keywords; the tree is syntax only.
 */
import type { Word } from './lexer.ts'
import type { SourceSpan } from './source.ts'

/** Section keywords HAProxy knows (cfgparse.c); the first five carry proxies and globals. */
export const SECTION_KINDS = [
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'userlist',
  'peers',
  'resolvers',
  'mailers',
  'http-errors',
  'ring',
  'cache',
  'program',
  'log-forward',
  'crt-store',
  'traces',
  'fcgi-app',
] as const
export type SectionKind = (typeof SECTION_KINDS)[number]

export function isSectionKind(word: string): word is SectionKind {
  return (SECTION_KINDS as readonly string[]).includes(word)
}

/** One statement: its words (the first is the keyword) and the span of the whole line. */
export interface Statement {
  readonly words: readonly Word[]
  readonly span: SourceSpan
}

export interface Section {
  readonly kind: SectionKind
  /** The section keyword itself (for positions). */
  readonly keyword: Word
  /** Words after the section keyword (name, `from <defaults>`, ...). */
  readonly args: readonly Word[]
  readonly statements: Statement[]
  readonly span: SourceSpan
}

export interface ConfigAst {
  readonly files: readonly string[]
  readonly sections: readonly Section[]
}
