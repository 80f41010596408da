"""Find assignments into a route document outside app/services/route_document.py (used by
tests/test_route_document.py): an AST check over app/, by where a value comes from.

A name holds (part of) a route document when it is called ``fc`` (the project's name for one), a parameter or variable annotated with one of the types of
app.schemas.route_document, is assigned from a call of a function annotated to return one (anywhere in app/),
from one of the schema's readers (route_line, stop_features), or from a subscript or loop over such a name.
Writing into one is: a subscript assignment, augmented assignment or ``del`` on it, or calling a mutating
method (update, setdefault, pop, append, ...) of it or of a subscript of it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from app.schemas import route_document as schema

# Every type the schema module defines: the document and its parts.
DOC_TYPES = {
    name
    for name, value in vars(schema).items()
    if isinstance(value, type) and value.__module__ == schema.__name__
}
READERS = {"route_line", "stop_features"}
MUTATORS = {"update", "setdefault", "pop", "popitem", "append", "extend", "insert", "remove", "clear", "sort"}
OWNER = Path("app/services/route_document.py")
# The project's name for a route FeatureCollection: held to be one even where it is not annotated.
CONVENTIONAL = {"fc", "route_fc"}


def _mentions_doc_type(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    text = ast.unparse(annotation)
    return any(t in text.replace(".", " ").replace("[", " ").replace("]", " ").split() for t in DOC_TYPES)


def doc_returning_functions(root: Path) -> set[str]:
    """Names of the functions in ``root`` annotated to return a route document (or part of one)."""
    names = set(READERS)
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _mentions_doc_type(node.returns):
                names.add(node.name)
    return names


def _root(expr: ast.expr) -> ast.expr:
    while isinstance(expr, ast.Subscript | ast.Attribute | ast.Starred):
        expr = expr.value
    return expr


def _called_name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


class _Function(ast.NodeVisitor):
    """Taint within one function body (the names holding document parts), then its writes into them."""

    def __init__(self, producers: set[str], tainted: set[str]) -> None:
        self.producers = producers
        self.tainted = set(tainted) | CONVENTIONAL
        self.writes: list[tuple[int, str]] = []

    def holds_doc(self, expr: ast.expr | None) -> bool:
        """Whether the value of ``expr`` is (a part of) a route document: the name itself, a subscript, a
        ``.get``, an ``or``/``if`` choosing one, a producer's call, or items taken from one (a new list or
        dict display is a fresh object, not the document)."""
        match expr:
            case None:
                return False
            case ast.Name(id=name):
                return name in self.tainted
            case ast.Subscript(value=value) | ast.Starred(value=value):
                return self.holds_doc(value)
            case ast.BoolOp(values=values):
                return any(self.holds_doc(v) for v in values)
            case ast.IfExp(body=body, orelse=orelse):
                return self.holds_doc(body) or self.holds_doc(orelse)
            case ast.ListComp(generators=gens) | ast.GeneratorExp(generators=gens):
                return any(self.holds_doc(g.iter) for g in gens)
            case ast.Call(func=ast.Attribute(attr="get", value=value)):
                return self.holds_doc(value)
            case ast.Call(func=ast.Attribute(attr="copy" | "deepcopy"), args=[arg]):  # jsontext.copy(fc), ...
                return self.holds_doc(arg)
            case ast.Dict(keys=keys, values=values):  # {**fc, "id": ...}: a copy of the document
                return any(k is None and self.holds_doc(v) for k, v in zip(keys, values, strict=True))
            case ast.Call(func=ast.Name(id="next" | "list" | "reversed" | "sorted" | "enumerate"), args=args):
                return any(self.holds_doc(a) for a in args)
            case ast.Call() as call:
                return _called_name(call) in self.producers
        return False

    def _bind(self, target: ast.expr) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                self.tainted.add(node.id)

    def _check_write(self, target: ast.expr, node: ast.stmt) -> None:
        if isinstance(target, ast.Subscript) and self.holds_doc(_root(target)):
            self.writes.append((node.lineno, ast.unparse(node).splitlines()[0]))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_write(target, node)
        if self.holds_doc(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name | ast.Tuple):
                    self._bind(target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_write(node.target, node)
        fresh = isinstance(node.value, ast.List | ast.Dict | ast.Constant) and not self.holds_doc(node.value)
        if (_mentions_doc_type(node.annotation) and not fresh) or self.holds_doc(node.value):
            self._bind(node.target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_write(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_write(target, node)

    def visit_For(self, node: ast.For) -> None:
        if self.holds_doc(node.iter):
            self._bind(node.target)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        if self.holds_doc(node.value):
            self._bind(node.target)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if self.holds_doc(node.iter):
            self._bind(node.target)
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in MUTATORS
            and self.holds_doc(_root(call.func.value))
        ):
            self.writes.append((node.lineno, ast.unparse(node).splitlines()[0]))
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncFunctionDef = visit_FunctionDef


def writes_in_source(source: str, producers: set[str]) -> list[tuple[int, str]]:
    """(line, statement) of each write into a route document in one module's source."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        tainted = {a.arg for a in args if _mentions_doc_type(a.annotation)}
        visitor = _Function(producers, tainted)
        # twice: a name bound later in the body (a loop) may be written earlier in it
        for _ in range(2):
            visitor.writes = []
            visitor.visit(node)
        found += visitor.writes
    return sorted(set(found))


def writes_outside_owner(project: Path) -> Iterator[str]:
    app = project / "app"
    producers = doc_returning_functions(app)
    for path in sorted(app.rglob("*.py")):
        rel = path.relative_to(project)
        if rel == OWNER or "migrations" in rel.parts:
            continue
        for line, stmt in writes_in_source(path.read_text(encoding="utf-8"), producers):
            yield f"{rel}:{line}: {stmt}"
