import { gatewayFileSchema, type GatewayFileConfig } from '@rustronaut/contracts';
import { parseYamlFile } from '@rustronaut/config';

/** Reads and validates a standalone gateway file; throws `ERR_CONFIG_INVALID` naming file, line and field. */
export function loadGatewayFile(file: string): Promise<GatewayFileConfig> {
  return parseYamlFile(file, gatewayFileSchema);
}

/** The configuration of a gateway started without a file: no routes, no TCP listeners. */
export function emptyGatewayConfig(): GatewayFileConfig {
  return gatewayFileSchema.parse({});
}
