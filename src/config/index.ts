/** Loading and validating floodgate's YAML files: positions kept, all problems at once. */

export type { PlanValueResolver } from './scenario.ts';
export { rateValue, resolvePlanRates, scaleScenario } from './scenario.ts';
export type { CampaignStep, FaultStep, LoadStep, OwnDispatcher, PhasesStep, RateValue, SearchStep, SweepStep } from './scenario-schema.ts';
export { PLAN_VALUE_NAMES, PlanRef, RequestTemplate, SCENARIO_DEFAULTS, Scenario, SEARCH_DEFAULTS } from './scenario-schema.ts';
export { suggest } from './suggest.ts';
export type { Frozen } from './validate.ts';
export { deepFreeze, knownKeysAt, loadConfigFile, validateSource } from './validate.ts';
export type { YamlSource } from './yaml-source.ts';
export { MAX_YAML_BYTES, parseYamlSource, readYamlFile, readYamlText } from './yaml-source.ts';
