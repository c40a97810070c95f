// Writes docs/keywords.md from the keyword tables (npm run docs:keywords).
import { writeFileSync } from 'node:fs'
import { keywordReport } from '../src/config/keywords/report.ts'

writeFileSync(new URL('../docs/keywords.md', import.meta.url), keywordReport())
