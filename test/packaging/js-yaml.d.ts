// js-yaml ships no types and @types/js-yaml is not installed; it comes with
// electron-builder (which parses electron-builder.yml with it), and the test needs only `load`.
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
