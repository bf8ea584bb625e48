/**
 * The `logic.code` API, written in JavaScript that runs INSIDE the run's V8 isolate.
 *
 * The host never hands a function or object to the isolate: this source is evaluated in the fresh
 * context and called with one JSON string (inputs, session objects, log limits). It defines the
 * BlobHub globals and returns `{ run, settled, collect, collectLogs }`, whose results are JSON
 * strings again. Values are copied through JSON on the way in and out, so user code cannot alias
 * the state.
 */
export const PRELUDE_SOURCE = String.raw`(function (stateJson) {
  'use strict';
  const { inputs, sessionObjects, metadata, logLimits } = JSON.parse(stateJson);
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isArray = Array.isArray;
  const OriginalRangeError = RangeError;
  const promiseThen = Promise.prototype.then;
  const apply = Reflect.apply;
  const defineGlobal = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: false, enumerable: false, configurable: false });

  const outputs = {};
  const sessionWrites = {};
  const logs = [];
  let droppedLogLines = 0;
  let result = null;

  class InvalidValueError extends Error {
    constructor(message) { super(message); this.name = 'InvalidValueError'; }
  }
  const invalid = (message) => { throw new InvalidValueError(message); };
  const EXIT = Object.freeze({ exit: true });

  // JSON round trip: a deep copy that also rejects what JSON cannot carry (cycles, functions, BigInt).
  const jsonCopy = (data, what) => {
    let text;
    try { text = stringify(data); } catch (e) { invalid(what + ' is not JSON-serializable: ' + e.message); }
    if (text === undefined) invalid(what + ' is not JSON-serializable');
    return parse(text);
  };
  const requireName = (name, what) => {
    if (typeof name !== 'string' || name.length === 0) invalid(what + ' must be a non-empty string');
    return name;
  };
  const requireFlag = (flag, what) => {
    if (typeof flag !== 'boolean') invalid(what + ' must be true or false');
    return flag;
  };
  const isPlainObject = (x) => typeof x === 'object' && x !== null && !isArray(x);

  const ROLES = ['system', 'user', 'assistant'];
  const toMessage = (data, what) => {
    // Accept a bare message or a message value object (what create_message returns).
    const m = isPlainObject(data) && data.type === 'message' && isPlainObject(data.message) ? data.message : data;
    if (!isPlainObject(m)) invalid(what + ' must be an object {role, content, attributes}');
    if (!ROLES.includes(m.role)) invalid(what + '.role must be one of ' + ROLES.join(', '));
    if (!isArray(m.content)) invalid(what + '.content must be an array');
    m.content.forEach((part, i) => {
      if (!isPlainObject(part) || typeof part.type !== 'string') invalid(what + '.content[' + i + '] must be an object with a string type');
    });
    if (m.attributes !== undefined && !isPlainObject(m.attributes)) invalid(what + '.attributes must be an object');
    return jsonCopy({ ...m, attributes: m.attributes ?? {} }, what);
  };

  // One entry per value type: the field that carries the data and how that data is checked.
  const VALUE_TYPES = {
    text: { field: 'text', check: (d) => (typeof d === 'string' ? d : invalid('text data must be a string')) },
    integer: { field: 'integer', check: (d) => (Number.isSafeInteger(d) ? d : invalid('integer data must be a safe integer, got ' + stringify(d))) },
    float: { field: 'float', check: (d) => (typeof d === 'number' && Number.isFinite(d) ? d : invalid('float data must be a finite number, got ' + stringify(d))) },
    boolean: { field: 'flag', check: (d) => (typeof d === 'boolean' ? d : invalid('boolean data must be true or false')) },
    choice: { field: 'id', check: (d) => requireName(d, 'choice data (an option id)') },
    json: { field: 'json', check: (d) => (d === undefined ? invalid('json data must be a JSON value') : jsonCopy(d, 'json data')) },
    message: { field: 'message', check: (d) => toMessage(d, 'message') },
    messages: {
      field: 'messages',
      check: (d) => (isArray(d) ? d.map((m, i) => toMessage(m, 'messages[' + i + ']')) : invalid('messages data must be an array of messages')),
    },
  };
  const typeOf = (type) => {
    const spec = typeof type === 'string' && Object.hasOwn(VALUE_TYPES, type) ? VALUE_TYPES[type] : null;
    return spec ?? invalid('unknown value type ' + stringify(type) + '; expected one of ' + Object.keys(VALUE_TYPES).join(', '));
  };
  const createValue = (type, data) => {
    const spec = typeOf(type);
    return { type, [spec.field]: spec.check(data) };
  };
  // Re-checks a value object the user built by hand (or got from an input).
  const checkValue = (value, what) => {
    if (!isPlainObject(value)) invalid(what + ' must be a value object like {type: "text", text: "…"}');
    const spec = typeOf(value.type);
    if (!Object.hasOwn(value, spec.field)) invalid(what + ' of type ' + value.type + ' needs the field ' + spec.field);
    return createValue(value.type, value[spec.field]);
  };

  const formatLogArg = (arg) => {
    if (typeof arg === 'string') return arg;
    try { return stringify(arg) ?? String(arg); } catch (e) { return String(arg); }
  };
  const log = (prefix) => (...args) => {
    if (logs.length >= logLimits.lines) { droppedLogLines++; return; }
    const line = prefix + args.map(formatLogArg).join(' ');
    logs.push(line.length > logLimits.lineChars ? line.slice(0, logLimits.lineChars) + '…' : line);
  };
  // Runs once, at the end; indexed writes keep it independent of a tampered Array.prototype.
  const finalLogs = () => {
    if (droppedLogLines) logs[logs.length] = '[' + droppedLogLines + ' more log lines dropped]';
    droppedLogLines = 0;
    return logs;
  };

  // V8 built-ins outside the API: no Intl (QuickJS had none either), no shared-memory Atomics, no WebAssembly compiler
  for (const name of ['Intl', 'Atomics', 'WebAssembly']) delete globalThis[name];
  // deep enough for the API's own frames below the user's (errors name the user's line from the stack)
  Error.stackTraceLimit = 50;
  // V8 parses JSON without recursion, but what it builds could never be stringified again (that
  // recurses): nesting is bounded as a recursive parser's stack would bound it.
  const MAX_JSON_DEPTH = 5000;
  const checkNesting = (text) => {
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        for (i++; i < text.length; i++) {
          const d = text.charCodeAt(i);
          if (d === 92) i++;
          else if (d === 34) break;
        }
      } else if (c === 91 || c === 123) {
        if (++depth > MAX_JSON_DEPTH) throw new OriginalRangeError('JSON nesting deeper than ' + MAX_JSON_DEPTH + ' levels');
      } else if (c === 93 || c === 125) depth--;
    }
  };
  JSON.parse = function parse(text, reviver) {
    const source = String(text);
    // a text shorter than the limit cannot nest deeper than it
    if (source.length > MAX_JSON_DEPTH) checkNesting(source);
    return parse(source, reviver);
  };

  defineGlobal('console', Object.freeze({ log: log(''), info: log(''), debug: log(''), warn: log('[warn] '), error: log('[error] ') }));
  defineGlobal('data_inputs', Object.freeze(Object.keys(inputs).map((route) => Object.freeze({ route, value: jsonCopy(inputs[route], 'input') }))));
  defineGlobal('get_data_input', (route) => {
    requireName(route, 'route');
    return Object.hasOwn(inputs, route) ? jsonCopy(inputs[route], 'input') : null;
  });
  defineGlobal('set_data_output', (route, value, persist = false) => {
    requireName(route, 'route');
    outputs[route] = { value: checkValue(value, 'output ' + stringify(route)), persist: requireFlag(persist, 'persist') };
  });
  defineGlobal('set_result', (route, terminal = false) => {
    result = { route: requireName(route, 'route'), terminal: requireFlag(terminal, 'terminal') };
  });
  defineGlobal('create_value', createValue);
  defineGlobal('create_message', (role, text = null, attribute_id = null) => {
    if (text !== null && typeof text !== 'string') invalid('message text must be a string');
    if (attribute_id !== null) requireName(attribute_id, 'attribute_id');
    const attributes = { created_at: new Date().toISOString(), ...(attribute_id === null ? {} : { id: attribute_id }) };
    return createValue('message', { role, content: text === null ? [] : [{ type: 'text', text }], attributes });
  });
  const getSessionObject = (alias) => {
    requireName(alias, 'alias');
    if (Object.hasOwn(sessionWrites, alias)) return jsonCopy(sessionWrites[alias], 'session object');
    return Object.hasOwn(sessionObjects, alias) ? jsonCopy(sessionObjects[alias], 'session object') : null;
  };
  const setSessionObject = (alias, value) => {
    requireName(alias, 'alias');
    if (value === undefined || value === null) invalid('session object ' + stringify(alias) + ' needs a JSON value');
    sessionWrites[alias] = jsonCopy(value, 'session object ' + stringify(alias));
  };
  defineGlobal('get_session_object', getSessionObject);
  defineGlobal('set_session_object', setSessionObject);
  defineGlobal('exit', () => { throw EXIT; });

  // BlobHub's names for the same things, as the Python sandbox binds them (python/prelude.ts):
  // events are log lines, like console's.
  defineGlobal('post_output_event', log(''));
  defineGlobal('post_warning_event', log('[warn] '));
  defineGlobal('post_error_event', log('[error] '));
  defineGlobal('current_time_utc_iso', () => new Date().toISOString());
  defineGlobal('download_session_object', getSessionObject);
  defineGlobal('upload_session_object', setSessionObject);
  // the run's metadata objects (flat: ids and names), read-only
  for (const name of ['blob', 'session', 'definition', 'execution', 'attributes'])
    defineGlobal(name, Object.freeze(Object.hasOwn(metadata, name) ? metadata[name] : {}));
  defineGlobal('list_session_objects', () => [...new Set([...Object.keys(sessionObjects), ...Object.keys(sessionWrites)])].sort());

  // What the user code threw, described here (its getters run in the isolate, under the deadline).
  const describe = (e) => {
    try {
      if (typeof e !== 'object' || e === null) return { thrown: stringify(e) ?? String(e) };
      const text = (x) => (typeof x === 'string' ? x : undefined);
      return { name: text(e.name), message: typeof e.message === 'string' ? e.message : stringify(e), stack: text(e.stack) };
    } catch (err) {
      return { thrown: 'a value that cannot be shown' };
    }
  };
  let settled = { state: 'pending' };

  return Object.freeze({
    // Runs the user's compiled async function; exit() ends it early and successfully. The host
    // reads how it ended with settled() once the isolate has run every job it queued.
    run: (userCode) => {
      const running = (async () => {
        try { await userCode(); } catch (e) { if (e !== EXIT) throw e; }
      })();
      // the then captured before the user code ran (it may have replaced Promise.prototype.then)
      apply(promiseThen, running, [
        () => { settled = { state: 'ok' }; },
        (e) => { settled = { state: 'error', error: describe(e) }; },
      ]);
    },
    settled: () => stringify(settled),
    collect: () => stringify({ outputs, result, sessionWrites, logs: finalLogs() }),
    collectLogs: () => stringify(finalLogs()),
  });
})`;
