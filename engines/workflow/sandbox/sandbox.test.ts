import { afterAll, describe, expect, it } from 'vitest';
import { closeSandboxThreads, UserCodeError, type LogicCodeInput, type UserCodeErrorKind } from './index';
import { sandboxRunner } from '../../../test/support/sandbox';

const FIBONACCI =
  "const n = get_data_input('n').integer; let a = 0, b = 1; for (let i = 0; i < n; i++) [a, b] = [b, a + b]; set_data_output('result', create_value('integer', a));";

const { run, failure, expectFibonacci } = sandboxRunner('javascript', FIBONACCI);

/** What the code sees as `typeof` for each name, read through console.log. */
async function typesInside(names: string[]): Promise<Record<string, string>> {
  const { logs } = await run(`console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, typeof globalThis[n]]))))`);
  return JSON.parse(logs[0]!);
}

afterAll(() => closeSandboxThreads());

describe('logic.code sandbox: the BlobHub code API', () => {
  it('runs the SPEC fibonacci example: n = 10 gives integer 55', async () => {
    const result = await run(FIBONACCI, { inputs: { n: { type: 'integer', integer: 10 } } });
    expect(result).toEqual({
      outputs: { result: { value: { type: 'integer', integer: 55 }, persist: false } },
      result: null,
      sessionWrites: {},
      logs: [],
    });
  });

  it('reads data inputs: get_data_input returns the value object or null, data_inputs lists them all', async () => {
    const inputs = { name: { type: 'text', text: 'Ada' }, n: { type: 'integer', integer: 3 } };
    const { logs } = await run(
      "console.log(get_data_input('name').text, get_data_input('n').integer, get_data_input('missing'));" +
        'console.log(data_inputs.map((d) => d.route + "=" + d.value.type).join(","))',
      { inputs },
    );
    expect(logs).toEqual(['Ada 3 null', 'name=text,n=integer']);
  });

  it('create_value builds every BlobHub value type', async () => {
    const { outputs } = await run(`
      set_data_output('text', create_value('text', 'hi'));
      set_data_output('integer', create_value('integer', 42));
      set_data_output('float', create_value('float', 0.7));
      set_data_output('boolean', create_value('boolean', true));
      set_data_output('choice', create_value('choice', 'opt_a'));
      set_data_output('json', create_value('json', { a: [1, 2, { b: null }] }));
      set_data_output('message', create_value('message', { role: 'assistant', content: [{ type: 'text', text: 'ok' }] }));
      set_data_output('messages', create_value('messages', [create_message('user', 'q'), { role: 'assistant', content: [] }]));
    `);
    const values = Object.fromEntries(Object.entries(outputs).map(([route, o]) => [route, o.value]));
    expect(values).toMatchObject({
      text: { type: 'text', text: 'hi' },
      integer: { type: 'integer', integer: 42 },
      float: { type: 'float', float: 0.7 },
      boolean: { type: 'boolean', flag: true },
      choice: { type: 'choice', id: 'opt_a' },
      json: { type: 'json', json: { a: [1, 2, { b: null }] } },
      message: { type: 'message', message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }], attributes: {} } },
      messages: {
        type: 'messages',
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'q' }] },
          { role: 'assistant', content: [], attributes: {} },
        ],
      },
    });
  });

  it('create_message(role, text, attribute_id) builds a message value', async () => {
    const { outputs } = await run("set_data_output('m', create_message('system', 'be brief', 'msg_1')); set_data_output('empty', create_message('user'))");
    expect(outputs.m?.value).toMatchObject({
      type: 'message',
      message: { role: 'system', content: [{ type: 'text', text: 'be brief' }], attributes: { id: 'msg_1' } },
    });
    expect((outputs.m?.value as { message: { attributes: { created_at: string } } }).message.attributes.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(outputs.empty?.value).toMatchObject({ type: 'message', message: { role: 'user', content: [] } });
  });

  it.each([
    ["create_value('integer', 1.5)", 'integer data must be a safe integer'],
    ["create_value('float', NaN)", 'float data must be a finite number'],
    ["create_value('text', 3)", 'text data must be a string'],
    ["create_value('boolean', 'yes')", 'boolean data must be true or false'],
    ["create_value('date', 1)", 'unknown value type'],
    ["const a = {}; a.self = a; create_value('json', a)", 'not JSON-serializable'],
    ["create_message('robot', 'hi')", 'role must be one of'],
    ["set_data_output('x', { type: 'integer', integer: 'seven' })", 'integer data must be a safe integer'],
    ["set_data_output('x', 'just a string')", 'must be a value object'],
    ["set_data_output('x', create_value('text', 'a'), 'yes')", 'persist must be true or false'],
    ["set_session_object('cfg', () => 1)", 'is not JSON-serializable'],
    ["set_session_object('cfg', undefined)", 'needs a JSON value'],
  ])('rejects an invalid value: %s', async (code, message) => {
    const error = await failure(code);
    expect(error.kind).toBe('invalid_value');
    expect(error.message).toContain(message);
    expect(error.line).toBe(1);
  });

  it('set_data_output keeps the persist flag; set_result picks the route and terminal flag', async () => {
    const result = await run(
      "set_data_output('kept', create_value('integer', 1), true); set_data_output('temp', create_value('integer', 2)); set_result('odd', true)",
    );
    expect(result.outputs).toEqual({
      kept: { value: { type: 'integer', integer: 1 }, persist: true },
      temp: { value: { type: 'integer', integer: 2 }, persist: false },
    });
    expect(result.result).toEqual({ route: 'odd', terminal: true });
    expect((await run("set_result('failure')")).result).toEqual({ route: 'failure', terminal: false });
    expect((await run('1 + 1')).result).toBeNull();
  });

  it('an output is a snapshot taken when it is set', async () => {
    const { outputs } = await run("const v = create_value('json', { n: 1 }); set_data_output('x', v); v.json.n = 2");
    expect(outputs.x?.value).toEqual({ type: 'json', json: { n: 1 } });
  });

  it('reads session objects from the snapshot and collects writes (read-your-writes)', async () => {
    const sessionObjects = { counter: { count: 4 }, history: { type: 'messages', messages: [] } };
    const result = await run(
      "const c = get_session_object('counter'); console.log(c.count, get_session_object('nope'));" +
        "set_session_object('counter', { count: c.count + 1 }); console.log(get_session_object('counter').count);" +
        "set_session_object('fresh', 'hello')",
      { sessionObjects },
    );
    expect(result.logs).toEqual(['4 null', '5']);
    expect(result.sessionWrites).toEqual({ counter: { count: 5 }, fresh: 'hello' });
    expect(sessionObjects.counter).toEqual({ count: 4 });
  });

  it('captures console output, bounded in lines and line length', async () => {
    const { logs } = await run("console.log('a', 1, { b: true }, [null]); console.warn('careful'); console.error('bad'); console.log('x'.repeat(10000))");
    expect(logs.slice(0, 3)).toEqual(['a 1 {"b":true} [null]', '[warn] careful', '[error] bad']);
    expect(logs[3]?.length).toBeLessThan(5000);

    const many = await run('for (let i = 0; i < 250; i++) console.log(i)');
    expect(many.logs).toHaveLength(201);
    expect(many.logs[199]).toBe('199');
    expect(many.logs[200]).toBe('[50 more log lines dropped]');
  });

  it("BlobHub's names: events are log lines, session objects under download/upload/list, the time in UTC", async () => {
    const result = await run(
      "post_output_event('progress', { step: 1 }); post_warning_event('careful'); post_error_event('bad');" +
        "upload_session_object('fresh', download_session_object('counter') + 1); console.log(list_session_objects().join(','), current_time_utc_iso().endsWith('Z'))",
      { sessionObjects: { counter: 1 } },
    );
    expect(result.logs).toEqual(['progress {"step":1}', '[warn] careful', '[error] bad', 'counter,fresh true']);
    expect(result.sessionWrites).toEqual({ fresh: 2 });
  });

  it('the metadata objects are read-only globals', async () => {
    const metadata = { execution: { id: 'exe_1' }, attributes: { processor_id: 'c' } };
    const { logs } = await run(
      "'use strict'; try { execution.id = 'x' } catch (e) { console.log(e.name) } console.log(execution.id, attributes.processor_id, JSON.stringify(blob))",
      { metadata },
    );
    expect(logs).toEqual(['TypeError', 'exe_1 c {}']);
  });

  it('exit() ends the code early and successfully', async () => {
    const result = await run("set_result('early'); exit(); set_result('late')");
    expect(result.result).toEqual({ route: 'early', terminal: false });
  });

  it('supports async code: top-level await and promise chains run to completion', async () => {
    const result = await run(`
      const double = async (x) => { await null; return x * 2 };
      const values = await Promise.all([double(1), double(2), Promise.resolve(3).then(double)]);
      set_data_output('sum', create_value('integer', values.reduce((a, b) => a + b, 0)));
      set_result('done');
    `);
    expect(result.outputs.sum?.value).toEqual({ type: 'integer', integer: 12 });
    expect(result.result).toEqual({ route: 'done', terminal: false });
  });

  it('a rejected await is an exception; a promise that never settles is reported', async () => {
    const rejected = await failure("console.log('start');\nawait Promise.reject(new TypeError('nope'))");
    expect(rejected).toMatchObject({ kind: 'exception', logs: ['start'] });
    expect(rejected.message).toContain('TypeError: nope');
    const pending = await failure('await new Promise(() => {})');
    expect(pending.kind).toBe('exception');
    expect(pending.message).toContain('never settles');
  });

  it('a thrown exception carries the user message, line and the logs written before it', async () => {
    const error = await failure("console.log('step 1');\nconst x = 1;\nthrow new Error('boom at ' + x)");
    expect(error).toMatchObject({ kind: 'exception', line: 3, logs: ['step 1'] });
    expect(error.message).toBe('Error: boom at 1 (line 3)');
    expect((await failure('let x = ;')).message).toContain('SyntaxError');
    expect((await failure("throw 'plain string'")).message).toContain('plain string');
  });
});

describe('logic.code sandbox: isolation', () => {
  const NODE_GLOBALS = [
    'process',
    'require',
    'module',
    'exports',
    'fetch',
    'XMLHttpRequest',
    'setTimeout',
    'setInterval',
    'setImmediate',
    'queueMicrotask',
    'Buffer',
    'global',
    'WebAssembly',
    'std',
    'os',
  ];
  // ECMAScript built-ins; anything else on the global object must be our API.
  const ECMASCRIPT_GLOBALS =
    'Error EvalError RangeError ReferenceError SyntaxError TypeError URIError InternalError AggregateError Array Object Function Iterator parseInt parseFloat isNaN isFinite decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape Infinity NaN undefined eval Number Boolean String Math Reflect Symbol globalThis BigInt Date RegExp JSON Proxy Map Set WeakMap WeakSet ArrayBuffer SharedArrayBuffer Uint8ClampedArray Int8Array Uint8Array Int16Array Uint16Array Int32Array Uint32Array BigInt64Array BigUint64Array Float16Array Float32Array Float64Array DataView Promise WeakRef FinalizationRegistry'.split(
      ' ',
    );
  const API = [
    'console',
    'data_inputs',
    'get_data_input',
    'set_data_output',
    'set_result',
    'create_value',
    'create_message',
    'get_session_object',
    'set_session_object',
    'exit',
    'post_output_event',
    'post_warning_event',
    'post_error_event',
    'current_time_utc_iso',
    'download_session_object',
    'upload_session_object',
    'list_session_objects',
    'blob',
    'session',
    'definition',
    'execution',
    'attributes',
  ];

  it('the global object holds ECMAScript built-ins and the BlobHub API, nothing of Node', async () => {
    const { logs } = await run('console.log(JSON.stringify(Object.getOwnPropertyNames(globalThis)))');
    const names: string[] = JSON.parse(logs[0]!);
    expect(names.filter((n) => !ECMASCRIPT_GLOBALS.includes(n)).sort()).toEqual([...API].sort());
    expect(Object.values(await typesInside(NODE_GLOBALS))).toEqual(NODE_GLOBALS.map(() => 'undefined'));
  });

  it.each([
    ["require('fs')", 'ReferenceError'],
    ['process.exit(1)', 'ReferenceError'],
    ["await fetch('http://127.0.0.1/')", 'ReferenceError'],
    ["await import('fs')", "could not load module 'fs'"],
    ["await import('node:child_process')", 'could not load module'],
    ["Function('return process')()", 'ReferenceError'],
    ["this.constructor.constructor('return require')()('fs')", 'ReferenceError'],
    ['setTimeout(() => {}, 0)', 'ReferenceError'],
    ["globalThis.constructor.constructor('return process')()", 'ReferenceError'],
    ["(async () => {}).constructor('return process')()", 'ReferenceError'],
    ['Error.prepareStackTrace = (e, frames) => frames.map((f) => f.getThis()); new Error().stack.find((t) => t && t.process).process', 'TypeError'],
    ['%GetOptimizationStatus(() => 1)', 'SyntaxError'],
    ['WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))', 'ReferenceError'],
    ['Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)', 'ReferenceError'],
  ])('cannot reach the host: %s', async (code, message) => {
    const error = await failure(code);
    expect(error.kind).toBe('exception');
    expect(error.message).toContain(message);
  });

  it("Function('return this')() is the sandbox's own global object", async () => {
    const { logs } = await run("const g = Function('return this')(); console.log(g === globalThis, typeof g.process, typeof g.get_data_input)");
    expect(logs).toEqual(['true undefined function']);
  });

  it('prototype pollution stays inside one run and never reaches the host', async () => {
    await run(
      "Object.prototype.polluted = 'yes'; Array.prototype.map = null; JSON.stringify = () => 'tampered'; set_data_output('ok', create_value('integer', 1))",
    ).then((r) => expect(r.outputs.ok?.value).toEqual({ type: 'integer', integer: 1 }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof Array.prototype.map).toBe('function');
    const { logs } = await run('console.log(typeof ({}).polluted, typeof [].map, JSON.stringify({ a: 1 }))');
    expect(logs).toEqual(['undefined function {"a":1}']);
  });

  it("inputs and the API are the sandbox's own objects: nothing of the host to walk from", async () => {
    const { logs } = await run(
      "const n = get_data_input('n'); console.log(n.constructor === Object, Object.getPrototypeOf(get_data_input) === Function.prototype, set_data_output.constructor('return typeof process')())",
      { inputs: { n: { type: 'integer', integer: 1 } } },
    );
    expect(logs).toEqual(['true true undefined']);
  });

  it('tampering with what the API relies on (then, Reflect, JSON.parse) does not change how the host reads the run', async () => {
    const result = await run(
      "Promise.prototype.then = function () {}; Reflect.apply = null; JSON.parse = null; Function.prototype.call = null; set_data_output('ok', create_value('integer', 1)); set_result('done')",
    );
    expect(result.outputs.ok?.value).toEqual({ type: 'integer', integer: 1 });
    expect(result.result).toEqual({ route: 'done', terminal: false });
  });

  it('an output faked through Object.prototype is still rejected by the host', async () => {
    const error = await failure("Object.prototype.integer = 5; Object.prototype.hasOwnProperty = () => true; set_data_output('x', { type: 'integer' })");
    expect(error.kind).toBe('invalid_value');
  });

  it('session writes and outputs from one run are not visible to the next', async () => {
    await run("set_session_object('leak', 1); globalThis.leftover = 1");
    const { logs } = await run("console.log(get_session_object('leak'), typeof globalThis.leftover)");
    expect(logs).toEqual(['null undefined']);
  });
});

describe('logic.code sandbox: limits', () => {
  const failures: [string, string, UserCodeErrorKind, Partial<LogicCodeInput>][] = [
    ['an infinite loop', 'while (true) {}', 'timeout', { limits: { timeoutMs: 300 } }],
    ['an infinite loop that catches everything', 'for (;;) { try { while (true) {} } catch (e) {} }', 'timeout', { limits: { timeoutMs: 300 } }],
    ['an infinite async loop', 'while (true) await null', 'timeout', { limits: { timeoutMs: 300 } }],
    [
      'slow native calls the interpreter cannot interrupt',
      "const s = 'x'.repeat(1 << 20); const a = []; while (true) a.push(s.split('').join(''))",
      'timeout',
      { limits: { timeoutMs: 300 } },
    ],
    ['new Array(1e9).fill(1)', 'new Array(1e9).fill(1)', 'memory', {}],
    ['a 1 GiB typed array', 'new Uint8Array(2 ** 30)', 'memory', {}],
    ['string doubling toward 1 GiB', "let s = 'x'; while (true) { s += s; s.charCodeAt(s.length >> 1) }", 'memory', {}],
    ['string doubling past the string size limit', "let s = 'x'; while (true) s += s", 'memory', {}],
    ['endless recursion', 'function f() { return f() + 1 } f()', 'memory', {}],
    ['deeply nested source the parser recurses on', "eval('['.repeat(1e6) + ']'.repeat(1e6))", 'memory', {}],
    ['deeply nested JSON', "JSON.parse('['.repeat(1e6) + ']'.repeat(1e6))", 'memory', {}],
  ];

  it.each(failures)('%s fails as %s… and the next run is healthy', async (_name, code, kind, more) => {
    const error = await failure(code, more);
    expect(error.kind).toBe(kind);
    await expectFibonacci(10, 55);
  });

  it('a run that exhausts V8 beyond recovery ends its own sandbox process only: runs beside it finish', async () => {
    const bomb = failure('new Array(1e9).fill(1)');
    const results = await Promise.all(Array.from({ length: 4 }, (_, n) => run(FIBONACCI, { inputs: { n: { type: 'integer', integer: n + 10 } } })));
    expect(results.map((r) => (r.outputs.result?.value as { integer: number }).integer)).toEqual([55, 89, 144, 233]);
    expect((await bomb).kind).toBe('memory');
    await expectFibonacci(10, 55);
  });

  it('the memory limit is configurable', async () => {
    const allocate = 'const a = new Uint8Array(16 * 1024 * 1024); set_data_output("n", create_value("integer", a.length))';
    expect((await failure(allocate, { limits: { memoryBytes: 8 * 1024 * 1024 } })).kind).toBe('memory');
    expect((await run(allocate)).outputs.n?.value).toEqual({ type: 'integer', integer: 16 * 1024 * 1024 });
    const hugeSession = { big: 'x'.repeat(4 * 1024 * 1024) };
    expect((await failure('1', { sessionObjects: hugeSession, limits: { memoryBytes: 2 * 1024 * 1024 } })).kind).toBe('memory');
  });

  it('concurrent runs are independent, even next to a runaway one', async () => {
    const loop = run('while (true) {}', { limits: { timeoutMs: 500 } }).catch((e: UserCodeError) => e.kind);
    const results = await Promise.all(Array.from({ length: 6 }, (_, n) => run(FIBONACCI, { inputs: { n: { type: 'integer', integer: n + 1 } } })));
    expect(results.map((r) => (r.outputs.result?.value as { integer: number }).integer)).toEqual([1, 1, 2, 3, 5, 8]);
    expect(await loop).toBe('timeout');
  });

  it('200 runs (successes, failures, 8 MiB allocations) leave the process memory bounded', async () => {
    const codes = [
      FIBONACCI,
      "throw new Error('x')",
      "const a = new Float64Array(1 << 20).fill(1); const o = []; for (let i = 0; i < 1e4; i++) o.push({ i }); set_data_output('result', create_value('integer', a.length))",
      'new Uint8Array(2 ** 30)',
    ];
    const runAll = async (count: number) => {
      for (let i = 0; i < count; i++) await run(codes[i % codes.length]!, { inputs: { n: { type: 'integer', integer: 10 } } }).catch(() => {});
    };
    await runAll(20); // the WASM heap grows to its working size once
    const before = process.memoryUsage().rss;
    await runAll(200);
    const grownMiB = (process.memoryUsage().rss - before) / 1024 / 1024;
    // A leaked runtime would keep its ~8 MiB+ heap: 50 leaks alone would pass 400 MiB.
    expect(grownMiB).toBeLessThan(200);
    await expectFibonacci(10, 55);
  });
});
