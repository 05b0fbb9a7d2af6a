"""``python -m index COMMAND``: read, search, ask and evaluate an index.

Commands: ``doc``, ``search``, ``ask``, ``evaluate`` (here) and the
finding-level ``compare``, ``related``, ``themes`` (:mod:`index.cli.findings`).
Errors print one clear line and exit non-zero; no tracebacks.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.cli.common import add_filter_args, add_index_arg, dump, filters_from
from index.errors import IndexError_, error_line

_dump = dump  # the name the commands here used before the options moved to index.cli.common


def _query_text(value: object) -> str:
    """Query text safe to search and print: lone surrogates (from odd bytes) → U+FFFD, NUL dropped."""
    from index.text.query import clean_str

    return clean_str(str(value))


def _query_lines(path: Path) -> list[dict]:
    rows = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise IndexError_(f"{path}:{number}: 不是一行 JSON / not a JSON line ({exc.msg})") from exc
                except RecursionError as exc:
                    raise IndexError_(f"{path}:{number}: JSON nested too deeply") from exc
                if not isinstance(row, dict) or "query" not in row:
                    raise IndexError_(f"{path}:{number}: 缺少 \"query\" 字段 / no \"query\" field")
                if not isinstance(row["query"], str):
                    raise IndexError_(f"{path}:{number}: \"query\" is not a string")
                row["query"] = _query_text(row["query"])
                if isinstance(row.get("qid"), str):
                    row["qid"] = _query_text(row["qid"])
                rows.append(row)
    except UnicodeDecodeError as exc:
        raise IndexError_(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise IndexError_(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return rows


def _searcher(args: argparse.Namespace):  # -> Searcher (imported lazily: torch is slow to import)
    from index.retrieve.backend import open_searcher

    return open_searcher(args)


def cmd_doc(args: argparse.Namespace) -> int:
    """Print one document as ingested."""
    from index.errors import NotFound
    from index.retrieve.backend import open_data

    data = open_data(args, vectors=False)
    doc = data.documents.get(args.doc_id)
    if doc is None:
        raise NotFound(
            f"索引中没有编号为 {args.doc_id!r} 的通报（共 {len(data.documents)} 篇）/ "
            f"no document {args.doc_id!r} in {args.index} ({len(data.documents)} documents)"
        )
    out = {
        "doc_id": doc.doc_id, "title": doc.title, "url": doc.url, "org": doc.org, "date": doc.date,
        "signed_date": doc.signed_date, "kind": doc.kind, "inspected_unit": doc.inspected_unit,
        "repaired": doc.repaired, "figures": doc.figures, "meta": doc.meta,
        "text": doc.text, "original": doc.original,
        "findings": [f.to_dict() for f in doc.findings],
    }
    if args.json:
        _dump(out)
    else:
        print(f"{doc.title}\n{doc.org}  {doc.date or doc.signed_date}  {doc.kind}  {doc.url}\n")
        for f in doc.findings:
            print(f"  [{f.label}] {f.heading}")
        print("\n" + doc.text)
    return 0


def _print_hits(hits: list, marked: tuple[int, int, int] | None = None) -> None:
    for rank, hit in enumerate(hits, 1):
        text = hit.text
        if marked and marked[0] == rank - 1:
            text = f"{text[:marked[1]]}【{text[marked[1]:marked[2]]}】{text[marked[2]:]}"
        print(f"{rank}. {hit.title}  [{hit.doc_id}]  {hit.org} {hit.date}")
        if hit.section:
            print(f"   § {hit.section}")
        print(f"   {text}")
        if hit.url:
            print(f"   {hit.url}")
        print()


def cmd_search(args: argparse.Namespace) -> int:
    """Search passages for one query or a file of queries."""
    searcher = _searcher(args)
    filters = filters_from(args)
    if args.queries:
        for row in _query_lines(args.queries):
            hits = searcher.search(row["query"], top=args.top, per_doc=args.per_doc, filters=filters)
            _dump({"qid": row.get("qid"), "hits": [h.to_dict() for h in hits]})
        return 0
    hits = searcher.search(args.query, top=args.top, per_doc=args.per_doc, filters=filters)
    if args.json:
        _dump([h.to_dict() for h in hits])
    elif not hits:
        print("没有结果 / no results" + ("; try removing a filter" if filters.active else ""))
    else:
        _print_hits(hits)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question or a file of questions (plus a generated answer with --generate)."""
    from index.answer.generate import generate, llm_config
    from index.answer.reader import Answer, Answerer

    answerer = Answerer(_searcher(args))
    filters = filters_from(args)
    llm = llm_config() if args.generate else None
    if args.generate and llm is None:
        print("warning: --generate needs NOTICE_LLM_URL (an OpenAI-compatible endpoint); "
              "giving the extractive answer only", file=sys.stderr)

    def answer_with_generated(question: str) -> tuple[Answer, dict]:
        answer = answerer.ask(question, top=args.top, filters=filters)
        out = answer.to_dict()
        if llm is not None:
            out["generated"] = generate(question, answer, llm).to_dict()
        return answer, out

    if args.queries:
        for row in _query_lines(args.queries):
            _dump({"qid": row.get("qid"), **answer_with_generated(row["query"])[1]})
        return 0
    answer, out = answer_with_generated(args.query)
    if args.json:
        _dump(out)
    elif not answer.citations:
        print("没有找到答案 / no passage matches" + ("; try removing a filter" if filters.active else ""))
    else:
        if answer.no_answer:
            print("语料中未找到明确答案 / no clear answer in the corpus; the closest passages:\n")
        else:
            if answer.short_answer:
                print(f"简答 / short answer: {answer.short_answer}")
            print(f"答案 / answer: 【{answer.answer}】\n")
            for number, item in enumerate(answer.items, 1):
                evidence = f"：{item['sentence']}" if item.get("sentence") else ""  # list_notices
                print(f"  {number}. {item['text']}{evidence}  [{item['citation'] + 1}]")
                if item.get("measures"):
                    print(f"     整改措施 / measures: {item['measures']}")
                if item.get("progress"):
                    print(f"     整改进展 / stated progress: {item['progress']}")
            if answer.items:
                print()
        if "generated" in out:
            generated = out["generated"]
            print(f"生成的回答 / generated ({generated['model']}): {generated['text'] or generated['error']}\n")
        _print_hits(answer.citations, (answer.sentence_hit, answer.start, answer.end))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print the quality figures on a labelled question file."""
    from index.answer.evaluate import evaluate, load_questions

    try:
        questions = load_questions(args.questions)
    except (OSError, ValueError) as exc:
        raise IndexError_(f"无法读取问题文件 / cannot read questions: {exc}") from exc
    from index.analysis.related import related_documents

    searcher = _searcher(args)

    def related(query: str, k: int) -> list[str]:
        return related_documents(searcher, query, k)

    report = evaluate(searcher, questions, related=related)
    if args.json:
        _dump(report)
        return 0
    for row in report["questions"]:
        if args.verbose:
            print(json.dumps(row, ensure_ascii=False))
    print(f"questions: {report['count']} single ({report['count_fact']} fact), {report['count_multi']} multi")
    keys = ["recall@5", "mrr@10", "answer_hit@5", "answer_accuracy", "answer_accuracy_paraphrase", "not_found",
            "multi_recall@10"]
    if report["count_unanswerable"]:
        keys.append("unanswerable_not_found")
    for key in keys:
        print(f"{key:18s} {report[key]:.4f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m index``."""
    parser = argparse.ArgumentParser(prog="python -m index", description="Search, ask and compare inspection notices.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("doc", help="print one document as ingested")
    p.add_argument("doc_id")
    add_index_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_doc)

    for name, func, help_text in (("search", cmd_search, "passages for a query"),
                                  ("ask", cmd_ask, "an extractive answer with citations")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("query", nargs="?", help="the question or keywords")
        p.add_argument("--queries", type=Path, help="JSON lines with qid and query; one output line each")
        add_index_arg(p)
        p.add_argument("--top", type=int, default=10 if name == "search" else 5)
        if name == "search":
            p.add_argument("--per-doc", type=int, default=3, help="passages per document at most (0: no cap)")
        p.add_argument("--json", action="store_true")
        if name == "ask":
            p.add_argument("--generate", action="store_true",
                           help="also ask the OpenAI-compatible endpoint in NOTICE_LLM_URL (beside, never instead)")
        add_filter_args(p)
        p.set_defaults(func=func)

    p = sub.add_parser("evaluate", help="quality figures on a labelled question file")
    p.add_argument("questions", type=Path)
    add_index_arg(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--verbose", action="store_true", help="one line per question")
    p.set_defaults(func=cmd_evaluate)

    from index.cli.findings import register

    register(sub)
    from .milvus_export import register as register_export

    register_export(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m index``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("search", "ask") and not args.queries and args.query is None:
        parser.error(f"{args.command}: give a QUERY or --queries FILE")
    if args.command in ("search", "ask", "related") and args.top < 1:
        parser.error(f"--top must be a positive number of results, got {args.top}")
    if getattr(args, "per_doc", 0) < 0:
        parser.error(f"--per-doc must be a positive number of passages (or 0 for no cap), got {args.per_doc}")
    if getattr(args, "query", None) is not None:
        args.query = _query_text(args.query)
    if getattr(args, "queries", None) is not None and not args.queries.is_file():
        print(f"error: 查询文件不存在 / no such query file: {args.queries}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except IndexError_ as exc:
        print(error_line(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
