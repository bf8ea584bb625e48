/**
 * Python code can reach Pyodide's foreign-function interface past any Python-level restriction
 * (through object's subclasses), and with it create a JsProxy of a JavaScript object in this
 * thread. What it must not reach from there is code evaluation in this thread's realm (which has
 * Node's process, require and import()). After Pyodide has loaded, this thread therefore gives up:
 *  - the Function constructors reachable as `.constructor` of any function (Function, async,
 *    generator and async generator functions): each is replaced by a stand-in of the same name
 *    (Pyodide reads `fn.constructor.name`) that refuses to run;
 *  - the global eval, and Error.prepareStackTrace (its call sites hand out `this` and functions).
 * Pyodide runs compiled WebAssembly and never needs them once loaded.
 */
const FUNCTION_KINDS = [function () {}, async function () {}, function* () {}, async function* () {}];

function refusingStandIn(name: string) {
  const standIn = () => {
    throw new TypeError('code evaluation is disabled in sandbox threads');
  };
  Object.defineProperty(standIn, 'name', { value: name });
  return standIn;
}

export function lockDownRealm(): void {
  for (const kind of FUNCTION_KINDS) {
    const prototype: unknown = Object.getPrototypeOf(kind);
    const constructor = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value as { name: string };
    if (!Object.getOwnPropertyDescriptor(prototype, 'constructor')?.configurable) continue; // already locked down
    Object.defineProperty(prototype, 'constructor', { value: refusingStandIn(constructor.name), writable: false, configurable: false });
  }
  for (const [owner, key] of [
    [globalThis, 'eval'],
    [Error, 'prepareStackTrace'],
  ] as const) {
    if (Object.getOwnPropertyDescriptor(owner, key)?.configurable !== false)
      Object.defineProperty(owner, key, { value: undefined, writable: false, configurable: false });
  }
}
