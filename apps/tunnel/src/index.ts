export { isHubEnrolled, startTunnelHub, type RunningTunnelHub, type TunnelHubOptions } from './hub.js';
