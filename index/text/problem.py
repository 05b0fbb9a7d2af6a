"""Whether a heading states a problem: part of the index's analysis of findings.

Used by the ingest's structure parser and by the findings search alike.
"""

from __future__ import annotations

import re

#: Wording that states a problem (the notice's criticism), as opposed to a
#: measure ("加强组织领导").  Deliberately leaves out words common in
#: measures too: 问题 (聚焦问题抓整改), 风险 (防范风险), 形式主义 (力戒形式主义).
PROBLEM_CUE = re.compile(
    r"不(?:到位|够|足|深|透|实|细|严|力|强|高|优|全|准|清|精准|规范|充分|平衡|明显|及时|彻底"
    r"|健全|完善|扎实|合理|有力|牢|紧|畅|当|佳|好|得力|落实)"
    r"|差距|短板|弱项|薄弱|缺乏|缺失|缺位|欠缺|有待|亟需|亟待|滞后|偏差|偏弱|弱化|虚化|淡化"
    r"|温差|落差|乏力|流于形式|走过场|打折扣|松懈|宽松软|衰减|失之于|模糊|盲区|空白"
    r"|仍然存在|依然存在|存在[^。,]{1,20}(?:问题|现象|情况|倾向|隐患|漏洞)"
    r"|关于[“\"][^”\"]+[”\"](?:的)?问题"
)
#: A leading clause naming the problem that a measure addresses.
_ADDRESSED = re.compile(r"^(?:针对|对于|对照|围绕|聚焦|就)[^,。]*(?:,|$)")


def states_problem(heading: str) -> bool:
    """True when a heading sentence states a problem (``…不到位``, ``…存在短板``).

    A leading ``针对…,`` clause is ignored: it names the problem a measure
    answers ("针对…不到位的问题,建立…"), which makes the heading a measure.
    """
    return bool(PROBLEM_CUE.search(_ADDRESSED.sub("", heading, count=1)))
