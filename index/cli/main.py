"""``python -m index COMMAND``: read, search, ask and evaluate an index.

Commands: ``doc``, ``search``, ``ask``, ``evaluate`` (here) and the
finding-level ``compare``, ``related``, ``themes`` (:mod:`index.cli.findings`).
Errors print one clear line and exit non-zero; no tracebacks.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from index.cli.common import add_filter_args, add_index_arg, dump, filters_from
from index.cli_text import install as install_chinese
from index.cli_text import json_reason, kind_name, os_reason
from index.errors import IndexError_, error_line, store_io_error
from index.shown import passage_view, restore, shown_map

if TYPE_CHECKING:
    from index.answer.reader import Answer

#: Chinese names of the quality figures ``evaluate`` prints (the keys are those of its JSON).
METRIC_NAMES = {
    "recall@5": "前 5 段召回率",
    "mrr@10": "前 10 段平均倒数排名",
    "answer_hit@5": "前 5 段含答案的比例",
    "answer_accuracy": "答案正确率",
    "answer_accuracy_paraphrase": "答案正确率（换个说法的问题）",
    "not_found": "答“未找到”的比例",
    "multi_recall@10": "跨篇问题前 10 篇召回率",
    "unanswerable_not_found": "无答案问题答“未找到”的比例",
}

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
                    raise IndexError_(f"{path}:{number}: 不是一行 JSON（{json_reason(exc)}）") from exc
                except RecursionError as exc:
                    raise IndexError_(f"{path}:{number}: JSON 嵌套过深") from exc
                if not isinstance(row, dict) or "query" not in row:
                    raise IndexError_(f"{path}:{number}: 缺少 \"query\" 字段")
                if not isinstance(row["query"], str):
                    raise IndexError_(f"{path}:{number}: \"query\" 字段不是字符串")
                row["query"] = _query_text(row["query"])
                if isinstance(row.get("qid"), str):
                    row["qid"] = _query_text(row["qid"])
                rows.append(row)
    except UnicodeDecodeError as exc:
        raise IndexError_(f"{path}: 不是 UTF-8 文本（第 {exc.start} 字节无法解码）") from exc
    except OSError as exc:
        raise IndexError_(f"{path}: 无法读取（{os_reason(exc)}）") from exc
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
        raise NotFound(f"索引中没有编号为 {args.doc_id!r} 的通报（共 {len(data.documents)} 篇）：{args.index}")
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
        print(f"{doc.title}\n{doc.org}  {doc.date or doc.signed_date}  {kind_name(doc.kind)}  {doc.url}\n")
        for f in doc.findings:
            print(f"  [{f.label}] {restore(doc, f.heading, f.start)}")
        print("\n" + (shown_map(doc).shown))  # the notice's own characters (see index.shown)
    return 0


def _print_hits(hits: list, documents: Mapping, marked: tuple[int, int, int] | None = None) -> None:
    """Ranked passages in the notices' own characters; ``marked`` (rank, start, end) puts 【】 round the answer."""
    for rank, hit in enumerate(hits, 1):
        text, to_shown = passage_view(documents.get(hit.doc_id), hit.text, hit.start)
        if marked and marked[0] == rank - 1:
            lo, hi = to_shown(marked[1]), to_shown(marked[2])
            text = f"{text[:lo]}【{text[lo:hi]}】{text[hi:]}"
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
        print("没有结果" + ("；可以去掉筛选条件再试" if filters.active else ""))
    else:
        _print_hits(hits, searcher.documents)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question or a file of questions (plus a generated answer with --generate)."""
    from index.answer.generate import generate, llm_config
    from index.answer.reader import Answerer

    searcher = _searcher(args)
    answerer = Answerer(searcher)
    documents = searcher.documents
    filters = filters_from(args)
    llm = llm_config() if args.generate else None
    if args.generate and llm is None:
        print("提示：--generate 需要设置 NOTICE_LLM_URL（与 OpenAI 接口兼容的服务地址）；只给出摘取的答案",
              file=sys.stderr)

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
        print("没有找到答案" + ("；可以去掉筛选条件再试" if filters.active else ""))
    else:
        if answer.no_answer:
            print("语料中未找到明确答案。下面是最接近的段落：\n")
        else:
            source = answer.citations[answer.sentence_hit] if 0 <= answer.sentence_hit < len(answer.citations) else None
            source_doc = documents.get(source.doc_id) if source else None
            if answer.short_answer:
                print(f"简答：{restore(source_doc, answer.short_answer)}")
            sentence = answer.answer
            if source is not None:
                text, to_shown = passage_view(source_doc, source.text, source.start)
                sentence = text[to_shown(answer.start):to_shown(answer.end)] or sentence
            print(f"答案：【{sentence}】\n")
            for number, item in enumerate(answer.items, 1):
                cited = answer.citations[item["citation"]] if 0 <= item["citation"] < len(answer.citations) else None
                doc = documents.get(cited.doc_id) if cited else None
                evidence = f"：{restore(doc, item['sentence'])}" if item.get("sentence") else ""  # list_notices
                print(f"  {number}. {restore(doc, item['text'])}{evidence}  [{item['citation'] + 1}]")
                if item.get("measures"):
                    print(f"     整改措施：{restore(doc, item['measures'])}")
                if item.get("progress"):
                    print(f"     整改进展：{restore(doc, item['progress'])}")
            if answer.items:
                print()
            _print_confidence(answer, documents)
        if "generated" in out:
            generated = out["generated"]
            print(f"生成的回答（{generated['model']}）：{generated['text'] or generated['error']}\n")
        _print_hits(answer.citations, documents, (answer.sentence_hit, answer.start, answer.end))
    return 0


def _print_confidence(answer: Answer, documents: Mapping) -> None:
    """How sure the answer is; for an unsure one, the other possible answers with their sources."""
    if answer.confidence is None:
        return
    if answer.sure:
        print(f"把握较大（置信度 {answer.confidence:.0%}）\n")
        return
    print(f"把握不大（置信度 {answer.confidence:.0%}）：以上是最可能的答案，请核对原文。")
    if answer.caution:
        print(f"  注意：{answer.caution}，答案可能不是所问的那次巡视巡察。")
    for number, cand in enumerate(answer.candidates, 1):
        source = cand["citation"].get("title") or cand["citation"].get("doc_id", "")
        shown = restore(documents.get(cand["citation"].get("doc_id")), cand["answer"])
        print(f"  其他可能 {number}（置信度 {cand['confidence']:.0%}）：【{shown}】 —— {source}")
    print()


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print the quality figures on a labelled question file."""
    from index.answer.evaluate import evaluate, load_questions

    try:
        questions = load_questions(args.questions)
    except (OSError, ValueError) as exc:
        raise IndexError_(f"无法读取问题文件：{exc}") from exc
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
    print(f"问题：单篇 {report['count']} 个（其中事实题 {report['count_fact']} 个），跨篇 {report['count_multi']} 个")
    keys = ["recall@5", "mrr@10", "answer_hit@5", "answer_accuracy", "answer_accuracy_paraphrase", "not_found",
            "multi_recall@10"]
    if report["count_unanswerable"]:
        keys.append("unanswerable_not_found")
    for key in keys:
        print(f"{key:28s} {report[key]:.4f}  {METRIC_NAMES.get(key, '')}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m index`` (help and usage errors in Chinese, see :mod:`index.cli_text`)."""
    install_chinese()
    parser = argparse.ArgumentParser(prog="python -m index", description="检索、问答和比对巡视巡察通报。")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令", title="命令（每个命令加 -h 查看说明）")

    p = sub.add_parser("doc", help="显示一篇已导入的通报", description="显示一篇已导入的通报：元数据、问题清单和全文。")
    p.add_argument("doc_id", metavar="通报编号", help="通报的编号（例如 n0001 或 seed）")
    add_index_arg(p)
    p.add_argument("--json", action="store_true", help="以一行 JSON 输出")
    p.set_defaults(func=cmd_doc)

    for name, func, help_text in (("search", cmd_search, "检索与查询相关的段落"),
                                  ("ask", cmd_ask, "回答问题：从通报原文中摘取答案并注明出处")):
        p = sub.add_parser(name, help=help_text, description=help_text + "。")
        p.add_argument("query", nargs="?", metavar="查询", help="问题或关键词")
        p.add_argument("--queries", type=Path, metavar="文件",
                       help="JSON Lines 文件，每行含 qid 和 query；每个查询输出一行 JSON")
        add_index_arg(p)
        p.add_argument("--top", type=int, default=10 if name == "search" else 5, metavar="数量",
                       help="最多返回的段落数（默认：%(default)s）")
        if name == "search":
            p.add_argument("--per-doc", type=int, default=3, metavar="数量",
                           help="每篇通报最多返回的段落数（0：不限；默认：%(default)s）")
        p.add_argument("--json", action="store_true", help="以 JSON 输出")
        if name == "ask":
            p.add_argument("--generate", action="store_true",
                           help="另外请 NOTICE_LLM_URL 指向的 OpenAI 兼容服务生成回答（与摘取的答案并列，不替代它）")
        add_filter_args(p)
        p.set_defaults(func=func)

    p = sub.add_parser("evaluate", help="在标注好的问题文件上计算质量指标",
                       description="在标注好的问题文件上计算检索和问答的质量指标。")
    p.add_argument("questions", type=Path, metavar="问题文件", help="标注好的问题（JSON Lines）")
    add_index_arg(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--verbose", action="store_true", help="每个问题输出一行")
    p.set_defaults(func=cmd_evaluate)

    from index.cli.findings import register

    register(sub)
    from .milvus_export import register as register_export

    register_export(sub)
    from index.cli.check import register as register_check

    register_check(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m index``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("search", "ask") and not args.queries and args.query is None:
        parser.error(f"{args.command}：请给出查询（问题或关键词），或用 --queries 文件")
    if args.command in ("search", "ask", "related") and args.top < 1:
        parser.error(f"--top 必须是正整数（返回的结果数），而不是 {args.top}")
    if getattr(args, "per_doc", 0) < 0:
        parser.error(f"--per-doc 必须是正整数（每篇通报的段落数，0 表示不限），而不是 {args.per_doc}")
    if getattr(args, "date_from", None) is not None:
        from index.filters import BadFilter

        try:
            filters_from(args)
        except BadFilter as exc:  # the same usage error on both backends
            parser.error(str(exc))
    if getattr(args, "query", None) is not None:
        args.query = _query_text(args.query)
    if getattr(args, "queries", None) is not None and not args.queries.is_file():
        print(f"error: 查询文件不存在：{args.queries}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except IndexError_ as exc:
        print(error_line(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file the command reads or writes: full disk, permissions, name too long
        print(error_line(store_io_error(exc, "读写")), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
