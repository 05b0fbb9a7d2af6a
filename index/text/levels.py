"""Which level of inspection a notice is about: 中央巡视, 省委 (自治区党委) 巡视, 市委巡察, 县委 (区委) 巡察.

The level is the first thing a reader sorts these notices by (哪些材料涉及省委巡视组对高校开展巡视…); a notice
states it as its inspecting body (十届安徽省委首轮巡视, 省委第十巡视组, 中央第五巡视组), which a long question
shares with hundreds of other words.  Pure functions over the text.
"""

from __future__ import annotations

import re
from collections import Counter

_N = "[一二三四五六七八九十百零〇\\d]{1,3}"
#: After the body: nothing, or its round or group number (省委首轮巡视, 省委第十巡视组, 中央第五巡视组).
_BETWEEN = f"(?:第{_N}轮|首轮|新一轮|本轮|第{_N})?"
#: Level → (its inspecting bodies, its word for inspection).
LEVELS = {"中央": ("中央", "巡视"), "省": ("省委|自治区党委", "巡视"), "市": ("市委|州委|盟委", "巡察"),
          "县": ("县委|区委|旗委", "巡察")}
_IN_NOTICE = {level: re.compile(f"(?:{bodies}){_BETWEEN}{word}") for level, (bodies, word) in LEVELS.items()}
#: In a question the body and the word may stand a few characters apart (省委(含自治区党委)巡视组,
#: 山东省委召开过巡视工作), but not across a sentence.
_IN_QUESTION = {level: re.compile(f"(?:{bodies})[^。？?！!；;]{{0,8}}?{word}")
                for level, (bodies, word) in LEVELS.items()}


def level_mentions(text: str) -> Counter[str]:
    """Level → how many times ``text`` names an inspecting body of it (省委第十巡视组, 县委巡察 …)."""
    return Counter({level: n for level, pattern in _IN_NOTICE.items() if (n := len(pattern.findall(text)))})


def asked_levels(question: str) -> list[str]:
    """The levels of inspection a question asks about (省委或自治区党委的巡视组 → 省); 中央八项规定 is none."""
    return [level for level, pattern in _IN_QUESTION.items() if pattern.search(question)]
