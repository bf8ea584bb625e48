/** Every engine registers itself here; the API and the worker both call this once. */
let registered = false;

export function registerAllEngines(): void {
  if (registered) return;
  registered = true;
}
