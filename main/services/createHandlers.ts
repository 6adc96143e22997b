/**
 * Assembles ApiHandlers from the app's services. Each area's service is
 * optional so the shell runs before every part exists: a missing service (or
 * a missing method on a partial one) makes its methods reject with
 * `unavailable` and a message naming what is missing.
 *
 * Service shapes are derived from the contract: `AreaService<'runs'>` has
 * `list`, `get`, `create`, ... each taking that method's args.
 */
import { API_METHOD_NAMES, ApiError, type ApiArgs, type ApiMethodName, type ApiReturn, type PublicSettings, type Settings } from '../api/contract/index.js';
import type { ApiHandlers } from '../api/ApiHandlers.js';
import type { AppService } from './appService.js';
import type { SettingsService } from './settingsService.js';

type VerbOf<A extends string, M> = M extends `${A}.${infer V}` ? V : never;

/** The methods of one API area, keyed by verb; sync results are accepted too. */
export type AreaService<A extends string> = {
  [M in ApiMethodName as VerbOf<A, M>]: (args: ApiArgs<M>) => Promise<ApiReturn<M>> | ApiReturn<M>;
};
export type RunsService = AreaService<'runs'>;
export type ModelsService = AreaService<'models'>;
export type DatasetsService = AreaService<'datasets'>;
export type RecipesService = AreaService<'recipes'>;
export type RewardsService = AreaService<'rewards'>;
export type PlaygroundService = AreaService<'playground'>;

export interface HandlerContext {
  app: AppService;
  settings: SettingsService;
  runs?: Partial<RunsService>;
  models?: Partial<ModelsService>;
  datasets?: Partial<DatasetsService>;
  recipes?: Partial<RecipesService>;
  rewards?: Partial<RewardsService>;
  playground?: Partial<PlaygroundService>;
}

/** Which part of the codebase provides each optional area (named in `unavailable` errors). */
const PROVIDERS: Record<string, string> = {
  runs: 'the run store and trainer (main/store, main/trainer)',
  models: 'the model library (main/models)',
  datasets: 'dataset import (main/data)',
  recipes: 'the recipe schema (main/recipes)',
  rewards: 'the reward components (main/rl/verifiers, main/rewards)',
  playground: 'the playground (main/services/playgroundService.ts)',
};

type LooseHandler = (args: unknown) => Promise<unknown>;

/** Settings as the renderer sees them: the Hugging Face token stays in the main process. */
export function publicSettings(s: Settings): PublicSettings {
  const { hfToken, ...rest } = s;
  return { ...rest, hfTokenSet: hfToken.length > 0 };
}

export function createHandlers(ctx: HandlerContext): ApiHandlers {
  const fixed: Partial<Record<ApiMethodName, LooseHandler>> = {
    'app.info': () => ctx.app.info(),
    'settings.get': async () => publicSettings(await ctx.settings.get()),
    'settings.set': async (args) => publicSettings(await ctx.settings.set(args as ApiArgs<'settings.set'>)),
  };
  const areas = { runs: ctx.runs, models: ctx.models, datasets: ctx.datasets, recipes: ctx.recipes, rewards: ctx.rewards, playground: ctx.playground } as
    Record<string, Record<string, ((args: unknown) => unknown) | undefined> | undefined>;

  const handlers: Partial<Record<ApiMethodName, LooseHandler>> = {};
  for (const method of API_METHOD_NAMES) {
    const own = fixed[method];
    if (own) {
      handlers[method] = own;
      continue;
    }
    const [area = '', verb = ''] = method.split('.');
    const service = areas[area];
    const fn = service?.[verb];
    handlers[method] = fn
      ? async (args) => fn.call(service, args)
      : async () => {
          throw new ApiError({
            code: 'unavailable',
            message: service
              ? `${method} is not implemented yet by ${PROVIDERS[area] ?? area}.`
              : `${method} is unavailable: ${PROVIDERS[area] ?? area} is not part of this build yet.`,
          });
        };
  }
  return handlers as ApiHandlers;
}
