export { recipeSchema } from './recipeSchema.js';
export { validateRecipe, parseRecipe, crossFieldErrors } from './validateRecipe.js';
export { recipeFormSpec } from './recipeFormSpec.js';
export { recipePresets } from './recipePresets.js';
export * from './runSteps.js';
