export { startGateway, type GatewayOptions, type ReloadResult, type RunningGateway } from './gateway.js';
export { checkGatewayFile } from './file-config/check-gateway-file.js';
export { renderGatewayReference, spliceReference } from './file-config/render-reference.js';
export { isEnrolled, startManagedGateway, type ManagedGatewayOptions } from './control/managed-gateway.js';
