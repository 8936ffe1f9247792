export { startConnector, type ConnectorOptions, type RunningConnector } from './connector.js';
