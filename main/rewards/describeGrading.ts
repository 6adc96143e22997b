/**
 * How an evaluation says which reward graded it (events, results, the eval UI).
 * Code of custom components is left out; their names stay.
 */
/** e.g. "gsm8k (mode strict) (the run's own reward)": the components that grade an evaluation, and whose they are. */
export function describeGrading(reward: { components: { name: string; params?: object }[] }, chosen: boolean): string {
  const parts = reward.components.map((c) => {
    const p = Object.entries(c.params ?? {}).filter(([k]) => k !== 'code').map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    return p.length ? `${c.name} (${p.join(', ')})` : c.name;
  });
  return `${parts.join(' + ')} ${chosen ? '(chosen for this evaluation)' : "(the run's own reward)"}`;
}
