"""Values that cross between the grader and a student's kernel, and the kernel's side of the talk.

When a notebook is graded, its tests are judged in the grader's own process (``rnnlab.judge``):
a student's function is called *in the kernel*, on inputs the grader chose, and only its
**result** comes back. Both sides turn values into JSON trees and back with ``Codec``:

- data is copied: ``None``, bools, numbers, strings, numpy scalars and arrays (numbers, bools,
  text), and lists, tuples, dicts, sets of data;
- any other object stays where it lives and is sent as a handle (``{"$obj": id}``); the other side
  gets a proxy that sends its calls back (``{"$yours": id}`` names the receiver's own object);
- a value that is (part of) an argument of the call comes back as ``{"$ref": path}``, so the
  caller sees its own object again (``result is argument`` still holds);
- a numpy random generator travels as its state, and its new state comes back (no call back per draw).

Nothing here trusts a tree it receives: it builds only the types above, checks every array's
dtype and size, and never unpickles. The kernel gets requests through ``serve`` (run by the
grader with an execute request, or by a comm message once ``listen`` has run) and calls the
grader back with ``input()`` (stdin, execute requests only), for the grader's objects given as
arguments (a stand-in ``step`` function, a ``CountingGenerator``).
"""

import base64
import builtins
import json
import sys

import numpy as np

MIME = "application/x-rnnlab-remote+json"
COMM_TARGET = "rnnlab-remote"
CALLBACK_PROMPT = "\x1ernnlab-remote:"
DATA_KINDS = "biufc"  # array dtypes sent as raw bytes: bools, integers, floats, complex
TEXT_KINDS = "US"     # sent as nested lists
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class CodecError(ValueError):
    """A tree that is not a value this module makes."""


class Codec:
    """Encode values to JSON trees and back, for one side of the talk.

    ``proxy(id, type_name, mro, class_name)`` makes the local stand-in of the other side's object
    ``id`` (``mro``: the full names of its type and their bases; ``class_name``: its own full name
    when it is a class);
    ``proxy_id(value)`` gives the other side's id of such a stand-in (None for anything else).
    Objects of this side that are sent as handles are kept in ``self.objects``.
    """

    def __init__(self, proxy, proxy_id):
        self.proxy, self.proxy_id = proxy, proxy_id
        self.objects, self._ids, self._proxies, self._mirrors = {}, {}, {}, {}

    def export(self, value):
        """The id of this side's ``value`` as a handle (the same object keeps its id)."""
        key = id(value)
        if key not in self._ids:
            self._counter = getattr(self, "_counter", 0) + 1
            self._ids[key] = self._counter
            self.objects[self._ids[key]] = value
        return self._ids[key]

    def forget(self, keep=()):
        """Drop this side's exported objects (their handles stop working), but those whose
        ``id()`` is in ``keep``."""
        for key in [k for k in self._ids if k not in keep]:
            del self.objects[self._ids.pop(key)]

    # --- encoding --------------------------------------------------------------------------
    def encode(self, value, refs=None, as_array=None):
        """A JSON tree for ``value``. ``refs`` maps ``id(object)`` to its path in the call's
        arguments; ``as_array(value)`` may turn an array-like object (a tensor) into an array."""
        refs = refs or {}
        if id(value) in refs and isinstance(value, (list, dict, set, np.ndarray)):
            return {"$ref": refs[id(value)]}
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int) and type(value) in (int, bool):
            return value
        if type(value) is float:
            return {"$float": repr(value)} if not np.isfinite(value) else value
        if type(value) is complex:
            return {"$complex": [repr(value.real), repr(value.imag)]}
        if isinstance(value, np.generic) and value.dtype.kind in DATA_KINDS + TEXT_KINDS:
            return {"$scalar": value.dtype.str, "value": self.encode(value.item())}
        if isinstance(value, np.ndarray) and value.dtype.fields is None:
            return self._encode_array(value)
        if type(value) in (list, tuple):
            items = [self.encode(item, refs, as_array) for item in value]
            return items if type(value) is list else {"$tuple": items}
        if type(value) in (set, frozenset):
            return {"$set": [self.encode(item, refs, as_array) for item in value], "frozen": type(value) is frozenset}
        if type(value) is dict:
            return {"$dict": [[self.encode(k, refs, as_array), self.encode(v, refs, as_array)] for k, v in value.items()]}
        if isinstance(value, np.random.Generator):
            return self._encode_generator(value)
        other = self.proxy_id(value)
        if other is not None:
            return {"$yours": other}
        if as_array is not None:
            array = as_array(value)
            if array is not None:
                return self._encode_array(array)
        return {"$obj": self.export(value), "type": type(value).__name__, "mro": [_qualified(t) for t in type(value).__mro__],
                **({"class": _qualified(value)} if isinstance(value, type) else {})}

    def _encode_generator(self, generator):
        """A random generator travels as its state: the receiver draws from a copy, and its new state
        comes back with the call's changes (``update_in_place``), so the draws are the ones this
        side's generator would give. A copy sent back names the original (``"yours"``)."""
        tree = {"$generator": self.encode(generator.bit_generator.state)}
        origin = self._mirrors.get(id(generator))
        if origin is not None and origin[0] is generator:
            tree["yours"] = origin[1]
        else:
            tree["id"] = self.export(generator)
        return tree

    def _encode_array(self, array):
        array = np.asarray(array)
        if array.dtype.kind in DATA_KINDS:
            data = np.ascontiguousarray(array)
            return {"$array": base64.b64encode(data.tobytes()).decode("ascii"), "dtype": data.dtype.str,
                    "shape": list(array.shape)}
        if array.dtype.kind in TEXT_KINDS:
            return {"$text_array": array.tolist(), "dtype": array.dtype.str, "shape": list(array.shape)}
        return {"$object_array": [self.encode(item) for item in array.ravel().tolist()], "shape": list(array.shape)}

    # --- decoding --------------------------------------------------------------------------
    def decode(self, tree, arguments=None):
        """The value of ``tree``; ``arguments`` is what ``{"$ref": path}`` paths start from."""
        if tree is None or isinstance(tree, (bool, int, float, str)):
            return tree
        if isinstance(tree, list):
            return [self.decode(item, arguments) for item in tree]
        if not isinstance(tree, dict) or len(tree) == 0:
            raise CodecError(f"not a value: {type(tree).__name__}")
        kind = next(iter(tree))
        if kind == "$float":
            return float(_text(tree["$float"]))
        if kind == "$complex":
            real, imag = tree["$complex"]
            return complex(float(_text(real)), float(_text(imag)))
        if kind == "$scalar":
            dtype = _dtype(tree["$scalar"], DATA_KINDS + TEXT_KINDS)
            return dtype.type(self.decode(tree["value"]))
        if kind == "$array":
            dtype = _dtype(tree["dtype"], DATA_KINDS)
            shape = _shape(tree["shape"])
            data = base64.b64decode(_text(tree["$array"]), validate=True)
            if len(data) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
                raise CodecError("an array whose data does not fit its shape")
            return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
        if kind == "$text_array":
            array = np.array(tree["$text_array"], dtype=_dtype(tree["dtype"], TEXT_KINDS))
            if array.shape != _shape(tree["shape"]):
                raise CodecError("a text array whose items do not fit its shape")
            return array
        if kind == "$object_array":
            items = [self.decode(item, arguments) for item in tree["$object_array"]]
            array = np.empty(len(items), dtype=object)
            array[:] = items
            return array.reshape(_shape(tree["shape"]))
        if kind == "$tuple":
            return tuple(self.decode(item, arguments) for item in tree["$tuple"])
        if kind == "$set":
            items = [self.decode(item, arguments) for item in tree["$set"]]
            return frozenset(items) if tree.get("frozen") else set(items)
        if kind == "$dict":
            return {self.decode(k, arguments): self.decode(v, arguments) for k, v in tree["$dict"]}
        if kind == "$obj":
            key = (int(tree["$obj"]), _text(tree.get("type", "object")))
            if key not in self._proxies:
                mro = frozenset(_text(name) for name in tree.get("mro", []))
                self._proxies[key] = self.proxy(*key, mro, _text(tree["class"]) if "class" in tree else None)
            return self._proxies[key]
        if kind == "$generator":
            state = self.decode(tree["$generator"])
            if not isinstance(state, dict) or state.get("bit_generator") not in BIT_GENERATORS:
                raise CodecError("not the state of a random generator")
            if "yours" in tree:  # one of ours, sent back: it takes the state the other side left it in
                generator = self.objects.get(int(tree["yours"]))
                if isinstance(generator, np.random.Generator):
                    generator.bit_generator.state = state
                    return generator
            generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
            generator.bit_generator.state = state
            if "id" in tree:
                self._mirrors[id(generator)] = (generator, int(tree["id"]))
            return generator
        if kind == "$yours":
            number = int(tree["$yours"])
            if number not in self.objects:
                raise CodecError("a handle to an object that is no longer there")
            return self.objects[number]
        if kind == "$ref":
            return follow(arguments, tree["$ref"])
        raise CodecError(f"unknown kind of value {kind[:40]!r}")


def _qualified(kind):
    """A class's full name, ``module.qualname``."""
    return f"{kind.__module__}.{kind.__qualname__}"


def _text(value):
    if not isinstance(value, str):
        raise CodecError("expected a string")
    return value


def _dtype(name, kinds):
    dtype = np.dtype(_text(name))
    if dtype.kind not in kinds or dtype.fields is not None or dtype.hasobject:
        raise CodecError(f"an array of dtype {dtype} is not accepted")
    return dtype


def _shape(shape):
    if not isinstance(shape, list) or len(shape) > 32 or not all(isinstance(n, int) and 0 <= n for n in shape):
        raise CodecError("not an array shape")
    return tuple(shape)


def paths(value, prefix=()):
    """``{id(object): path}`` for the mutable objects (lists, dicts, sets, arrays) in ``value``,
    an argument tuple; a path is the list of indices and keys that leads to the object."""
    found = {}
    if isinstance(value, (list, dict, set, np.ndarray)):
        found[id(value)] = list(prefix)
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found.update({k: v for k, v in paths(item, (*prefix, index)).items() if k not in found})
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, (str, int)):
                found.update({k: v for k, v in paths(item, (*prefix, key)).items() if k not in found})
    return found


def follow(value, path):
    """The part of ``value`` at ``path`` (from ``paths``)."""
    if not isinstance(path, list):
        raise CodecError("not a path")
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            raise CodecError("a path that leads nowhere") from None
    return value


def update_in_place(old, new):
    """Make ``old`` hold what ``new`` holds, keeping its identity where it can (arrays of the same
    shape, dicts, lists, sets): how a change made by the callee reaches the caller's objects."""
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray):
        if old.shape == new.shape and old.flags.writeable:
            np.copyto(old, new, casting="unsafe")
    elif type(old) is dict and type(new) is dict:
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            if key in old and _same_kind(old[key], value):
                update_in_place(old[key], value)
            else:
                old[key] = value
    elif type(old) is list and type(new) is list:
        for index, value in enumerate(new[:len(old)]):
            if _same_kind(old[index], value):
                update_in_place(old[index], value)
            else:
                old[index] = value
        del old[len(new):]
        old.extend(new[len(old):])
    elif isinstance(old, np.random.Generator) and isinstance(new, np.random.Generator):
        if old is not new and type(old.bit_generator) is type(new.bit_generator):
            old.bit_generator.state = new.bit_generator.state
    elif type(old) is set and type(new) is set:
        old.clear()
        old.update(new)
    elif type(old) is tuple and type(new) is tuple and len(old) == len(new):
        for before, after in zip(old, new):
            update_in_place(before, after)


def _same_kind(old, new):
    """Whether ``old`` can be made to hold ``new`` in place (else it is replaced)."""
    mutable = (dict, list, set, np.ndarray, np.random.Generator)
    return type(old) is type(new) and isinstance(old, mutable) and (not isinstance(old, np.ndarray)
                                                                     or old.shape == new.shape)


def call(function, args, kwargs, codec, as_array=None):
    """Call ``function`` with decoded ``args`` and ``kwargs`` trees; the reply tree holds the result
    (or the exception raised) and, when the call changed its arguments, their new values."""
    arguments = codec.decode({"$tuple": [args, kwargs]})
    before = json.dumps(codec.encode(list(arguments)), sort_keys=True)
    try:
        result = function(*arguments[0], **arguments[1])
    except BaseException as error:  # the callee's failure is the answer, whatever it is
        reply = {"raised": {"type": type(error).__name__, "message": str(error)[:4000],
                            "builtin": getattr(builtins, type(error).__name__, None) is type(error)}}
    else:
        reply = {"result": codec.encode(result, paths(arguments), as_array)}
    after = codec.encode(list(arguments))
    if json.dumps(after, sort_keys=True) != before:
        reply["after"] = after
    return reply


# ---------------------------------------------------------------------------------------------
# The kernel's side.

BUILTINS = {
    "getattr": getattr, "isinstance": isinstance, "len": len, "repr": lambda value: repr(value)[:4000],
    "getitem": lambda value, key: value[key], "list": list, "asarray": np.asarray,
    "import": lambda name: __import__(name, fromlist=["_"]),
    "globals": lambda names: {name: _user_namespace()[name] for name in names if name in _user_namespace()},
    "replace_globals": lambda names: __import__("rnnlab.checks", fromlist=["_"]).swap_globals(names),
    "repeat": lambda function, times, *args, **kwargs: [function(*args, **kwargs) for _ in range(int(times))],
}


def _user_namespace():
    """The namespace the notebook's cells run in."""
    from IPython import get_ipython

    shell = get_ipython()
    return shell.user_ns if shell is not None else vars(sys.modules["__main__"])


class GraderObject:
    """In the kernel: an object of the grader's, given as an argument. Calling it, or one of its
    public methods, asks the grader (through ``input()``) to make the call."""

    def __init__(self, number, type_name, mro=(), class_name=None):
        self._number, self._type_name = number, type_name

    def __call__(self, *args, **kwargs):
        return _callback(self._number, None, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: _callback(self._number, name, args, kwargs)

    def __repr__(self):
        return f"<{self._type_name} of the grader>"


def _tensor_array(value):
    """A tensor's values as an array (TensorFlow's eager tensors); None for other objects."""
    if type(value).__module__.split(".")[0] in ("tensorflow", "keras", "jax", "torch") and hasattr(value, "__array__"):
        try:
            return np.asarray(value)
        except Exception:  # a symbolic tensor has no values
            return None
    return None


KERNEL = Codec(GraderObject, lambda value: value._number if isinstance(value, GraderObject) else None)


def _callback(number, method, args, kwargs):
    request = {"handle": number, "method": method, "args": KERNEL.encode(list(args)), "kwargs": KERNEL.encode(kwargs)}
    reply = json.loads(input(CALLBACK_PROMPT + json.dumps(request)))
    arguments = (args, kwargs)
    if "after" in reply:
        update_in_place(list(args), KERNEL.decode(reply["after"][0]))
        update_in_place(kwargs, KERNEL.decode(reply["after"][1]))
    if "raised" in reply:
        raised = reply["raised"]
        if raised["type"] == "CheckFailed":
            from .checks import CheckFailed
            raise CheckFailed(raised["message"])
        kind = getattr(builtins, raised["type"], None) if raised.get("builtin") else None
        if isinstance(kind, type) and issubclass(kind, Exception):
            raise kind(raised["message"])
        raise RuntimeError(f"{raised['type']}: {raised['message']}")
    return KERNEL.decode(reply["result"], arguments)


def serve(request):
    """Run one request of the grader (a JSON text) and publish the reply as display data.

    ``{"op": "call", "function": F, "args": [...], "kwargs": {...}}``: ``F`` is a handle to an object of
    the kernel or ``{"builtin": name}`` (see ``BUILTINS``).
    """
    from IPython.display import publish_display_data

    try:
        request = json.loads(request)
        function = request["function"]
        function = BUILTINS[function["builtin"]] if "builtin" in function else KERNEL.decode(function)
        reply = call(function, request["args"], request["kwargs"], KERNEL, _tensor_array)
    except BaseException as error:  # a request the kernel cannot read: say so
        reply = {"raised": {"type": type(error).__name__, "message": str(error)[:4000], "builtin": False}}
    publish_display_data({MIME: json.dumps(reply)})


def listen():
    """Take the grader's requests as comm messages too (``COMM_TARGET``): for those that make no call
    back, which need the ``input()`` of an execute request."""
    from comm import get_comm_manager

    def opened(comm, message):
        comm.on_msg(lambda message: serve(message["content"]["data"]["request"]))

    get_comm_manager().register_target(COMM_TARGET, opened)
