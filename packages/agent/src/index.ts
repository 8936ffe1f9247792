export { openAgentState, type AgentIdentity, type AgentState } from './agent-state.js';
export { createBackoff, type Backoff } from './backoff.js';
export {
  controlRefusal,
  startControlClient,
  type AgentOptions,
  type ControlAnswer,
  type ControlClient,
  type ControlClientOptions,
} from './control-client.js';
export {
  createKeyAndRequest,
  gatewayEnrolment,
  loadOrEnrol,
  requestEnrolment,
  type Enrolled,
  type KeyAndRequest,
  type LoadOrEnrolOptions,
} from './enrol.js';
export { readServerSentEvents, type ServerSentEvent } from './server-sent-events.js';
export { closeOps, listenOps } from './listen-ops.js';
