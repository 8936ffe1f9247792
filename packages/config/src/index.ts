export { loadConfig, type LoadConfigOptions } from './load-config.js';
export { parseYamlFile } from './parse-yaml-file.js';
export { describeConfig } from './describe-config.js';
export { renderConfigurationMarkdown } from './render-docs.js';
export { configSchema, listConfigFields, type Config, type ConfigField } from './schema.js';
export { explainListenError } from './listen-error.js';
export { formatListenAddress, parseListenAddress, type ListenAddress } from './listen-address.js';
