/**
 * The `logic.code` API for Python, written in Python that runs INSIDE Pyodide (CPython/WASM).
 *
 * It mirrors the JavaScript prelude (../prelude.ts) under BlobHub's names (blobhub-cli's
 * compiler/sandbox.py lists them): one model, two languages. The host calls `run(code, state_json)`
 * with strings only and gets one JSON string back; values are copied through JSON both ways.
 * Each run gets fresh globals; everything else a run could change (modules, classes, the heap) is
 * wiped by the host, which restores the interpreter's memory after every run (runtime.ts).
 */
export const ALLOWED_MODULES = [
  'json',
  'uuid',
  'time',
  'datetime',
  'zoneinfo',
  'functools',
  'traceback',
  'copy',
  'decimal',
  'textwrap',
  'math',
  're',
  'abc',
  'typing',
  'base64',
  'dataclasses',
  'io',
] as const;

/** The file name user code compiles under: tracebacks name it, so its lines are the user's. */
export const PYTHON_FILENAME = 'code.py';

export const PYTHON_PRELUDE = String.raw`
import builtins as _builtins
from json import dumps as _dumps, loads as _loads
import sys as _sys
import traceback as _traceback
from datetime import datetime as _datetime, timezone as _timezone

ALLOWED_MODULES = frozenset(${JSON.stringify(ALLOWED_MODULES)})
for _name in sorted(ALLOWED_MODULES):
    __import__(_name)
# typing and zoneinfo load these lazily; loading them now keeps them in the restored snapshot
import _strptime, typing as _typing, zoneinfo as _zoneinfo, decimal as _decimal

# What BlobHub binds as built-in functions (compiler/sandbox.py BUILTIN_NAMES), plus the standard
# exception classes: no open, eval, exec, compile, input, globals, locals, memoryview, __import__.
_BUILTIN_NAMES = """abs all any ascii bin bool bytearray bytes callable chr classmethod complex delattr
dict dir divmod enumerate filter float format frozenset getattr hasattr hash hex id int isinstance
issubclass iter len list map max min next object oct ord pow property range round repr reversed set
setattr slice sorted staticmethod str sum super tuple type vars zip NotImplemented Ellipsis""".split()
_EXCEPTIONS = [n for n, v in vars(_builtins).items() if isinstance(v, type) and issubclass(v, BaseException)]

class InvalidValueError(Exception):
    """A value the code handed to the API is not a valid BlobHub value."""

class Exit(Exception):
    """Raised by exit(): ends the code early and successfully."""

class LimitExceeded(Exception): pass
class GraphMutationConflict(Exception): pass
class GraphTraversalLimitExceeded(Exception): pass
class InvalidGraphQuery(Exception): pass
class InvalidSessionObjectAlias(Exception): pass
class InvalidThreadEnvelope(Exception): pass
class InvalidGraphEnvelope(Exception): pass
_DOMAIN_EXCEPTIONS = [LimitExceeded, GraphMutationConflict, GraphTraversalLimitExceeded, InvalidGraphQuery,
                      InvalidSessionObjectAlias, InvalidThreadEnvelope, InvalidGraphEnvelope, Exit]

def _invalid(message):
    raise InvalidValueError(message)

def _json_copy(data, what):
    try:
        return _loads(_dumps(data, allow_nan=False))
    except (TypeError, ValueError) as e:
        _invalid(f"{what} is not JSON-serializable: {e}")

def _require_name(name, what):
    if not isinstance(name, str) or not name:
        _invalid(f"{what} must be a non-empty string")
    return name

def _require_flag(flag, what):
    if not isinstance(flag, bool):
        _invalid(f"{what} must be True or False")
    return flag

_ROLES = ("system", "user", "assistant", "interpreter")

def _to_message(data, what):
    # a bare message or a message value object (what create_message returns)
    m = data["message"] if isinstance(data, dict) and data.get("type") == "message" and isinstance(data.get("message"), dict) else data
    if not isinstance(m, dict):
        _invalid(f"{what} must be a dict {{role, content, attributes}}")
    if m.get("role") not in _ROLES:
        _invalid(f"{what}['role'] must be one of {', '.join(_ROLES)}")
    if not isinstance(m.get("content"), list):
        _invalid(f"{what}['content'] must be a list")
    for i, part in enumerate(m["content"]):
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            _invalid(f"{what}['content'][{i}] must be a dict with a string type")
    if m.get("attributes") is not None and not isinstance(m["attributes"], dict):
        _invalid(f"{what}['attributes'] must be a dict")
    return _json_copy({**m, "attributes": m.get("attributes") or {}}, what)

def _check_integer(d):
    if isinstance(d, bool) or not isinstance(d, int) or abs(d) > 2**53 - 1:
        _invalid(f"integer data must be a safe integer, got {d!r}")
    return d

def _check_float(d):
    if isinstance(d, bool) or not isinstance(d, (int, float)) or d != d or d in (float("inf"), float("-inf")):
        _invalid(f"float data must be a finite number, got {d!r}")
    return float(d)

def _check_messages(d):
    if not isinstance(d, list):
        _invalid("messages data must be a list of messages")
    return [_to_message(m, f"messages[{i}]") for i, m in enumerate(d)]

# One entry per value type: the field that carries the data and how that data is checked.
_VALUE_TYPES = {
    "text": ("text", lambda d: d if isinstance(d, str) else _invalid("text data must be a string")),
    "integer": ("integer", _check_integer),
    "float": ("float", _check_float),
    "boolean": ("flag", lambda d: d if isinstance(d, bool) else _invalid("boolean data must be True or False")),
    "choice": ("id", lambda d: _require_name(d, "choice data (an option id)")),
    "json": ("json", lambda d: _json_copy(d, "json data")),
    "message": ("message", lambda d: _to_message(d, "message")),
    "messages": ("messages", _check_messages),
}

def create_value(data_type, data):
    if data_type not in _VALUE_TYPES:
        _invalid(f"unknown value type {data_type!r}; expected one of {', '.join(_VALUE_TYPES)}")
    field, check = _VALUE_TYPES[data_type]
    return {"type": data_type, field: check(data)}

def _check_value(value, what):
    if not isinstance(value, dict):
        _invalid(f"{what} must be a value object like {{'type': 'text', 'text': '…'}}")
    if value.get("type") not in _VALUE_TYPES:
        _invalid(f"unknown value type {value.get('type')!r}; expected one of {', '.join(_VALUE_TYPES)}")
    field = _VALUE_TYPES[value["type"]][0]
    if field not in value:
        _invalid(f"{what} of type {value['type']} needs the field {field}")
    return create_value(value["type"], value[field])

def current_time_utc_iso():
    return _datetime.now(_timezone.utc).isoformat()

def create_message(role, text=None, attribute_id=None):
    if text is not None and not isinstance(text, str):
        _invalid("message text must be a string")
    attributes = {"created_at": current_time_utc_iso()}
    if attribute_id is not None:
        attributes["id"] = _require_name(attribute_id, "attribute_id")
    return create_value("message", {"role": role, "content": [] if text is None else [{"type": "text", "text": text}], "attributes": attributes})

class _Run:
    """The state of one run: what it read, wrote and logged."""

    def __init__(self, state):
        self.inputs = state["inputs"]
        self.session_objects = state["sessionObjects"]
        self.metadata = state["metadata"]
        self.log_limits = state["logLimits"]
        self.outputs = {}
        self.session_writes = {}
        self.logs = []
        self.dropped_log_lines = 0
        self.result = None

    def log(self, prefix, args, sep=" "):
        if len(self.logs) >= self.log_limits["lines"]:
            self.dropped_log_lines += 1
            return
        line = prefix + sep.join(a if isinstance(a, str) else _format(a) for a in args)
        limit = self.log_limits["lineChars"]
        self.logs.append(line[:limit] + "…" if len(line) > limit else line)

    def final_logs(self):
        if self.dropped_log_lines:
            self.logs.append(f"[{self.dropped_log_lines} more log lines dropped]")
            self.dropped_log_lines = 0
        return self.logs

    def session_object(self, alias):
        _require_name(alias, "alias")
        if alias in self.session_writes:
            return _json_copy(self.session_writes[alias], "session object")
        return _json_copy(self.session_objects[alias], "session object") if alias in self.session_objects else None

    def set_session_object(self, alias, value):
        _require_name(alias, "alias")
        if value is None:
            _invalid(f"session object {alias!r} needs a JSON value")
        self.session_writes[alias] = _json_copy(value, f"session object {alias!r}")

def _format(value):
    try:
        return str(value)
    except Exception:
        return object.__repr__(value)

def _restricted_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level != 0 or name.partition(".")[0] not in ALLOWED_MODULES:
        raise ImportError(f"module {name!r} is not available in the sandbox (allowed: {', '.join(sorted(ALLOWED_MODULES))})", name=name)
    return __import__(name, globals, locals, fromlist, 0)

def _builtins_for(run):
    b = {name: getattr(_builtins, name) for name in _BUILTIN_NAMES + _EXCEPTIONS}
    b.update(__build_class__=_builtins.__build_class__, __name__="__main__", __import__=_restricted_import)
    b["print"] = lambda *args, sep=" ", end="\n", file=None, flush=False: run.log("", args, sep)
    b["breakpoint"] = lambda *args, **kwargs: None
    return b

def _api_for(run):
    """The globals BlobHub binds for user code (HELPER_NAMES, TYPING_NAMES, the modules), for one run."""

    def get_data_input(route):
        _require_name(route, "route")
        return _json_copy(run.inputs[route], "input") if route in run.inputs else None

    def set_data_output(route, value, persist=False):
        _require_name(route, "route")
        run.outputs[route] = {"value": _check_value(value, f"output {route!r}"), "persist": _require_flag(persist, "persist")}

    def set_result(route, terminal=False):
        run.result = {"route": _require_name(route, "route"), "terminal": _require_flag(terminal, "terminal")}

    def exit():
        raise Exit()

    def post_event(*args):
        run.log("", args)

    def post_warning_event(*args):
        run.log("[warn] ", args)

    def post_error_event(*args):
        run.log("[error] ", args)

    def list_session_objects():
        return sorted(set(run.session_objects) | set(run.session_writes))

    api = {name: __import__(name) for name in ALLOWED_MODULES}
    api.update(
        data_inputs=[{"route": route, "value": _json_copy(value, "input")} for route, value in run.inputs.items()],
        get_data_input=get_data_input,
        get_input_value=get_data_input,
        set_data_output=set_data_output,
        set_output_value=set_data_output,
        set_result=set_result,
        exit=exit,
        Exit=Exit,
        create_value=create_value,
        create_message=create_message,
        current_time_utc_iso=current_time_utc_iso,
        post_output_event=post_event,
        post_event=post_event,
        post_warning_event=post_warning_event,
        post_error_event=post_error_event,
        get_session_object=run.session_object,
        download_session_object=run.session_object,
        set_session_object=run.set_session_object,
        upload_session_object=run.set_session_object,
        list_session_objects=list_session_objects,
        Union=_typing.Union,
        Literal=_typing.Literal,
    )
    api.update({e.__name__: e for e in _DOMAIN_EXCEPTIONS})
    # the run's metadata objects (copies: the code may change them without effect)
    api.update({name: _json_copy(run.metadata.get(name, {}), name) for name in ("blob", "session", "definition", "execution", "attributes")})
    return api

def _user_line(error):
    frames = [f for f in _traceback.extract_tb(error.__traceback__) if f.filename == "${PYTHON_FILENAME}"]
    if isinstance(error, SyntaxError) and error.filename == "${PYTHON_FILENAME}":
        return error.lineno
    return frames[-1].lineno if frames else None

def _failure(error, run):
    if isinstance(error, KeyboardInterrupt):
        kind, message = "timeout", "the code ran past its time limit"
    elif isinstance(error, (MemoryError, RecursionError)):
        kind, message = "memory", f"the code ran out of memory ({type(error).__name__}: {error})"
    else:
        kind = "invalid_value" if isinstance(error, InvalidValueError) else "exception"
        detail = error.msg if isinstance(error, SyntaxError) else error
        message = f"{type(error).__name__}: {detail}"
    line = _user_line(error) if kind in ("exception", "invalid_value") else None
    failure = {"ok": False, "kind": kind, "message": f"{message} (line {line})" if line else message, "logs": run.final_logs() if run else []}
    if line:
        failure["line"] = line
    return failure

def check_syntax(code):
    """Compiles without running: None, or the syntax error's message and line."""
    try:
        compile(code, "${PYTHON_FILENAME}", "exec", dont_inherit=True)
        return None
    except (SyntaxError, ValueError) as e:
        return _dumps({"message": f"{type(e).__name__}: {getattr(e, 'msg', str(e))}", "line": getattr(e, "lineno", None)})

def run(code, state_json):
    user_run = None
    try:
        user_run = _Run(_loads(state_json))
        compiled = compile(code, "${PYTHON_FILENAME}", "exec", dont_inherit=True)
        user_globals = _api_for(user_run)
        user_globals["__builtins__"] = _builtins_for(user_run)
        user_globals["__name__"] = "__main__"
        try:
            exec(compiled, user_globals)
        except Exit:
            pass
        collected = {"outputs": user_run.outputs, "result": user_run.result, "sessionWrites": user_run.session_writes, "logs": user_run.final_logs()}
        return _dumps({"ok": True, "resultJson": _dumps(collected, allow_nan=False)})
    except BaseException as e:
        return _dumps(_failure(e, user_run))
`;
