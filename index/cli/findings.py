"""``python -m index compare | related | themes``: the finding-level commands.

Registered by :func:`index.cli.main.build_parser`; errors are IndexError_
subclasses that ``main`` prints as one ``error: …`` line (exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from index.cli.common import add_index_arg, dump
from index.cli_text import kind_name
from index.shown import restore

#: Chinese names of the comparison units (the ``--unit`` values and JSON ``unit`` fields stay English).
UNIT_NAMES = {"finding": "按问题", "item": "按问题条目", "passage": "按段落", "auto": "自动"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare``, ``related`` and ``themes`` commands to ``sub``."""
    from index.analysis.compare import UNITS

    p = sub.add_parser("compare", help="比对两篇通报的问题（或段落）",
                       description="比对两篇通报：找出两篇共同的问题，以及只见于其中一篇的问题。")
    p.add_argument("doc_a", metavar="通报A", help="第一篇通报的编号")
    p.add_argument("doc_b", metavar="通报B", help="第二篇通报的编号")
    add_index_arg(p)
    p.add_argument("--unit", choices=UNITS, default="auto",
                   help="比对单位：finding（编号的问题或问题条目）；passage（段落）；auto（两篇都列出至少两个问题时按问题，"
                        "否则按段落；默认）")
    p.add_argument("--threshold", type=float, default=None, metavar="阈值", help="配成一对所需的最低余弦相似度")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("related", help="与一段文字、一条问题（通报编号:问题标号）或一篇通报相关的通报",
                       description="查找与一段文字、一条问题或一篇通报相关的其他通报。")
    p.add_argument("query", metavar="查询", help="任意文字、通报编号:问题标号（例如 seed:问题3）或通报编号")
    add_index_arg(p)
    p.add_argument("--top", type=int, default=10, metavar="数量", help="最多列出的通报数（默认：%(default)s）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_related)

    p = sub.add_parser("themes", help="共性问题：把各篇通报中相似的问题归为一组",
                       description="共性问题：把各篇通报中相似的问题归为一组。")
    add_index_arg(p)
    p.add_argument("--min-notices", type=int, default=2, metavar="篇数",
                   help="一组问题至少涉及的通报篇数（默认：%(default)s）")
    p.add_argument("--top", type=int, default=0, metavar="数量", help="最多列出的组数（0：全部）")
    p.add_argument("--threshold", type=float, default=None, metavar="阈值", help="组内的最低平均相似度")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
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

    data = _load(args)
    result = compare(data, args.doc_a, args.doc_b, unit=args.unit, threshold=args.threshold)
    docs = data.documents
    if args.json:
        dump(result)
        return 0
    a, b = result["doc_a"], result["doc_b"]
    for tag, doc in (("A", a), ("B", b)):
        print(f"{tag}  [{doc['doc_id']}] {doc['title']}  {doc['org']} {doc['date']}".rstrip())
    print(f"比对单位：{UNIT_NAMES.get(result['unit'], result['unit'])}（A：{UNIT_NAMES.get(result['unit_a'], '')}，"
          f"B：{UNIT_NAMES.get(result['unit_b'], '')}），相似度阈值 {result['threshold']}\n")
    print(f"共同的问题（{len(result['pairs'])}）：")
    for pair in result["pairs"]:
        print(f"  {pair['similarity']:.3f}  A {_unit_line(pair['a'], docs)}")
        print(f"         B {_unit_line(pair['b'], docs)}")
    for key, doc in (("only_a", a), ("only_b", b)):
        print(f"\n仅见于 {doc['doc_id']}（{len(result[key])}）：")
        for unit in result[key]:
            print(f"  - {_unit_line(unit, docs)}")
    return 0


def _unit_line(unit: dict, docs: Mapping | None = None) -> str:
    """One line for a finding, item or passage dict, in its notice's own characters."""
    doc = (docs or {}).get(unit.get("doc_id", ""))
    if unit["unit"] == "finding":
        status = f"  [{unit['status']}]" if unit.get("status") else ""
        return f"{unit['label']} {restore(doc, unit['heading'])}{status}"
    if unit["unit"] == "item":
        return restore(doc, unit["heading"])
    where = unit["section"].rsplit(" > ", 1)[-1]
    text = restore(doc, unit["text"]).replace("\n", " ")
    return f"§ {where}: {text[:80]}" if where else text[:90]


# --------------------------------------------------------------------------
# related
# --------------------------------------------------------------------------


def cmd_related(args: argparse.Namespace) -> int:
    """Print the notices related to a text, finding or notice (listed ones, then the count of possible ones)."""
    from index.analysis.related import related_with_more
    from index.retrieve.backend import open_searcher

    searcher = open_searcher(args)
    results, more = related_with_more(searcher, args.query, top=args.top)
    docs = searcher.documents
    if args.json:
        dump(results)
        return 0
    if not results:
        print("没有通报有把握写明这一问题" + (f"（另有 {len(more)} 篇可能相关，相关程度低）" if more else ""))
        return 0
    for rank, entry in enumerate(results, 1):
        doc = docs.get(entry["doc_id"])
        print(f"{rank}. {entry['title']}  [{entry['doc_id']}]  {entry['org']} {entry['date']}  "
              f"{kind_name(entry['kind'])}  相关程度 {entry['relevance']}")
        evidence = entry.get("evidence")
        if evidence:
            terms = "、".join(evidence["terms"])
            print(f"   依据：【{restore(doc, evidence['sentence'])}】（同有问题用语：{terms}）".replace("\n", " "))
        for match in entry["matches"]:
            if "label" in match:
                print(f"   · {match['label']} {restore(doc, match['heading'])}  （相似度 {match['similarity']:.3f}）")
                if match["measures"]:
                    print(f"     整改措施：{restore(doc, match['measures'])}")
            else:
                section = match["section"].rsplit(" > ", 1)[-1]
                where = f"§ {section}：" if section else ""
                text = restore(doc, match["text"])[:100]
                print(f"   · {where}{text}  （相似度 {match['similarity']:.3f}）".replace("\n", " "))
        if entry["url"]:
            print(f"   {entry['url']}")
        print()
    if more:
        print(f"另有 {len(more)} 篇可能相关（相关程度低）：" + "、".join(e["doc_id"] for e in more))
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
        print(f"没有涉及 {args.min_notices} 篇以上通报的共性问题；可以试试 --min-notices 1")
        return 0
    for group in groups:
        years = "，".join(f"{y} 年 {n} 条" for y, n in group["years"].items()) or "-"
        places = group["count_places"]
        unnamed = len({m["doc_id"] for m in group["members"] if not m["place"]})
        where = (f"{places} 个地方或单位" + (f"（另 {unnamed} 篇未写明）" if unnamed else "")) if places \
            else "地方或单位未写明"
        print(f"{group['theme']}. {group['label_shown']}  — {group['count_notices']} 篇通报，"
              f"{where}，{group['count_members']} 条问题，年份：{years}")
        print(f"   关键词：{'、'.join(group['keywords'])}")
        if group["places"]:
            print(f"   涉及：{'、'.join(group['places'])}")
        for member in group["members"]:
            label = f" {member['label']}" if member["label"] else ""
            place = f"（{member['place']}）" if member["place"] else ""
            print(f"   - [{member['doc_id']}{label}]{place} {member['heading_shown']}")
            start, end = member["evidence_mark"]
            evidence = member["evidence"]
            if end > start:
                evidence = f"{evidence[:start]}【{evidence[start:end]}】{evidence[end:]}"
            if evidence and evidence != member["heading_shown"]:
                print(f"     原文：{evidence}")
        print()
    return 0
