"""``python -m index compare | related | themes``: the finding-level commands.

Registered by :func:`index.cli.main.build_parser`; errors are IndexError_
subclasses that ``main`` prints as one ``error: …`` line (exit 2).
"""

from __future__ import annotations

import argparse

from index.cli.common import add_index_arg, dump


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare``, ``related`` and ``themes`` commands to ``sub``."""
    from index.analysis.compare import UNITS

    p = sub.add_parser("compare", help="align the findings (or passages) of two notices")
    p.add_argument("doc_a")
    p.add_argument("doc_b")
    add_index_arg(p)
    p.add_argument("--unit", choices=UNITS, default="auto",
                   help="finding: numbered findings or problem items; passage: chunks; auto: findings when both "
                        "notices state at least two problems (default)")
    p.add_argument("--threshold", type=float, default=None, help="least cosine similarity of a pair")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("related", help="notices related to a text, a finding (DOC_ID:LABEL) or a notice (DOC_ID)")
    p.add_argument("query", help="free text, DOC_ID:LABEL (e.g. seed:问题3) or DOC_ID")
    add_index_arg(p)
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_related)

    p = sub.add_parser("themes", help="recurring problems: similar findings grouped across notices")
    add_index_arg(p)
    p.add_argument("--min-notices", type=int, default=2, help="least notices a theme spans (default: %(default)s)")
    p.add_argument("--top", type=int, default=0, help="print at most this many themes (0: all)")
    p.add_argument("--threshold", type=float, default=None, help="least average similarity inside a theme")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_themes)


def _load(args: argparse.Namespace):  # -> IndexData (folder or Milvus, see index.retrieve.backend)
    from index.retrieve.backend import open_data

    return open_data(args)


# --------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------


def cmd_compare(args: argparse.Namespace) -> int:
    """Print the alignment of two notices."""
    from index.analysis.compare import compare

    result = compare(_load(args), args.doc_a, args.doc_b, unit=args.unit, threshold=args.threshold)
    if args.json:
        dump(result)
        return 0
    a, b = result["doc_a"], result["doc_b"]
    for tag, doc in (("A", a), ("B", b)):
        print(f"{tag}  [{doc['doc_id']}] {doc['title']}  {doc['org']} {doc['date']}".rstrip())
    print(f"unit: {result['unit']} (A: {result['unit_a']}, B: {result['unit_b']}), threshold {result['threshold']}\n")
    print(f"共同 / paired ({len(result['pairs'])}):")
    for pair in result["pairs"]:
        print(f"  {pair['similarity']:.3f}  A {_unit_line(pair['a'])}")
        print(f"         B {_unit_line(pair['b'])}")
    for key, doc in (("only_a", a), ("only_b", b)):
        print(f"\n仅见于 / only in {doc['doc_id']} ({len(result[key])}):")
        for unit in result[key]:
            print(f"  - {_unit_line(unit)}")
    return 0


def _unit_line(unit: dict) -> str:
    """One line for a finding, item or passage dict."""
    if unit["unit"] == "finding":
        status = f"  [{unit['status']}]" if unit.get("status") else ""
        return f"{unit['label']} {unit['heading']}{status}"
    if unit["unit"] == "item":
        return unit["heading"]
    where = unit["section"].rsplit(" > ", 1)[-1]
    text = unit["text"].replace("\n", " ")
    return f"§ {where}: {text[:80]}" if where else text[:90]


# --------------------------------------------------------------------------
# related
# --------------------------------------------------------------------------


def cmd_related(args: argparse.Namespace) -> int:
    """Print the notices related to a text, finding or notice."""
    from index.analysis.related import related
    from index.retrieve.backend import open_searcher

    results = related(open_searcher(args), args.query, top=args.top)
    if args.json:
        dump(results)
        return 0
    if not results:
        print("没有结果 / no related notices")
        return 0
    for rank, entry in enumerate(results, 1):
        print(f"{rank}. {entry['title']}  [{entry['doc_id']}]  {entry['org']} {entry['date']}  "
              f"{entry['kind']}  score {entry['score']:.4f}")
        for match in entry["matches"]:
            if "label" in match:
                print(f"   · {match['label']} {match['heading']}  ({match['similarity']:.3f})")
                if match["measures"]:
                    print(f"     整改 / measures: {match['measures']}")
            else:
                section = match["section"].rsplit(" > ", 1)[-1]
                where = f"§ {section}: " if section else ""
                print(f"   · {where}{match['text'][:100]}  ({match['similarity']:.3f})".replace("\n", " "))
        if entry["url"]:
            print(f"   {entry['url']}")
        print()
    return 0


# --------------------------------------------------------------------------
# themes
# --------------------------------------------------------------------------


def cmd_themes(args: argparse.Namespace) -> int:
    """Print the recurring problems of the index."""
    from index.analysis.themes import THRESHOLD, themes

    groups = themes(_load(args), min_notices=args.min_notices,
                    threshold=args.threshold if args.threshold is not None else THRESHOLD)
    if args.top:
        groups = groups[: args.top]
    if args.json:
        dump(groups)
        return 0
    if not groups:
        print(f"没有共同问题 / no theme spans {args.min_notices} notices; try --min-notices 1")
        return 0
    for group in groups:
        years = " ".join(f"{y}:{n}" for y, n in group["years"].items()) or "-"
        print(f"{group['theme']}. {group['label']}  — {group['count_notices']} notices, "
              f"{group['count_members']} findings/items, {group['count_orgs']} orgs, years {years}")
        print(f"   keywords: {'、'.join(group['keywords'])}")
        for member in group["members"]:
            label = f" {member['label']}" if member["label"] else ""
            print(f"   - [{member['doc_id']}{label}] {member['heading']}")
        print()
    return 0
