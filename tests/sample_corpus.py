"""What the sample corpus (``corpus/``, ingested by ``make run``) must show, read off its real notices.

The seed's problems against the feedback notice n0242 (姜南社区): three real pairs, each
checked by reading both texts — the seed's label and the problem n0242 states.
"""

COMPARE_B = "n0242"
EXPECTED_PAIRS = [
    ("问题3", "意识形态工作未得到重视"),
    ("问题11", "从严治党两个责任落实不到位"),
    ("问题25", "财务管理不规范"),
]
