"""What the demo's people write at each step (UI-facing Chinese texts)."""

from __future__ import annotations

from hotline.tickets.choices import NotAcceptedReason

QUESTIONS = (
    "请补充具体地址（小区名称、楼栋号）及问题发生的时间段。",
    "请提供相关票据、合同或照片等证明材料。",
    "请补充被投诉单位的准确名称及联系方式。",
    "请说明问题持续的时间以及此前是否向其他部门反映过。",
)
EXTENSION_REASONS = (
    "需协调多个部门现场会商，无法在原时限内办结。",
    "涉及历史遗留问题，需调阅档案核实。",
    "需委托第三方检测，检测周期较长。",
    "当事企业负责人外出，需约谈后方能处理。",
)
RETURN_REASONS = {
    "duty": "经核实，该诉求事项不属于我单位法定职责，建议改派相关主管部门。",
    "area": "经核实，事发地点不在我单位辖区范围内，请核实地址后改派。",
    "reject": "经核实，该事项不属于我单位职责，请中心重新研判。",
    "unclear": "工单未写明具体地点和诉求事项，无法联系群众核实，请中心核实后重新派单。",
}
FORWARD_NOTE = "经核实，事发地点在{street}辖区，请街道安排人员现场核实处理，并在答复时限内答复群众。"
ACCEPT_RETURN_NOTE = "经审核，退单理由成立，已按职责改派。"
REJECT_RETURN_NOTE = "经审核，该诉求属于贵单位职责范围（依据派单目录），退单理由不成立，请依职责办理。"
DENY_EXTENSION_NOTE = "延期理由不充分，请按原时限办结。"
UNREASONABLE_REASONS = (
    "诉求人要求政府承担其个人商业投资损失，超出政府职责范围，已多次解释。",
    "诉求人要求立即拆除合法审批的建筑，于法无据，已耐心解释政策。",
    "诉求人就同一事项反复来电，要求超出政策标准的补偿，已依法依规答复。",
)
UNREASONABLE_DECISIONS = {True: "经审核，认定为不合理诉求，不纳入考核。", False: "经审核，诉求具有合理性，请继续办理。"}
APPEAL_REASONS = (
    "群众不满意系因诉求超出政策规定，我单位已依法依规办理，申请考核免责。",
    "超期系因群众要求延后上门时间所致，已有通话记录为证，申请核减。",
)
APPEAL_DECISIONS = {True: "经复核，申诉理由成立，该工单不计入考核扣分。", False: "经复核，申诉理由不成立，维持原考核结果。"}
SIGN_REMINDER = "该工单已超过签收时限，请立即签收并安排办理。"
REPLY_REMINDER = "该工单已超过答复时限，请抓紧办理并及时答复群众。"
SUPERVISION_NOTES = {
    2: "工单长期未办结，群众反复来电，提请区政府督办，请主要负责人亲自协调。",
    3: "经区级督办仍未办结，提请市政府督办，限三个工作日内报送办理结果。",
}
SEND_BACK_REASONS = (
    "答复内容过于笼统，未说明具体处理措施和结果，请重新办理。",
    "答复未回应群众核心诉求，请与群众联系后重新答复。",
    "答复套用官方辞令，缺少处理时限和责任人，请补充。",
)
REDO_REPLY = "经重新核实并与群众电话沟通，我单位已于近日安排专人到现场处理，问题已整改到位，群众认可处理结果。"
ASSIST_OPINION = "协办意见：我单位已配合主办单位到现场核查，相关情况已反馈主办单位，将继续做好属地配合工作。"
UNRESOLVED_REASON = "涉及历史遗留问题，需多部门协调并纳入年度计划逐步解决，已向群众解释。"
VISIT_NO_CONTACT = "回访电话无人接听，择期再次回访。"
VISIT_NEVER_REACHED = "回访电话仍无人接听，短信提醒亦未回复。"
VISIT_UNSATISFIED = "群众表示问题仍未解决，对办理结果不满意。"
REOPEN_REASON = "群众来电反映问题再次出现，经核实重新启用工单。"
TRANSFER_NOTES = {
    "110": "涉及治安警情，已一键转接110并三方通话确认。",
    "119": "涉及火情隐患，已转接119并告知群众注意安全。",
    "120": "涉及人员伤病，已转接120急救中心。",
    "122": "涉及交通事故，已转接122交通事故报警台。",
}
NOT_ACCEPTED_NOTES = {
    NotAcceptedReason.LEGAL_CHANNEL: "该事项已进入诉讼程序，已告知群众通过司法途径解决。",
    NotAcceptedReason.REPEAT: "同一诉求已在办理中且无新情况，已告知群众办理进度。",
    NotAcceptedReason.SECRET: "诉求涉及他人隐私信息查询，依规不予受理。",
    NotAcceptedReason.OUTSIDE_DUTY: "诉求属民事合同纠纷，不属于政府职责范围，已告知可向人民调解委员会申请调解。",
    NotAcceptedReason.UNLAWFUL: "诉求内容违反法律法规，依规不予受理。",
    NotAcceptedReason.OTHER: "诉求内容不完整且无法联系群众核实，已短信告知补充后重新反映。",
}
DIRECT_ANSWER_PREFIX = "根据知识库答复："
DIRECT_ANSWER_FALLBACK = "您咨询的事项可登录A市政务服务网查询办事指南，或携带身份证到所在区政务服务中心窗口办理。"


def template_reply(title: str, unit: str) -> str:
    """A unit's reply when no real reply fits the order."""
    return (f"您好！您反映的“{title}”问题已收悉。经{unit}调查核实，现答复如下：我单位已安排工作人员"
            "到现场核实，并与您电话沟通了处理意见，相关问题已按规定处理。感谢您对我们工作的理解和支持。")
