/** Hands the ApiClient to views through Svelte context instead of a module global (keeps views testable). */
import { getContext, setContext } from 'svelte';
import type { ApiClient } from '../../main/api/contract/index.js';

const KEY = Symbol('clipo.api');

export function setApi(client: ApiClient): void {
  setContext(KEY, client);
}

export function getApi(): ApiClient {
  return getContext<ApiClient>(KEY);
}
