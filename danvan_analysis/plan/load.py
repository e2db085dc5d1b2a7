"""Reading a plan file: YAML with line numbers, every problem listed at once.

PyYAML composes the file into nodes that keep their line; :func:`line_map` turns them into ``path → line`` so that
each pydantic error (whose ``loc`` is a path such as ``("targets", 3, "threshold")``) and each whole-file check can
name the line a person must fix. YAML was chosen over TOML because a plan is nested lists of bilingual texts, which
TOML writes as tables of tables, and because PyYAML (already required by papermill) keeps line marks; the stdlib
``tomllib`` does not.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from danvan_analysis.errors import InputFileError, ParameterError, PlanError
from danvan_analysis.plan.model import PlanFile
from danvan_analysis.units import PROVINCE_CODE, Register, register

Path_ = tuple[object, ...]
#: Unit words an assignment may use instead of codes.
UNIT_GROUPS = ("all_agencies", "all_districts", "all_communes")


def read_plan_file(path: str | Path) -> tuple[PlanFile, str]:
    """Read and check a plan file; return the model and the file's text. Raise :class:`PlanError` listing all problems."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InputFileError(f"Cannot read the plan file {path}: {err}. Hint: a plan file is UTF-8 YAML.") from err
    return parse_plan_text(text, source=str(path)), text


def parse_plan_text(text: str, *, source: str = "<plan>") -> PlanFile:
    """Check a plan given as YAML text (see :func:`read_plan_file`)."""
    try:
        root, data = _parse_yaml(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = {"file": source, "line": line, "field": "", "value": "", "expected": f"valid YAML ({err})"}
        raise PlanError(_message(source, [problem]), [problem]) from err
    if not isinstance(data, dict):
        problem = {"file": source, "line": 1, "field": "", "value": type(data).__name__, "expected": "a mapping"}
        raise PlanError(_message(source, [problem]), [problem])
    lines = line_map(root)
    problems = [dict(p, file=source) for p in _duplicate_keys(root)]
    try:
        model = PlanFile.model_validate(data)
    except ValidationError as err:
        problems += _distinct([_from_pydantic(e, data, lines, source) for e in err.errors()])
        raise PlanError(_message(source, problems), problems) from err
    problems += [_locate(p, lines, source) for p in whole_file_problems(model)]
    if problems:
        raise PlanError(_message(source, problems), problems)
    return model


def _parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The composed document (its nodes keep their lines) and its data, from one parse.

    With libyaml (PyYAML's C parser, ``CSafeLoader``) the parse takes a tenth of the time; a file it refuses is parsed
    again by the pure-Python parser, whose error (the message the user sees) it then raises, as before.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        with contextlib.suppress(yaml.YAMLError):
            return _compose_and_construct(fast, text)
    return _compose_and_construct(yaml.SafeLoader, text)


def _compose_and_construct(loader_class: type, text: str) -> tuple[yaml.Node | None, Any]:
    """``yaml.compose`` and ``yaml.safe_load`` of ``text`` from one parse (``safe_load`` constructs the same node)."""
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        return root, None if root is None else loader.construct_document(root)
    finally:
        loader.dispose()


def line_map(node: yaml.Node | None, path: Path_ = ()) -> dict[Path_, int]:
    """Return the (1-based) line of every key and item of a composed YAML document, by path."""
    lines: dict[Path_, int] = {}
    if node is None:
        return lines
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + 1
            lines.update({p: n for p, n in line_map(value, (*path, key.value)).items() if p != (*path, key.value)})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(line_map(item, (*path, index)))
    return lines


def _duplicate_keys(node: yaml.Node | None, path: Path_ = ()) -> Iterable[dict[str, object]]:
    """YAML keeps the last of two equal keys silently; a plan must not."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                yield {
                    "line": key.start_mark.line + 1,
                    "field": _dotted((*path, key.value)),
                    "value": key.value,
                    "expected": "each key once (a repeated key would silently replace the first)",
                }
            seen.add(key.value)
            yield from _duplicate_keys(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*path, index))


def _distinct(problems: list[dict[str, object]]) -> list[dict[str, object]]:
    """Drop the echoes: a problem on a list whose items already failed, and one shorthand field seen per scope."""
    fields = [str(p["field"]) for p in problems]
    out, seen = [], set()
    for p in problems:
        field = str(p["field"])
        if any(f != field and (f.startswith(field + ".") or f.startswith(field + "[")) for f in fields):
            continue
        key = (p["line"], p["value"] if isinstance(p["value"], str | int | float) else "", p["expected"])
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _nearest_line(path: Path_, lines: dict[Path_, int]) -> int | None:
    # A check expanded from a target's shorthand has no line of its own: drop ("checks", i) and look again.
    candidates = [path]
    if "checks" in path:
        i = path.index("checks")
        candidates.append(path[:i] + path[i + 2 :])
    # The longest known prefix of any candidate: the shorthand's own field beats the target holding it.
    best = max((c[:end] for c in candidates for end in range(len(c) + 1) if c[:end] in lines), key=len, default=None)
    return None if best is None else lines[best]


def _value_at(data: Any, path: Path_) -> object:
    if "checks" in path:  # a check expanded from the target's shorthand: its fields sit on the target
        i = path.index("checks")
        shorthand = _value_at(data, path[:i] + path[i + 2 :])
        if shorthand != "":
            return shorthand
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return ""
    return data if not isinstance(data, dict | list) else ""


def _from_pydantic(error: dict[str, Any], data: Any, lines: dict[Path_, int], source: str) -> dict[str, object]:
    path = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "no such field here (see docs/plan_file.md for the fields)"
    elif error["type"] == "missing":
        message = "this field is required"
    return {
        "file": source,
        "line": _nearest_line(path, lines),
        "field": _dotted(path),
        "value": _value_at(data, path),
        "expected": message,
    }


def _locate(problem: dict[str, object], lines: dict[Path_, int], source: str) -> dict[str, object]:
    path = problem.pop("path")  # type: ignore[arg-type]
    return {"file": source, "line": _nearest_line(path, lines), "field": _dotted(path), **problem}  # type: ignore[arg-type]


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(source: str, problems: list[dict[str, object]]) -> str:
    lines = [f"The plan file {source} has {len(problems)} problem(s):"]
    for p in problems:
        where = f"line {p['line']}" if p.get("line") else "the file"
        field = f" ({p['field']})" if p.get("field") else ""
        value = f": found {p['value']!r}" if p.get("value") not in ("", None) else ""
        lines.append(f"  - {where}{field}{value}; expected {p['expected']}")
    lines.append("Hint: `danvan plan check FILE` lists these problems; docs/plan_file.md describes every field.")
    return "\n".join(lines)


# -- checks that need the whole file ------------------------------------------------------------------------------
def whole_file_problems(model: PlanFile) -> list[dict[str, object]]:
    """Return the problems no single field shows: references, unique codes, measures the toolkit computes."""
    problems: list[dict[str, object]] = []
    units = _plan_register(model)
    if units is None:
        problems.append(
            _problem(
                ("plan", "province_code"),
                model.plan.province_code,
                f"a GSO province code on the map of {model.plan.year} (`danvan units --year {model.plan.year}`)",
            )
        )
    elif units.two_level and "district" in model.plan.levels:
        problems.append(
            _problem(
                ("plan", "levels"),
                list(model.plan.levels),
                f"[province, commune]: local government has no district level in {model.plan.year} (from 01/07/2025)",
            )
        )
    areas = [a.code for a in model.task_areas]
    problems += _repeats(areas, ("task_areas",), "code", "each task area code once")
    problems += _repeats([t.code for t in model.targets], ("targets",), "code", "each target code once")
    problems += _assignment_problems(model, set(areas))
    for i, target in enumerate(model.targets):
        if target.task_area is not None and target.task_area not in areas:
            problems.append(
                _problem(("targets", i, "task_area"), target.task_area, f"a task area of the file ({_list(areas)})")
            )
    return problems


def _plan_register(model: PlanFile) -> Register | None:
    """The register of the plan's province on the map of its year; ``None`` for a province not on that map.

    A year before the earliest shipped map keeps the 2023 register (the plan's own year decides nothing else).
    """
    from danvan_analysis.registers import map_for, register_for

    try:
        map_for(model.plan.year)
    except ParameterError:
        return register() if model.plan.province_code == PROVINCE_CODE else None
    try:
        return register_for(model.plan.year, province=model.plan.province_code)
    except ParameterError:
        return None


def _assignment_problems(model: PlanFile, areas: set[int]) -> list[dict[str, object]]:
    units = _plan_register(model) or register()
    groups = {"all_agencies", "all_communes"} if not units.district_codes else {"all_agencies", "all_districts"}
    known = {u.code for u in units.units("agency")} | set(units.district_codes) | groups
    problems = []
    for i, assignment in enumerate(model.agencies):
        for j, code in enumerate(assignment.units):
            if code not in known:
                problems.append(
                    _problem(
                        ("agencies", i, "units", j),
                        code,
                        f"an agency or district code of the register (`danvan units`), {' or '.join(sorted(groups))}",
                    )
                )
        if not assignment.units and assignment.name is None:
            problems.append(_problem(("agencies", i), "", "units, or a name for a body outside the register"))
        for j, area in enumerate(assignment.task_areas):
            if area not in areas:
                problems.append(
                    _problem(("agencies", i, "task_areas", j), area, f"a task area ({_list(sorted(areas))})")
                )
    return problems


def _problem(path: Path_, value: object, expected: str) -> dict[str, object]:
    return {"path": path, "value": value, "expected": expected}


def _repeats(codes: list[Any], where: Path_, field: str, expected: str) -> list[dict[str, object]]:
    seen: set[Any] = set()
    problems = []
    for i, code in enumerate(codes):
        if code in seen:
            problems.append(_problem((*where, i, field), code, expected))
        seen.add(code)
    return problems


def _list(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)
