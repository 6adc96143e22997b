/** The API contract: zero dependencies, imported by main/ and renderer/ alike. */
export * from './errors.js';
export * from './recipe.js';
export * from './stepNumbers.js';
export * from './types.js';
export * from './methods.js';
export * from './bridge.js';
