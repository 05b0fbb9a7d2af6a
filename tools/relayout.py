"""Move ``index/*.py`` into sub-packages and rewrite every reference to the old module paths (issue 16).

    .venv/bin/python tools/relayout.py [--no-move] [--no-ruff] [PATH ...]

Re-runnable: files already moved are left where they are, and code already in the new layout is left as it
is, so the lead can run it again on code merged from a branch written against the old layout (``--no-move``
skips the ``git mv`` step).  What it rewrites, in every ``.py`` file (or the ``PATH`` given) and in the
Makefile and Markdown files:

- dotted module paths ``index.OLD`` (imports, ``mock.patch`` strings, docstrings) → ``index.PKG.NEW``;
- ``from index import OLD`` / ``from . import OLD`` → ``from index.PKG import NEW as OLD``;
- relative imports inside ``index/`` whose target moved → absolute imports of the new module;
- file paths ``index/OLD.py`` → ``index/PKG/NEW.py``.

Then ``ruff check --select I --fix`` sorts the rewritten imports.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: old module → new module.  The one source of truth for the move.
MOVES: dict[str, str] = {
    "index.repair": "index.text.repair",
    "index.query": "index.text.query",
    "index.sentences": "index.text.sentences",
    "index.tokenize": "index.text.tokenize",
    "index.jieba_dicts": "index.text.jieba_dicts",
    "index.problem": "index.text.problem",
    "index.encoder": "index.encode.encoder",
    "index.onnx_encoder": "index.encode.onnx_encoder",
    "index.script_tokenizer": "index.encode.script_tokenizer",
    "index.store": "index.store.folder",
    "index.keyword": "index.store.keyword",
    "index.milvus_store": "index.store.milvus",
    "index.search": "index.retrieve.searcher",
    "index.milvus_search": "index.retrieve.milvus_search",
    "index.backend": "index.retrieve.backend",
    "index.answer": "index.answer.reader",
    "index.answer_type": "index.answer.answer_type",
    "index.generate": "index.answer.generate",
    "index.evaluate": "index.answer.evaluate",
    "index.findings": "index.analysis.findings",
    "index.compare": "index.analysis.compare",
    "index.related": "index.analysis.related",
    "index.themes": "index.analysis.themes",
    "index.cli_findings": "index.cli.findings",
    "index.milvus_export": "index.cli.milvus_export",
    "index.__main__": "index.cli.main",
}
#: data files that move with their module.
DATA_MOVES: dict[str, str] = {"index/answer_weights.json": "index/answer/answer_weights.json"}
#: the one-line job of each sub-package (its ``__init__.py`` docstring).
PACKAGES: dict[str, str] = {
    "text": "Text analysis shared by ingest and queries: repair, query cleaning, sentences, words, dictionaries.",
    "encode": "Encoders: the embedding model (sentence-transformers or ONNX) and what text each vector holds.",
    "store": "Stored indexes: the folder store (FAISS + BM25 generations) and the Milvus store.",
    "retrieve": "Retrieval: hybrid keyword + vector search and its fusion, on either backend, and opening one.",
    "answer": "Answers: what a question asks, the extractive reader, generation and evaluation.",
    "analysis": "Cross-document analysis: findings, notice comparison, related notices and themes.",
    "cli": "The command line, ``python -m index COMMAND``.",
}
THIN_MAIN = '''"""``python -m index COMMAND``: the command line lives in :mod:`index.cli.main`."""

import sys

from index.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
'''


def path_of(module: str) -> Path:
    """The source file of a dotted module name (a package's ``__init__.py``)."""
    base = ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def new_submodules(old: str) -> set[str]:
    """Names under the package an old module name became (``index.store`` → folder, keyword, …)."""
    pkg = ROOT.joinpath(*old.split("."))
    if not pkg.is_dir():
        return set()
    return {p.stem for p in pkg.glob("*.py") if p.stem != "__init__"} | {p.name for p in pkg.iterdir() if p.is_dir()}


def move_files() -> None:
    """``git mv`` each old module that is still in its old place; write the sub-package ``__init__``s."""
    for name, doc in PACKAGES.items():
        init = ROOT / "index" / name / "__init__.py"
        if not init.exists():
            init.parent.mkdir(exist_ok=True)
            init.write_text(f'"""{doc}"""\n', encoding="utf-8")
            subprocess.run(["git", "add", str(init)], cwd=ROOT, check=True)
    # store.py and answer.py first make way for the packages of the same name: they are moved by git mv below
    for old, new in MOVES.items():
        src = ROOT.joinpath(*old.split(".")).with_suffix(".py")
        dst = ROOT.joinpath(*new.split(".")).with_suffix(".py")
        if src.is_file() and not dst.exists():
            subprocess.run(["git", "mv", str(src), str(dst)], cwd=ROOT, check=True)
    for src_name, dst_name in DATA_MOVES.items():
        src, dst = ROOT / src_name, ROOT / dst_name
        if src.is_file() and not dst.exists():
            subprocess.run(["git", "mv", str(src), str(dst)], cwd=ROOT, check=True)
    main = ROOT / "index" / "__main__.py"
    if not main.exists():
        main.write_text(THIN_MAIN, encoding="utf-8")
        subprocess.run(["git", "add", str(main)], cwd=ROOT, check=True)


def module_of(path: Path) -> str:
    """The dotted module name of a source file under ROOT."""
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def old_name_of(path: Path) -> str | None:
    """The module a moved file was before the move (None when it did not move)."""
    module = module_of(path)
    for old, new in MOVES.items():
        if new == module:
            return old
    return None


def exists(module: str) -> bool:
    """Whether a dotted module (or package) exists in the working tree."""
    base = ROOT.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def resolve_relative(path: Path, level: int, module: str | None) -> str | None:
    """Absolute name of a relative ``from`` import in ``path`` that has to be rewritten, or None to keep it.

    Kept: the import resolves, from the file's place now, to a module that exists.  Rewritten: it resolves
    from the file's old place (``index``) — code written against the old layout.
    """
    here = module_of(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    parts = package.split(".")
    if level > len(parts):
        return None
    base = ".".join(parts[: len(parts) - level + 1])
    target = f"{base}.{module}" if module else base
    if module and exists(target):
        return None
    if not module:
        return base  # ``from . import x``: decided per name
    if level != 1 or not package.startswith("index"):
        return None
    old = f"index.{module}"  # written against the old, flat layout
    return old if old in MOVES or exists(old) else None


def rewrite_from_imports(path: Path, text: str) -> str:
    """Rewrite ``from index import OLD``, ``from . import OLD`` and stale relative imports in one file."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = resolve_relative(path, node.level, node.module)
            if base is None:
                continue
        else:
            base = node.module or ""
        indent = re.match(r"\s*", lines[node.lineno - 1]).group(0)
        stmts: list[str] = []
        changed = False
        if node.module and node.level:
            # a stale relative import: ``from .search import Hit`` → ``from index.retrieve.searcher import Hit``
            target = MOVES.get(base, base)
            names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
            stmts.append(f"from {target} import {names}")
            changed = True
        elif base == "index" or (node.level and not node.module):
            # ``from index import a, b`` / ``from . import a``: each name that was a module moves on its own
            kept = []
            for alias in node.names:
                name = alias.asname or alias.name
                if node.level and exists(f"{base}.{alias.name}"):
                    kept.append(alias.name + (f" as {alias.asname}" if alias.asname else ""))
                    continue
                old = f"index.{alias.name}"
                if old in MOVES:
                    pkg, _, leaf = MOVES[old].rpartition(".")
                    stmts.append(f"from {pkg} import {leaf} as {name}" if name != leaf else f"from {pkg} import {leaf}")
                    changed = True
                elif node.level and exists(old):
                    stmts.append(f"from index import {alias.name}" + (f" as {alias.asname}" if alias.asname else ""))
                    changed = True
                else:
                    kept.append(alias.name + (f" as {alias.asname}" if alias.asname else ""))
            if kept and changed:
                module = "." * node.level + (node.module or "") if node.level else base
                stmts.insert(0, f"from {module} import {', '.join(kept)}")
        if changed:
            end = node.end_lineno or node.lineno
            tail = lines[end - 1][node.end_col_offset or 0:].rstrip("\n")  # a trailing comment (noqa) stays
            edits.append((node.lineno, end, "".join(f"{indent}{s}{tail}\n" for s in stmts)))
    for start, end, new in sorted(edits, reverse=True):
        lines[start - 1:end] = [new]
    return "".join(lines)


def dotted_pattern() -> re.Pattern[str]:
    """``index.OLD`` not followed by one of the new package's own submodules (already rewritten)."""
    alternatives = []
    for old in sorted(MOVES, key=len, reverse=True):
        if path_of(old).is_file() and not ROOT.joinpath(*old.split(".")).is_dir():
            continue  # still a module of its own (the thin ``index/__main__.py``): its name stays valid
        leaf = re.escape(old.split(".", 1)[1])
        subs = new_submodules(old)
        names = "|".join(map(re.escape, sorted(subs)))
        # an old module that is now a package of the same name (store, answer): the bare name is the package
        # now, so only ``index.store.NAME`` / ``from index.store import NAME`` with NAME not a submodule move
        guard = (f"(?=\\.\\w|\\s+import\\s)(?!\\.(?:{names})\\b)(?!\\s+import\\s+\\(?\\s*(?:{names})\\b)"
                 if subs else "")
        alternatives.append(f"{leaf}\\b{guard}")
    # not ``index.search(...)``: a FAISS index variable, not a module
    return re.compile(r"(?<![\w./])index\.(" + "|".join(alternatives) + r")(?![\w])(?!\s*\()")


def rewrite_dotted(text: str, pattern: re.Pattern[str]) -> str:
    """Rewrite every dotted ``index.OLD`` to its new module."""
    def sub(match: re.Match[str]) -> str:
        leaf = re.match(r"[\w]+", match.group(1)).group(0)
        return MOVES[f"index.{leaf}"]
    return pattern.sub(sub, text)


def rewrite_paths(text: str) -> str:
    """Rewrite file paths ``index/OLD.py`` (and moved data files) to their new place."""
    for old, new in MOVES.items():
        old_path = old.replace(".", "/") + ".py"
        new_path = new.replace(".", "/") + ".py"
        text = re.sub(r"(?<![\w/])" + re.escape(old_path) + r"\b", new_path, text)
    for old, new in DATA_MOVES.items():
        text = re.sub(r"(?<![\w/])" + re.escape(old) + r"\b", new, text)
    return text


def targets(paths: list[str]) -> list[Path]:
    """The files to rewrite: the given ones, or every tracked/untracked ``.py``, Markdown file and the Makefile."""
    if paths:
        return [Path(p).resolve() for p in paths]
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    keep = [ROOT / p for p in listed if p.endswith((".py", ".md")) or p == "Makefile"]
    return [p for p in keep if p.is_file() and "relayout.py" not in p.name]


def main() -> int:
    """Move the files (unless ``--no-move``) and rewrite every reference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--no-move", action="store_true")
    parser.add_argument("--no-ruff", action="store_true")
    args = parser.parse_args()
    if not args.no_move:
        move_files()
    pattern = dotted_pattern()
    changed: list[Path] = []
    for path in targets(args.paths):
        text = path.read_text(encoding="utf-8")
        new = text
        if path.suffix == ".py":
            new = rewrite_from_imports(path, new)
        new = rewrite_dotted(new, pattern)
        new = rewrite_paths(new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    for path in changed:
        print(path.relative_to(ROOT))
    py = [str(p) for p in changed if p.suffix == ".py"]
    if py and not args.no_ruff:
        ruff = ROOT / ".venv" / "bin" / "ruff"
        subprocess.run([str(ruff), "check", "--select", "I", "--fix", "-q", *py], cwd=ROOT, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
