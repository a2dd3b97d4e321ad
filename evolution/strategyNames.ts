/** The names of the built-in search strategies (the registry in strategies.ts checks it against the files). */
export const kStrategyNames = Object.freeze(['evolution', 'nsga2', 'random'] as const);

export type StrategyName = (typeof kStrategyNames)[number];

export function isStrategyName(name: string): name is StrategyName {
  return (kStrategyNames as readonly string[]).includes(name);
}
