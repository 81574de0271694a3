"""Term-by-term leak check of the backward pass: no learner text gives a term of dx or a staged local derivative.

The stubs teach the forward graph and the two chain-rule rules; the learner derives the gradient. Whole-formula
checks (grader/authoring/leakcheck.py) miss the answer handed over in pieces: a hint naming "the - mean(dxhat) term", a
check message with "xhat * mean(dxhat * xhat)", a docstring with "d var / d xmu = 2 * xmu / D". Here every
learner-visible text is normalised (whitespace, operator spellings, module prefixes, method calls, keyword
arguments, variable names mapped to one spelling: mean/mu, N/H/D, dy/g/grad_out/dout, weight/gamma, x - mu/xc/xmu,
1 / sqrt(var + eps)/rstd, ...) and searched for two kinds of needles, each in every spelling generated from it
(products in any order, a mean as a sum over D):

- ``dx-term``: each additive term of dx, extracted from the three references (solutions/layer_norm.py's
  ``dx = ...``, solutions/layer_norm_torch.py's formula comment, solutions/layer_norm_triton.py's kernel with its
  row statistics c1 and c2 spelled out) and the reductions inside them; allowed in no learner text at the default
  hint cap (the compact result lives in a hint level the default release holds back);
- ``local``: the staged local derivatives (d out / d xhat, d xhat / d rstd, d rstd / d var, d var / d xmu,
  d mu / d x, d xmu / d mu) and the parameter gradients, as a staged backward writes them; allowed only in the
  hint level that gives the local derivatives (LOCAL_LEVEL) of the exercises with a derivation.

Each needle is an expression over the canonical names; ``NEEDLES`` is checked numerically by a kit test (the
terms add up to the references' dx, each local derivative equals a finite difference of its forward stage).
"""

from __future__ import annotations

import ast
import copy
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader import ROOT

# The exercises whose lesson is a derivation, and the hint level of each cut (exercises/feedback/hint_levels.py):
# 1 the concept, 2 the structure (paths and local derivatives named, not valued), 3 the local derivatives, 4 the
# compact result -- above the default release's cap (grader/verbs/release.py DEFAULT_MAX_HINT_LEVEL).
DERIVATION_EXERCISES = ("layer_norm.2", "layer_norm_torch.2", "layer_norm_triton.2")
LOCAL_LEVEL = 3

# One spelling per quantity (lower case). A name followed by "(" is a function call and keeps its name.
SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("mean", "mu", "mean_", "avg"), "mu"),
    **dict.fromkeys(("n", "h", "d", "k"), "d"),
    **dict.fromkeys(("x_hat", "xhat", "xnorm", "x_norm", "x_normalized", "xn", "x_n"), "xhat"),
    **dict.fromkeys(
        ("dxhat", "dx_hat", "d_xhat", "grad_xhat", "dxnorm", "dx_norm", "dxn", "g_hat", "dyhat"),
        "dxhat",
    ),
    **dict.fromkeys(
        ("dout", "d_out", "grad_out", "grad_output", "dy", "g", "dl_dout", "dy_"), "dout"
    ),
    **dict.fromkeys(("gamma", "weight", "w", "scale"), "gamma"),
    **dict.fromkeys(("beta", "bias", "b", "shift"), "beta"),
    **dict.fromkeys(("rstd", "inv_std", "invstd", "rsigma", "istd", "inv_sigma", "r"), "rstd"),
    **dict.fromkeys(
        (
            "xmu",
            "x_mu",
            "xc",
            "xm",
            "x_centered",
            "x_centred",
            "centred",
            "centered",
            "diff",
            "xmean",
        ),
        "xmu",
    ),
    **dict.fromkeys(("var", "variance", "sigma2", "sigma_sq", "sigma_squared"), "var"),
    **dict.fromkeys(("dmu", "dmean", "d_mu", "d_mean", "grad_mean"), "dmu"),
    **dict.fromkeys(("dvar", "dvariance", "d_var", "grad_var"), "dvar"),
    **dict.fromkeys(("drstd", "dinv_std", "d_rstd", "drsigma"), "drstd"),
    **dict.fromkeys(("dxmu", "dx_mu", "dxc", "dcentred", "dcentered", "d_xmu", "dxm"), "dxmu"),
    **dict.fromkeys(("dgamma", "dweight", "dw", "d_gamma"), "dgamma"),
    **dict.fromkeys(("dbeta", "dbias", "db", "d_beta"), "dbeta"),
    **dict.fromkeys(("eps", "epsilon"), "eps"),
    **dict.fromkeys(("std", "sigma", "sd"), "std"),
}
_UNICODE = {
    "\u2212": "-",  # minus sign
    "\u00b7": "*",
    "\u22c5": "*",
    "\u00d7": "*",
    "\u2217": "*",
    "\u00b2": "**2",
    "\u00b3": "**3",
    "\u221a": "sqrt",
    "\u03bc": " mu ",
    "\u03c3": " sigma ",
    "\u03b3": " gamma ",
    "\u03b2": " beta ",
    "\u03b5": " eps ",
    "\u03f5": " eps ",
    "\u2202": " d ",  # partial
    "\u2211": " sum ",
}
# Operators in words: "rstd times dxhat" is "rstd * dxhat".
_WORD_OP = {"times": " * ", "minus": " - ", "plus": " + ", "divided by": " / ", "over": " / "}
_WORD_OPS = re.compile(r"\b(times|minus|plus|divided by)\b", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+\.\d*|\.\d+|\d+|\*\*|\S")
_WORDLIKE = re.compile(r"[A-Za-z0-9_.]")
_DERIVATIVE = re.compile(r"\bd (mu|var|xhat|xmu|rstd|x|out|gamma|beta|l)\b")
_MODULES = {"np", "numpy", "torch", "math", "tl", "f", "triton"}
_REWRITES = [  # applied in order to the joined, whitespace-free text
    (re.compile(r",(?:axis|dim|keepdims|keepdim|dtype|out|correction|unbiased)=[^,()]*"), ""),
    (re.compile(r",(?:-?\d+|axes|dims|batch_axes|\(-?\d+,?\)|\[-?\d+\])(?=\))"), ""),
    (re.compile(r"(?<![\d.])(\d+)\.0*(?![\d])"), r"\1"),  # 2.0 -> 2
    (re.compile(r"\babs\(([a-z_]+)\)"), r"\1"),
    (re.compile(r"\(x-mu\)"), "xmu"),
    (re.compile(r"x-mu(?![a-z_0-9(])"), "xmu"),
    (
        re.compile(r"1/sqrt\(var\+eps\)|rsqrt\(var\+eps\)|\(var\+eps\)\*\*\(?-(?:0?\.5|1/2)\)?"),
        "rstd",
    ),
    (re.compile(r"/sqrt\(var\+eps\)"), "*rstd"),
]


def normalise(text: str) -> str:
    """Text as one whitespace-free string of canonical tokens (see the module docstring)."""
    for k, v in _UNICODE.items():
        text = text.replace(k, v)
    text = text.replace("^", "**").replace("|", " ")
    text = _WORD_OPS.sub(lambda m: _WORD_OP[m.group(1).lower()], text)
    toks = _TOKEN.findall(text)
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        low = t.lower()
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if low in _MODULES and nxt == "." and i + 2 < len(toks) and toks[i + 2][:1].isalpha():
            i += 2
            continue
        if low[:1].isalpha() or low[:1] == "_":
            out.append(low if nxt == "(" else SYNONYMS.get(low, low))
        else:
            out.append(t)
        i += 1
    flat = ""
    for (
        t
    ) in out:  # a space only between two words: "d mu" stays two tokens, "x - mu" becomes "x-mu"
        if flat and _WORDLIKE.match(t) and (_WORDLIKE.match(flat[-1]) or flat[-1] == ")"):
            flat += " "
        flat += t
    flat = _DERIVATIVE.sub(r"d\1", flat)  # "d mu / d x" is dmu/dx
    for pattern, repl in _REWRITES:
        flat = pattern.sub(repl, flat)
    return flat


# --- needles -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Needle:
    kind: str  # "dx-term" or "local"
    label: str  # what it is, for the report
    expr: str  # the expression over canonical names (evaluated by a kit test)
    forms: frozenset[str]  # every normalised spelling searched for


# dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)): the terms of the three paths and the reductions
# inside them; with no gamma (torch's weight None, the labs) dxhat is dout, and the same terms in dout are leaks too.
DX_TERMS: tuple[tuple[str, str], ...] = (
    ("the direct path's term of dx (d xhat / d xmu times dxhat)", "rstd * dxhat"),
    ("the mean path's term of dx", "mean(dxhat)"),
    ("the mean path's term of dx, scaled", "rstd * mean(dxhat)"),
    ("the variance path's term of dx", "xhat * mean(dxhat * xhat)"),
    ("the variance path's row statistic", "mean(dxhat * xhat)"),
    ("the variance path's product", "dxhat * xhat"),
    ("the direct path's term of dx without gamma", "rstd * dout"),
    ("the mean path's term of dx without gamma", "mean(dout)"),
    ("the variance path's term of dx without gamma", "xhat * mean(dout * xhat)"),
    ("the variance path's row statistic without gamma", "mean(dout * xhat)"),
)
# The staged backward's local derivatives, as a staged backward writes them (grader/variants/layer_norm_staged.py).
LOCAL_TERMS: tuple[tuple[str, str], ...] = (
    ("d out / d xhat = gamma (dxhat)", "dout * gamma"),
    ("d out / d gamma = xhat (dgamma)", "dout * xhat"),
    ("d out / d beta = 1 (dbeta)", "sum(dout)"),
    ("d xhat / d rstd = xmu (drstd)", "dxhat * xmu"),
    ("d xhat / d rstd = xmu, without gamma", "dout * xmu"),
    ("d rstd / d var = -rstd**3 / 2", "rstd ** 3"),
    ("d var / d xmu = 2 * xmu / D", "2 * xmu / d"),
    ("d var / d xmu applied to dvar", "dvar * 2 * xmu"),
    ("d mu / d x = 1 / D applied to dmu", "dmu / d"),
    ("d xmu / d mu = -1 (dmu)", "sum(dxmu)"),
)
# The catalog's source of truth, checked numerically against the references by a kit test: the staged backward
# (every LOCAL_TERMS needle occurs in it) and the compact dx (every DX_TERMS needle occurs in it), each as written or
# in its gamma-free form (dout for dxhat). Names: per-sample means and sums over the D normalized elements; sum(z, 0) sums over
# the batch.
STAGED_BACKWARD = """
dxhat = dout * gamma
dgamma = sum(dout * xhat, 0)
dbeta = sum(dout, 0)
drstd = sum(dxhat * xmu)
dvar = drstd * -(rstd ** 3) / 2
dxmu = rstd * dxhat + dvar * 2 * xmu / d
dmu = -sum(dxmu)
dx = dxmu + dmu / d
"""
COMPACT_BACKWARD = """
dxhat = dout * gamma
dx = rstd * dxhat - rstd * mean(dxhat) - rstd * (xhat * mean(dxhat * xhat))
"""

# Finds that belong to another piece of work and are fixed there: "where: why". The kit test fails when one of them
# no longer fires, so an entry is deleted as soon as it is fixed; the release's leak check skips them meanwhile.
PENDING: dict[str, str] = {}

# Spellings a variant generator does not make: written out once.
EXTRA_FORMS: dict[str, tuple[str, ...]] = {
    "rstd * dxhat": ("dxhat/std", "dxhat*(1/std)"),
    "rstd * dout": ("dout/std",),
    "rstd ** 3": (
        "rstd*rstd*rstd",
        "rstd**2*rstd",
        "rstd*rstd**2",
        "(var+eps)**-1.5",
        "(var+eps)**(-1.5)",
        "(var+eps)**(-3/2)",
        "(var+eps)**1.5",
        "(var+eps)**(3/2)",
        "sqrt(var+eps)**3",
        "std**-3",
        "std**(-3)",
    ),
    "2 * xmu / d": ("2*(1/d)*xmu", "(2/d)*xmu", "2/d*xmu", "xmu*(2/d)", "xmu*2/d", "2*xmu*(1/d)"),
    "dmu / d": ("(1/d)*dmu", "1/d*dmu", "dmu*(1/d)", "dmu/dx=1/d"),
    "sum(dxmu)": ("-sum(dxmu)", "mean(dxmu)"),
}


def _products(node: ast.expr) -> list[ast.expr]:
    """Every ordering of every product chain in the expression (a * b * c in all 6 orders), recursively."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        factors: list[ast.expr] = []

        def flatten(n: ast.expr) -> None:
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult):
                flatten(n.left)
                flatten(n.right)
            else:
                factors.append(n)

        flatten(node)
        options = [_products(f) for f in factors]
        out = []
        for choice in itertools.product(*options):
            for order in itertools.permutations(choice):
                acc = order[0]
                for f in order[1:]:
                    acc = ast.BinOp(left=acc, op=ast.Mult(), right=f)
                out.append(acc)
        return out
    if isinstance(node, ast.BinOp):
        return [
            ast.BinOp(left=a, op=node.op, right=b)
            for a in _products(node.left)
            for b in _products(node.right)
        ]
    if isinstance(node, ast.UnaryOp):
        return [ast.UnaryOp(op=node.op, operand=a) for a in _products(node.operand)]
    if isinstance(node, ast.Call):
        arg_options = [_products(a) for a in node.args]
        return [
            ast.Call(func=node.func, args=list(args), keywords=[])
            for args in itertools.product(*arg_options)
        ]
    return [node]


class _MeanAsSum(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "mean":
            total = ast.Call(func=ast.Name(id="sum", ctx=ast.Load()), args=node.args, keywords=[])
            return ast.BinOp(left=total, op=ast.Div(), right=ast.Name(id="d", ctx=ast.Load()))
        return node


def forms(expr: str) -> frozenset[str]:
    """Every normalised spelling of ``expr``: products in any order, each mean also as a sum divided by D."""
    tree = ast.parse(expr, mode="eval").body
    found = {normalise(expr)}
    for variant in (tree, _MeanAsSum().visit(copy.deepcopy(tree))):
        for v in _products(variant):
            found.add(normalise(ast.unparse(ast.fix_missing_locations(v))))
    found.update(normalise(e) for e in EXTRA_FORMS.get(expr, ()))
    return frozenset(found)


def needles(root: Path = ROOT) -> list[Needle]:
    """The catalog's needles, plus every additive term the references themselves write for dx."""
    out = [Needle("dx-term", label, e, forms(e)) for label, e in DX_TERMS]
    out += [Needle("local", label, e, forms(e)) for label, e in LOCAL_TERMS]
    known = set().union(*(n.forms for n in out if n.kind == "dx-term"))
    for ref, term in reference_dx_terms(root):
        if _ops(term) and normalise(term) not in known:
            out.append(Needle("dx-term", f"a term of dx in {ref}", term, forms(term)))
    return out


def _ops(expr: str) -> int:
    """How many operators and calls: a bare name (dxhat, a quantity the stub names) is no term."""
    tree = ast.parse(expr, mode="eval")
    return sum(isinstance(n, ast.BinOp | ast.UnaryOp | ast.Call) for n in ast.walk(tree))


# --- the references' terms ------------------------------------------------------------------------------------


def _additive_terms(node: ast.expr) -> list[ast.expr]:
    """The terms of a sum, descending into a product with a sum (rstd * (a - b - c) -> a, b, c and rstd * each)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        return _additive_terms(node.left) + _additive_terms(node.right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _additive_terms(node.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div):
        for inner, other in ((node.right, node.left), (node.left, node.right)):
            if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Add | ast.Sub):
                terms = _additive_terms(inner)
                if isinstance(node.op, ast.Div) and inner is node.left:
                    return terms + [ast.BinOp(left=t, op=ast.Div(), right=other) for t in terms]
                if inner is node.left:
                    return terms + [ast.BinOp(left=t, op=node.op, right=other) for t in terms]
                return terms + [ast.BinOp(left=other, op=node.op, right=t) for t in terms]
    return [node]


def _math(expr: ast.expr, names: dict[str, str] | None = None) -> str:
    from grader.authoring.formulas import Math as _Math

    tree = _Math().visit(copy.deepcopy(expr))
    if names:
        tree = _Rename(names).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


class _Rename(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.names:
            return ast.parse(self.names[node.id], mode="eval").body
        return node


def _assigned(source: str, region: str, target: str) -> list[ast.expr]:
    from grader.authoring.formulas import statements_within as _statements_within
    from grader.authoring.stubs import regions

    tree = ast.parse(source)
    found = []
    for begin, end, ex_id, _ in regions(source):
        if ex_id != region:
            continue
        for stmt in _statements_within(tree, begin + 1, end + 1):
            for node in ast.walk(stmt):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == target for t in node.targets
                ):
                    found.append(node.value)
    return found


# The Triton kernel keeps its two row statistics in Sums: c1 = sum(dy * w * xhat) / N, c2 = sum(dy * w) / N
# (acc1 += dy * xhat, acc2 += dy after dy *= w). reference_dx_terms checks that the kernel still says so.
TRITON_ROW_STATS = {"c1": "mean(dxhat * xhat)", "c2": "mean(dxhat)", "dy": "dxhat"}
TRITON_SOURCE_SAYS = (
    "acc1+=dy*xhat",
    "acc2+=dy",
    "tl.store(Sums+2*row,tl.sum(acc1,axis=0)/N)",
    "tl.store(Sums+2*row+1,tl.sum(acc2,axis=0)/N)",
    "dy=dy*w",
)


def reference_dx_terms(root: Path = ROOT) -> list[tuple[str, str]]:
    """(reference, term) for each additive term of dx the three references write."""
    from grader.authoring.formulas import comment_formulas as _comment_formulas  # noqa: F401  (the same plain-text reading of comments)

    out: list[tuple[str, str]] = []
    numpy_src = (root / "solutions" / "layer_norm.py").read_text()
    for value in _assigned(numpy_src, "layer_norm.2", "dx"):
        out += [("solutions/layer_norm.py", _math(t)) for t in _additive_terms(value)]
    torch_src = (root / "solutions" / "layer_norm_torch.py").read_text()
    for formula in _torch_comment_formulas(torch_src):
        out += [("solutions/layer_norm_torch.py", _math(t)) for t in _additive_terms(formula)]
    triton = root / "solutions" / "layer_norm_triton.py"
    if triton.exists():
        src = triton.read_text()
        flat = "".join(src.split())
        missing = [s for s in TRITON_SOURCE_SAYS if s not in flat]
        if missing:
            raise RuntimeError(
                f"solutions/layer_norm_triton.py no longer computes its row statistics as "
                f"grader/authoring/leakterms.py reads them ({missing}): update TRITON_ROW_STATS"
            )
        for value in _assigned(src, "layer_norm_triton.2", "dx"):
            out += [
                ("solutions/layer_norm_triton.py", _math(t, TRITON_ROW_STATS))
                for t in _additive_terms(value)
            ]
    return out


def _torch_comment_formulas(source: str) -> list[ast.expr]:
    """The ``dx = ...`` and ``= ...`` formulas of the comments in the torch backward's region."""
    import io
    import tokenize

    from grader.authoring.stubs import regions

    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    out = []
    for begin, end, ex_id, _ in regions(source):
        if ex_id != "layer_norm_torch.2":
            continue
        text = " ".join(comments[i] for i in sorted(comments) if begin + 1 < i < end + 1)
        for m in re.finditer(r"(?:^|[\s(])(?:dx\s*)?=\s*(rstd[^:]*?)(?=:|,\s*d\w+\s*=|$)", text):
            try:
                out.append(ast.parse(m.group(1).strip().rstrip(".,"), mode="eval").body)
            except SyntaxError:
                continue
    return out


# --- the learner's texts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Find:
    where: str
    needle: Needle
    form: str

    def __str__(self) -> str:
        return f"{self.where}: {self.needle.kind} '{self.needle.expr}' ({self.needle.label}) as '{self.form}'"


def find(text: str, table: list[Needle], where: str, allow_local: bool = False) -> list[Find]:
    flat = normalise(text)
    try:  # code: every expression also as plain-text math (a.mean(axis=1) reads as mean(a))
        from grader.authoring.formulas import canonical

        tree = ast.parse(text)
        flat += "\n" + "\n".join(
            normalise(canonical(n)) for n in ast.walk(tree) if isinstance(n, ast.BinOp | ast.Call)
        )
    except (SyntaxError, ValueError, RecursionError):
        pass
    out = []
    for needle in table:
        if allow_local and needle.kind == "local":
            continue
        hit = next(
            (f for f in sorted(needle.forms, key=len, reverse=True) if _within(f, flat)), None
        )
        if hit is not None:
            out.append(Find(where, needle, hit))
    return out


def _within(form: str, flat: str) -> bool:
    """form occurs in flat, not as part of a longer name (d*dxhat is not inside rstd*dxhat)."""
    start = 0
    while (i := flat.find(form, start)) >= 0:
        before = flat[i - 1] if i else ""
        after = flat[i + len(form)] if i + len(form) < len(flat) else ""
        name = re.compile(r"[a-z0-9_]")
        if not (form[0].isalnum() and name.match(before)) and not (
            form[-1].isalnum() and name.match(after)
        ):
            return True
        start = i + 1
    return False


def _level_strings(path: Path) -> dict[str, tuple[str, ...]]:
    """LEVELS of a (possibly capped) hint_levels.py, read without importing it."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if getattr(target, "id", None) == "LEVELS":
            return ast.literal_eval(node.value)
    return {}


def _hint_strings(path: Path) -> dict[str, tuple[str, ...]]:
    """HINTS of exercises/feedback/hints.py: id -> the strings of its Hint(...), read without importing it."""
    tree = ast.parse(path.read_text())
    out: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if getattr(target, "id", None) == "HINTS" and isinstance(node.value, ast.Dict):
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                if isinstance(key, ast.Constant):
                    out[key.value] = tuple(
                        n.value
                        for n in ast.walk(value)
                        if isinstance(n, ast.Constant) and isinstance(n.value, str)
                    )
    return out


def bundle_texts(bundle: Path) -> Iterator[tuple[str, str, bool]]:
    """(where, text, local derivatives allowed) of every text file of a learner bundle; the hint levels one by one."""
    for path in sorted(bundle.rglob("*")):
        if not path.is_file() or path.suffix not in (
            ".py",
            ".md",
            ".txt",
            ".toml",
            ".cfg",
            ".ipynb",
        ):
            continue
        rel = str(path.relative_to(bundle))
        text = path.read_text(errors="replace")
        if path.suffix == ".ipynb":
            try:
                nb = json.loads(text)
                text = "\n".join(
                    "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                    for c in nb.get("cells", [])
                )
            except (ValueError, KeyError, TypeError):
                pass
        if rel == "exercises/feedback/hint_levels.py":
            levels = _level_strings(path)
            drop = {t for texts in levels.values() for t in texts}
            tree = _Blank(drop).visit(ast.parse(text))
            yield rel + " (outside LEVELS)", ast.unparse(tree), False
            for ex_id, texts in levels.items():
                for level, t in enumerate(texts, start=1):
                    if ex_id in DERIVATION_EXERCISES and level > LOCAL_LEVEL:
                        continue  # the compact result: only in a bundle whose instructor released it
                    local_ok = ex_id in DERIVATION_EXERCISES and level == LOCAL_LEVEL
                    yield f"{rel} level {level} of {ex_id}", t, local_ok
            continue
        if rel == "exercises/feedback/hints.py":
            entries = _hint_strings(path)
            drop = {t for texts in entries.values() for t in texts}
            yield rel + " (outside HINTS)", ast.unparse(_Blank(drop).visit(ast.parse(text))), False
            for hint_id, texts in entries.items():
                yield f"{rel} hint [{hint_id}]", "\n".join(texts), False
            continue
        yield rel, text, False


class _Blank(ast.NodeTransformer):
    def __init__(self, drop: set[str]) -> None:
        self.drop = drop

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and node.value in self.drop:
            return ast.copy_location(ast.Constant(value=""), node)
        return node


def grader_texts(root: Path = ROOT) -> Iterator[tuple[str, str, bool]]:
    """What the grader shows a learner beyond the bundle: the hidden cases' names, descriptions and messages
    (feedback.md, results.json, the nbgrader notebooks' hidden cells): every string of grader/hidden/*.py."""
    for path in sorted((root / "grader" / "hidden").glob("*.py")):
        strings = [
            n.value
            for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        yield str(path.relative_to(root)), "\n".join(strings), False


def check(
    bundle: Path, root: Path = ROOT, grader_side: bool = False, pending: bool = False
) -> list[Find]:
    """Every term of dx and every staged local derivative found in a learner text of ``bundle`` (and, with
    ``grader_side``, in the texts the grader shows learners); with ``pending``, also the PENDING ones."""
    table = needles(root)
    texts = list(bundle_texts(bundle))
    if grader_side:
        texts += list(grader_texts(root))
    out: list[Find] = []
    for where, text, local_ok in texts:
        if pending or where not in PENDING:
            out += find(text, table, where, allow_local=local_ok)
    return out
