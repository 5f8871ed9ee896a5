"""How to talk to a complaining customer (domain §6): the handling principles and one scripted
approach per typical case.

These are the dealer's own working texts, written in Chinese as the staff read them (like the
contact center's default call scripts), not interface strings to translate.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import TypicalCase

# The principles of handling a complaint, in the order they apply during a conversation.
PRINCIPLES: list[tuple[str, str]] = [
    ("先处理情绪，再处理事情", "客户情绪激动时先安抚、表示理解，待情绪平复后再谈具体问题。"),
    ("第一时间响应", "接到抱怨立即回应，不拖延、不推诿，明确告知客户由谁负责、何时答复。"),
    ("耐心倾听", "让客户把话说完，不打断、不争辩，记录客户的原话和诉求。"),
    ("认同与致歉", "认同客户的感受，对给客户带来的不便真诚致歉，但不轻易承认责任。"),
    ("不过度承诺", "只承诺能做到的事情和时间，超出权限的事项先请示再答复。"),
    ("持续反馈", "处理过程中主动、按时向客户通报进展，即使暂无结果也要告知。"),
    (
        "必要时请上级介入",
        "问题复杂、客户不接受或属重要投诉时，及时请服务经理、总经理或厂家CRC介入。",
    ),
    ("争取双赢", "在政策范围内寻找客户与经销商都能接受的方案，维护长期客户关系。"),
]


@dataclass(frozen=True)
class CaseScript:
    case: str
    label: str
    steps: list[str]


# One approach per typical case: what to say and do, step by step.
CASE_STEPS: dict[str, list[str]] = {
    TypicalCase.NEW_CAR_MINOR_FAULT: [
        "理解客户买新车就出问题的失望心情：“您刚提车就遇到这个问题，换作是我也会很着急。”",
        "请客户尽快到店，优先安排接车和技术诊断，必要时提供代步车或上门取送车。",
        "向客户说明故障原因和维修方案，强调按厂家质量担保标准免费处理，并承诺维修质量。",
        "不主动承诺退换车；如客户提出，说明需按国家三包规定和厂家政策评估，并报厂家CRC。",
        "修复后由服务经理亲自交车，三日内回访确认车辆正常。",
    ],
    TypicalCase.VAGUE_REPEATED_FAULT: [
        "耐心倾听并逐条记录：故障出现的时间、车速、路况、天气、频率，以及此前每次维修的结果。",
        "向客户致歉：“同一个问题让您多次跑店，确实给您添麻烦了。”",
        "安排技术经理或技术总监试车，必要时与客户同车再现故障，读取故障码并查阅维修记录。",
        "仍无法确诊时，申请厂家区域服务经理或技术支持协助，并告知客户下一次反馈的时间。",
        "修复后延长观察期，按约定时间持续回访，直至客户确认故障不再出现。",
    ],
    TypicalCase.WARRANTY_JUST_EXPIRED: [
        "认同客户的心情：“车辆刚过保修期就出现问题，您的心情我们非常理解。”",
        "核实购车日期、行驶里程、保养记录，确认是否按时在本店保养、是否有改装或使用不当。",
        "说明保修政策的规定，不否定、不争辩；对符合条件的客户，向厂家申请善意维修（商誉补偿）。",
        "厂家未批准时，提供店内优惠方案（如工时费减免、配件折扣），由客户选择。",
        "答复时间明确告知客户，未获批准前不承诺免费。",
    ],
    TypicalCase.QUALITY_ASSESSMENT: [
        "先了解客户要求质量鉴定的原因和期望的结果，安抚情绪。",
        "说明车辆已超出保修期，鉴定应由具备资质的第三方检测机构进行，费用及责任承担按鉴定结论确定。",
        "店内先做免费检测，向客户出具检测报告并解释故障原因，争取在鉴定前达成一致。",
        "客户坚持鉴定时，协助联系检测机构并保留旧件和维修记录；同时报厂家CRC备案。",
        "涉及媒体、律师、消协或政府部门时，立即按重要投诉上报总经理和厂家。",
    ],
}


def complaint_scripts(typical_case: str = "") -> list[CaseScript]:
    """The four cases' scripts, the complaint's own case first."""
    scripts = [
        CaseScript(case=case.value, label=str(case.label), steps=CASE_STEPS[case])
        for case in TypicalCase
    ]
    scripts.sort(key=lambda script: script.case != typical_case)
    return scripts
