import { afterAll, describe, expect, it } from 'vitest';
import { closeSandboxThreads } from '../index';
import { sandboxRunner } from '../../../../test/support/sandbox';

/** The first Python run of a thread loads Pyodide (seconds on a busy machine); later runs are warm. */
const COLD_START_MS = 180_000;

const FIBONACCI = `
n = get_data_input('n')['integer']
a, b = 0, 1
for _ in range(n):
    a, b = b, a + b
set_data_output('result', create_value('integer', a))
`;

const { run, failure, expectFibonacci } = sandboxRunner('python', FIBONACCI);

afterAll(() => closeSandboxThreads());

describe('logic.code sandbox, Python: the BlobHub code API', () => {
  it('runs fibonacci: n = 10 gives integer 55', { timeout: COLD_START_MS }, async () => {
    await expectFibonacci(10, 55);
  });

  it('reads inputs, sets persisted outputs, a route and terminal; logs print and events', async () => {
    const inputs = { name: { type: 'text', text: 'Ada' }, n: { type: 'integer', integer: 3 } };
    const result = await run(
      `
print(get_data_input('name')['text'], get_data_input('n')['integer'], get_data_input('missing'))
print(",".join(d['route'] + "=" + d['value']['type'] for d in data_inputs))
set_data_output('greeting', create_value('text', 'hi ' + get_data_input('name')['text']), persist=True)
set_data_output('msg', create_message('assistant', 'ok', 'm1'))
post_output_event('progress', {'step': 1})
post_warning_event('careful')
post_error_event('bad')
set_result('odd' if get_data_input('n')['integer'] % 2 else 'even', terminal=True)
`,
      { inputs },
    );
    expect(result.logs).toEqual(['Ada 3 None', 'name=text,n=integer', "progress {'step': 1}", '[warn] careful', '[error] bad']);
    expect(result.outputs.greeting).toEqual({ value: { type: 'text', text: 'hi Ada' }, persist: true });
    expect(result.outputs.msg?.value).toMatchObject({
      type: 'message',
      message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }], attributes: { id: 'm1' } },
    });
    expect(result.result).toEqual({ route: 'odd', terminal: true });
  });

  it('binds the allowed modules, typing names, exceptions and helpers by their BlobHub names', async () => {
    const { logs } = await run(`
print(json.dumps({'a': 1}), math.sqrt(16), re.sub('a', 'b', 'aa'), base64.b64encode(b'x').decode())
print(datetime.datetime(2020, 1, 2).isoformat(), decimal.Decimal('1.10') + 1, textwrap.shorten('a b c d', 5))
print(len(str(uuid.uuid4())), current_time_utc_iso().endswith('+00:00'), Union[int, str], Literal['a'])
from dataclasses import dataclass
@dataclass
class P:
    x: int
print(P(1), issubclass(LimitExceeded, Exception), issubclass(Exit, Exception))
try:
    [][1]
except IndexError as e:
    print('caught', type(e).__name__)
`);
    expect(logs).toEqual([
      '{"a": 1} 4.0 bb eA==',
      '2020-01-02T00:00:00 2.10 [...]',
      "36 True typing.Union[int, str] typing.Literal['a']",
      'P(x=1) True True',
      'caught IndexError',
    ]);
  });

  it('session objects: read the snapshot, collect writes (read-your-writes)', async () => {
    const sessionObjects = { counter: { count: 4 } };
    const result = await run(
      `
c = download_session_object('counter')
print(c['count'], get_session_object('nope'))
upload_session_object('counter', {'count': c['count'] + 1})
print(get_session_object('counter')['count'], list_session_objects())
`,
      { sessionObjects },
    );
    expect(result.logs).toEqual(['4 None', "5 ['counter']"]);
    expect(result.sessionWrites).toEqual({ counter: { count: 5 } });
  });

  it('the metadata objects are dicts; changing one changes nothing outside the run', async () => {
    const metadata = { execution: { id: 'exe_1' }, attributes: { processor_id: 'c' } };
    const { logs } = await run("execution['id'] = 'changed'\nprint(execution['id'], attributes['processor_id'], blob)", { metadata });
    expect(logs).toEqual(['changed c {}']);
    expect(metadata.execution.id).toBe('exe_1');
  });

  it('exit() and raising Exit end the code early and successfully', async () => {
    expect((await run("set_result('early')\nexit()\nset_result('late')")).result).toEqual({ route: 'early', terminal: false });
    expect((await run("set_result('early')\nraise Exit()")).result).toEqual({ route: 'early', terminal: false });
  });

  it('an exception carries its type, message, line and the logs written before it', async () => {
    const error = await failure("print('before')\ndef f():\n    raise ValueError('boom')\nf()");
    expect(error.kind).toBe('exception');
    expect(error.message).toBe('ValueError: boom (line 3)');
    expect(error.line).toBe(3);
    expect(error.logs).toEqual(['before']);
  });

  it.each([
    ["set_data_output('x', create_value('integer', 'seven'))", 'integer data must be a safe integer'],
    ["set_data_output('x', 'just a string')", 'must be a value object'],
    ["set_data_output('x', create_value('text', 'a'), 'yes')", 'persist must be True or False'],
    ["upload_session_object('cfg', lambda: 1)", 'is not JSON-serializable'],
  ])('rejects an invalid value: %s', async (code, message) => {
    const error = await failure(code);
    expect(error.kind).toBe('invalid_value');
    expect(error.message).toContain(message);
    expect(error.line).toBe(1);
  });
});

describe('logic.code sandbox, Python: isolation and limits', () => {
  it.each(['os', 'sys', 'subprocess', 'socket', 'js', 'pyodide', 'pyodide_js', 'importlib', 'ctypes', 'builtins', 'random'])(
    'import %s is refused: only the allowed modules are importable',
    async (module) => {
      const error = await failure(`import ${module}`);
      expect(error.message).toContain(`ImportError: module '${module}' is not available in the sandbox`);
    },
  );

  it('open, eval, exec, compile and __import__ tricks are not bound', async () => {
    for (const name of ['open', 'eval', 'exec', 'compile', 'input', 'globals', 'memoryview']) {
      expect((await failure(`${name}`)).message).toBe(`NameError: name '${name}' is not defined (line 1)`);
    }
  });

  it('reaching past the restrictions finds no host: no file, no network, no JavaScript, nothing writable', async () => {
    // the importer of built-in modules, reached through object's subclasses, loads what the restricted import refuses
    const { logs } = await run(`
loader = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'BuiltinImporter'][0]
real_import = loader.load_module('builtins').__import__
os = real_import('os')
print(sorted(os.listdir('/')))
for path in ['/etc/passwd', '/proc/self/environ', '${process.cwd()}/package.json']:
    try:
        real_import('io').open(path).read()
        print('read', path)
    except OSError as e:
        print('no', type(e).__name__)
for path in ['/tmp/x', '/home/pyodide/x', '/lib/python312.zip']:
    try:
        real_import('io').open(path, 'ab').write(b'x')
        print('wrote', path)
    except OSError as e:
        print('no', type(e).__name__)
try:
    real_import('socket').create_connection(('127.0.0.1', 5432), timeout=1)
    print('connected')
except OSError as e:
    print('no', type(e).__name__)
for name in ['js', 'pyodide_js']:
    try:
        real_import(name)
        print('imported', name)
    except ImportError as e:
        print('no', type(e).__name__)
`);
    expect(logs).toEqual([
      "['dev', 'home', 'lib', 'proc', 'tmp']",
      'no FileNotFoundError',
      'no FileNotFoundError',
      'no FileNotFoundError',
      'no PermissionError',
      'no PermissionError',
      'no PermissionError',
      'no PermissionError',
      'no ModuleNotFoundError',
      'no ModuleNotFoundError',
    ]);
  });

  it("Pyodide's foreign-function interface, reached past the restrictions, leads to no JavaScript code evaluation", async () => {
    const { logs } = await run(`
loader = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'BuiltinImporter'][0]
ffi = loader.load_module('builtins').__import__('pyodide.ffi', fromlist=['to_js'])
js_map = ffi.to_js({'a': 1})
try:
    js_map.constructor.constructor('return process')()
except Exception as e:
    print(type(e).__name__, e)
`);
    expect(logs).toEqual(['JsException TypeError: code evaluation is disabled in sandbox threads']);
  });

  it('nothing is shared between runs: globals, modules, classes and objects are as new each time', async () => {
    await run(`
leftover = 1
json.leftover = 1
json.JSONEncoder.leftover = 1
datetime.leftover = 1
set_data_output('x', create_value('integer', 1))
upload_session_object('leak', 1)
loader = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'BuiltinImporter'][0]
loader.load_module('sys').modules['json'].dumps = lambda *a, **k: 'hijacked'
`);
    const result = await run(`
print('leftover' in dir(), hasattr(json, 'leftover'), hasattr(json.JSONEncoder, 'leftover'), hasattr(datetime, 'leftover'))
print(json.dumps(1), get_session_object('leak'))
`);
    expect(result.logs).toEqual(['False False False False', '1 None']);
    expect(result.outputs).toEqual({});
  });

  it(
    'an endless loop stops at the time limit, even one that catches the interrupt; the next run is healthy',
    async () => {
      expect((await failure('while True:\n    pass', { limits: { timeoutMs: 300 } })).kind).toBe('timeout');
      const stubborn = 'while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass';
      expect((await failure(stubborn, { limits: { timeoutMs: 300 } })).kind).toBe('timeout');
      await expectFibonacci(10, 55);
    },
    COLD_START_MS,
  );

  it(
    'memory past the limit fails the run as memory; the next run is healthy',
    async () => {
      const allocate = "b = bytearray(96 * 1024 * 1024)\nset_data_output('n', create_value('integer', len(b)))";
      expect((await failure(allocate, { limits: { memoryBytes: 32 * 1024 * 1024 } })).kind).toBe('memory');
      expect((await run(allocate, { limits: { memoryBytes: 256 * 1024 * 1024 } })).outputs.n?.value).toEqual({ type: 'integer', integer: 96 * 1024 * 1024 });
      await expectFibonacci(10, 55);
    },
    COLD_START_MS,
  );

  it('endless recursion fails as memory', async () => {
    expect((await failure('def f():\n    return f() + 1\nf()')).kind).toBe('memory');
    await expectFibonacci(10, 55);
  });
});
