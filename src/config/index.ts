/** Loading and validating floodgate's YAML files: positions kept, all problems at once. */

export { suggest } from './suggest.ts';
export type { Frozen } from './validate.ts';
export { deepFreeze, knownKeysAt, loadConfigFile, validateSource } from './validate.ts';
export type { YamlSource } from './yaml-source.ts';
export { parseYamlSource, readYamlFile } from './yaml-source.ts';
