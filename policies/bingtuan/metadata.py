"""What both versions of the 兵团 text share: the region, the subjects, the four levels."""

from __future__ import annotations

from qcredit.core.contract import Level
from qcredit.core.model import SubjectType

ENTERPRISES = frozenset({SubjectType.ENTERPRISE})

# GB/T 2260 codes of the Corps' division-cities (师市合一).  The Corps and its divisions have no
# codes of their own; the "66" prefix some national systems use is unconfirmed and not a GB/T 2260
# province, so the core refuses it as a region code — it is not accepted here either.
DIVISION_CITIES = tuple(f"6590{n:02d}" for n in range(1, 13))

LEVELS = (
    Level(
        "A",
        "信用风险低",
        1,
        "green",
        "第十一条：得分90（含）以上且同时具备（二）至（九）",
        ENTERPRISES,
    ),
    Level(
        "B",
        "信用风险一般",
        2,
        "blue",
        "第十二条：得分80（含）～90且同时具备（二）至（五）",
        ENTERPRISES,
    ),
    Level(
        "C",
        "信用风险较高",
        3,
        "yellow",
        "本地默认：得分60（含）～80，或不具备B级条件",
        ENTERPRISES,
    ),
    Level("D", "信用风险高", 4, "red", "本地默认：得分60以下，或严重失信等严重情形", ENTERPRISES),
)
