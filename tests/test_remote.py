"""The values that cross between the grader and a student's kernel (rnnlab.remote), and the pieces of
the judge that need no kernel (rnnlab.judge). Judging against real kernels is in test_grading.py,
test_red_team.py and test_typical_mistakes.py."""

import json

import nbformat
import numpy as np
import pytest

from rnnlab import remote
from rnnlab.checks import CheckFailed
from rnnlab.judge import Judge, SourceNotebook, StudentError, free_names, segments


class Proxy:
    def __init__(self, number, type_name, mro, class_name):
        self.number, self.type_name, self.mro, self.class_name = number, type_name, mro, class_name


def codec():
    return remote.Codec(Proxy, lambda value: value.number if isinstance(value, Proxy) else None)


def travel(value, sender=None, receiver=None):
    """``value`` encoded by one side, sent as JSON text, and decoded by the other."""
    return (receiver or codec()).decode(json.loads(json.dumps((sender or codec()).encode(value))))


@pytest.mark.parametrize("value", [
    None, True, 0, -7, 2**80, 0.1, -0.0, float("inf"), 1 + 2j, "a<t>\n", [1, [2, "x"]], (1, (2,)),
    {"a": 1, 2: [3], (4, 5): None}, {1, 2}, frozenset({"a"}), np.float32(1.5), np.int64(-3), np.bool_(True),
    np.arange(6, dtype=np.int16).reshape(2, 3), np.zeros((0, 4)), np.array(["ab", "c"]), np.array([1 + 1j]),
])
def test_data_keeps_its_type_and_value(value):
    back = travel(value)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
    else:
        assert back == value or (isinstance(value, float) and np.isnan(value) and np.isnan(back))


def test_nan_and_an_array_view_travel():
    assert np.isnan(travel(float("nan")))
    view = np.arange(12.0).reshape(3, 4)[:, ::2]
    assert np.array_equal(travel(view), view)


def test_other_objects_stay_home_and_come_back_as_themselves():
    home, away = codec(), codec()

    def step(x):
        return x

    proxy = travel(step, home, away)
    assert isinstance(proxy, Proxy) and proxy.type_name == "function" and "builtins.object" in proxy.mro
    assert travel(ValueError, home, away).class_name == "builtins.ValueError"
    assert home.decode({"$yours": proxy.number}) is step
    home.forget()
    with pytest.raises(remote.CodecError):
        home.decode({"$yours": proxy.number})


@pytest.mark.parametrize("tree", [
    {"$array": "AAAA", "dtype": "|O", "shape": [1]},                   # objects from raw bytes
    {"$array": "AAAAAAAAAAA=", "dtype": "<f8", "shape": [2]},          # 8 bytes for two floats
    {"$array": "AA==", "dtype": "<f8", "shape": [-1]},
    {"$text_array": [1, 2], "dtype": "|O", "shape": [2]},
    {"$scalar": "|O", "value": 1},
    {"$generator": {"$dict": [["bit_generator", "Evil"]]}},
    {"$unknown": 1}, {}, {"$yours": 12345}, {"$ref": "0"},
])
def test_a_forged_tree_is_refused(tree):
    with pytest.raises((remote.CodecError, ValueError, TypeError, KeyError)):
        codec().decode(tree)


def test_a_call_reports_result_exception_and_changes_to_its_arguments():
    side = codec()

    def clip(gradients, limit):
        gradients["dW"] *= 0  # changes its input in place
        return gradients, gradients["dW"]

    args = side.encode([{"dW": np.ones(3)}, 5])
    reply = remote.call(clip, args, side.encode({}), side)
    caller_args = ({"dW": np.ones(3)}, 5)
    remote.update_in_place(list(caller_args), side.decode(reply["after"][0]))
    assert np.array_equal(caller_args[0]["dW"], np.zeros(3))
    result = side.decode(reply["result"], (caller_args, {}))
    assert result[0] is caller_args[0] and result[1] is caller_args[0]["dW"]  # the caller's own objects

    reply = remote.call(lambda: 1 / 0, side.encode([]), side.encode({}), side)
    assert reply["raised"] == {"type": "ZeroDivisionError", "message": "division by zero", "builtin": True}
    assert "after" not in reply


def test_a_random_generator_travels_as_its_state_and_keeps_its_draws():
    home, away = codec(), codec()
    here, reference = np.random.default_rng(3), np.random.default_rng(3)
    copy = away.decode(json.loads(json.dumps(home.encode(here))))
    drawn = [int(copy.integers(100)) for _ in range(5)]
    sent_back = json.loads(json.dumps(away.encode(copy)))
    assert "yours" in sent_back and home.decode(sent_back) is here
    assert drawn == [int(reference.integers(100)) for _ in range(5)]
    assert int(here.integers(100)) == int(reference.integers(100))  # here went on from where the copy stopped


def test_update_in_place_keeps_identities():
    array, inner = np.zeros(2), [1]
    old = {"a": array, "b": inner, "gone": 1}
    remote.update_in_place(old, {"a": np.ones(2), "b": [2, 3], "new": 4})
    assert old["a"] is array and np.array_equal(array, np.ones(2)) and old["b"] is inner and inner == [2, 3]
    assert set(old) == {"a", "b", "new"}


SOURCE = """### BEGIN HIDDEN TESTS
hidden_one = 1
### END HIDDEN TESTS
visible = 2
### BEGIN HIDDEN TESTS
hidden_two = 3
### END HIDDEN TESTS"""


def test_a_test_cell_splits_into_visible_and_hidden_parts():
    assert segments("check(f(1))\n" + SOURCE) == [
        (False, "check(f(1))"), (True, "hidden_one = 1"), (False, "visible = 2"), (True, "hidden_two = 3")]


def test_free_names_leave_out_what_the_code_binds():
    code = "import numpy as np\ndef g(x):\n    return np.tanh(x) + h\nfor k in range(3):\n    y = g(k) + f(k)\n" \
           "try:\n    pass\nexcept ValueError as error:\n    print(error)"
    assert free_names(code) == {"h", "f"}


def notebook():
    cells = [nbformat.v4.new_code_cell("import numpy as np\nfrom rnnlab.checks import check_array\n"
                                       "keras = import_keras()\ndef softmax(z):\n    return np.exp(z) / np.exp(z).sum()"),
             nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
             nbformat.v4.new_code_cell("check_array('f(x)', f(np.ones(2)), 2 * np.ones(2))\n### BEGIN HIDDEN TESTS\n"
                                       "check_array('f(x)', f(np.ones(3)), softmax(np.zeros(3)) * 6)\n"
                                       "### END HIDDEN TESTS")]
    cells[1].metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "f"}
    cells[2].metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": "test_f", "points": 1}
    return nbformat.v4.new_notebook(cells=cells)


def test_the_source_notebook_says_where_each_name_comes_from():
    source = SourceNotebook(notebook())
    assert set(source.imports) == {"np", "check_array"} and set(source.definitions) == {"softmax"}
    assert {"f", "keras"} <= source.kernel_names and list(source.tests) == ["test_f"]


class FakeKernel:
    """Answers the judge's requests as ``rnnlab.remote.serve`` would, in this process, for a
    notebook namespace ``namespace`` (no sandbox: for the judge's own logic only)."""

    def __init__(self, namespace):
        self.namespace, self.codec = namespace, remote.Codec(lambda *handle: None, lambda v: None)

    def __call__(self, text, callback):
        request = json.loads(text)
        function = request["function"]
        if "builtin" in function:
            function = {**remote.BUILTINS, "globals": lambda names: {n: self.namespace[n] for n in names
                                                                      if n in self.namespace}}[function["builtin"]]
        else:
            function = self.codec.decode(function)
        return json.dumps(remote.call(function, request["args"], request["kwargs"], self.codec)), ""


def test_the_judge_decides_with_its_own_helpers_and_hidden_inputs():
    right = Judge(notebook(), FakeKernel({"f": lambda x: 2 * x}), grading_seed=5).run("test_f")
    assert right.error is None and right.visible_passed
    # a kernel whose f is right on the visible input only, and whose check_array passes everything
    sly = {"f": lambda x: 2 * x if x.shape == (2,) else x, "check_array": lambda *args, **kwargs: None}
    wrong = Judge(notebook(), FakeKernel(sly), grading_seed=5).run("test_f")
    assert wrong.visible_passed and wrong.error[0] == "CheckFailed" and "f(x)" in wrong.error[1]
    missing = Judge(notebook(), FakeKernel({}), grading_seed=5).run("test_f")
    assert not missing.visible_passed and missing.error[0] == "NameError"


def test_exceptions_of_the_kernel_are_raised_by_the_judge():
    def boom(x):
        raise KeyError("Wax")

    class Weird(Exception):
        pass

    def weird(x):
        raise Weird("odd")

    assert Judge(notebook(), FakeKernel({"f": boom})).run("test_f").error[0] == "KeyError"
    error = Judge(notebook(), FakeKernel({"f": weird})).run("test_f").error
    assert error[0] == StudentError.__name__ and "Weird: odd" in error[1]
    assert issubclass(CheckFailed, AssertionError)
