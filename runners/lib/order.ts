// One order for strings in every pipeline's output: code-unit order, the
// same on every machine (localeCompare differs between locales).

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
