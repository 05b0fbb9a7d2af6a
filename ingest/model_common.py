"""What the model set-up and the ONNX export share: the e5 prompts, the check texts, the atomic folder switch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from index.config import E5_PASSAGE_PREFIX, E5_QUERY_PREFIX

#: The sentence-transformers prompts written into the converted model (``prompt_name`` → prefix).
PROMPTS = {"query": E5_QUERY_PREFIX, "passage": E5_PASSAGE_PREFIX}

# Texts embedded by both engines to prove the conversion (prompt name, text).
CHECK_TEXTS: list[tuple[str, str]] = [
    ("query", "违规发放津贴补贴"),
    ("query", "how much protein should a woman eat per day"),
    ("passage", "市委第三巡察组对市委宣传部进行了巡察"),
    ("passage", "公布信访举报电话，接受干部群众监督。"),
    ("passage", "整改期间，清退违规发放的津贴补贴12.5万元，追责问责3人。"),
    (
        "passage",
        "The CDC's average protein requirement for women aged 19 to 70 is 46 grams per day.",
    ),
]


def replace_folder(tmp: Path, final: Path) -> None:
    """Put the finished folder ``tmp`` at ``final``: readable by all, switched by renames, old copy removed.

    A crash leaves either the previous folder or the new one in place, never half of one.
    """
    tmp.chmod(0o755)  # mkdtemp makes it private; the model is not a secret
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old.{os.getpid()}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
