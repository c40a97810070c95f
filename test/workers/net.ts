/**
 * The fake TCP network of the workers tests: the test file scripts peers by host, the
 * TcpHealthMonitor's connect() reaches them (tests and Durable Objects share one isolate).
 */
import { fakeNet, type Peer } from '../unit/health/fakes.ts'

export const peers: Record<string, Peer> = {}
export const testNet = fakeNet(peers)
