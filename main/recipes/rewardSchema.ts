/**
 * The reward section of a recipe: the one schema for reward components,
 * used by the recipe schema (training), runs.evaluate's optional override and
 * rewards.test. Each component must name a registered verifier, and its params
 * must be that verifier's documented params with values of the documented
 * type and range (docs/VERIFIERS.md), so a typo such as `{ mdoe: 'strict' }`
 * is an error naming the field instead of a silently ignored setting.
 */
import { z } from 'zod';
import type { RewardParamDoc } from '../api/contract/index.js';
import { getVerifier, isVerifierName, verifiers } from '../rl/verifiers/verifiers.js';

function paramIssue(doc: RewardParamDoc, v: unknown): string | null {
  switch (doc.type) {
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a finite number';
      if (doc.min !== undefined && v < doc.min) return `must be at least ${doc.min}`;
      if (doc.max !== undefined && v > doc.max) return `must be at most ${doc.max}`;
      return null;
    case 'boolean':
      return typeof v === 'boolean' ? null : 'must be true or false';
    case 'enum':
      return typeof v === 'string' && doc.options?.includes(v) ? null : `must be one of ${doc.options?.join(', ')}`;
    case 'string':
    case 'code':
      return typeof v === 'string' && v.length <= 20_000 ? null : 'must be text (at most 20,000 characters)';
    case 'json':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? null : 'must be a JSON object';
  }
}

export const rewardComponentSchema = z.object({
  name: z.string().min(1),
  weight: z.number().min(-100).max(100),
  params: z.record(z.string(), z.unknown()).optional(),
}).superRefine((c, ctx) => {
  if (!isVerifierName(c.name)) {
    ctx.addIssue({ code: 'custom', path: ['name'], message: `unknown reward component "${c.name}"; valid: ${Object.keys(verifiers).join(', ')}` });
    return;
  }
  const doc = getVerifier(c.name).doc;
  for (const [k, v] of Object.entries(c.params ?? {})) {
    const d = doc.params[k];
    if (!d) {
      ctx.addIssue({ code: 'custom', path: ['params', k], message: `${c.name} has no parameter "${k}"; valid: ${Object.keys(doc.params).join(', ')}` });
      continue;
    }
    const issue = paramIssue(d, v);
    if (issue) ctx.addIssue({ code: 'custom', path: ['params', k], message: `${c.name}.${k} ${issue}` });
  }
});

export const rewardSpecSchema = z.object({
  components: z.array(rewardComponentSchema).min(1, 'add at least one reward component').max(16, 'at most 16 reward components'),
});
