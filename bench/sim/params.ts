/**
 * @module
 * The two runs' model parameters: the full one (bench/sim/model.ts FULL: 1 M requests/s over
 * 300 locations) and the quick one the test suite runs (4 locations, a few isolates, KV
 * propagation shortened so a push lands within its ~20 s).
 */
import { FULL as MODEL_FULL, type ModelParams } from './model.ts'

export const FULL: ModelParams = MODEL_FULL

export const QUICK: ModelParams = { ...MODEL_FULL, locations: 4, rps: 2000, kvPropagationMinMs: 1000, kvPropagationMaxMs: 6000 }
