"""The centre's first checklist (质检评分表): the items a 12345 intake record is inspected against.

Edited afterwards in the admin; an item the centre has changed or switched off is left as it is.
"""

from django.db import migrations

#: (code, name, guidance, max points, applies to, fatal, order)
CRITERIA = [
    ("ELEMENTS", "诉求要素齐全（时间、地点、事件、诉求）",
     "诉求内容应写明事发时间、具体地点、发生了什么以及群众的具体诉求；缺一项扣 5 分。", 20, "all", False, 10),
    ("TITLE", "标题概括准确",
     "标题应一句话概括事项和地点（如「XX小区3栋楼道灯不亮」），不得照抄原话或只写「咨询」「投诉」。", 10, "all", False, 20),
    ("TYPE", "诉求类型准确",
     "咨询、求助、投诉、举报、建议、表扬的区分应与群众实际诉求一致。", 10, "all", False, 30),
    ("CATEGORY", "分类准确",
     "诉求分类应选到最末级且与事项相符；错分会导致派错单位。", 15, "all", False, 40),
    ("ADDRESS", "事发地址与区域准确",
     "事发地址应具体到门牌、小区或路段，区、街道、社区应与地址一致；地址不清导致退单的扣满分。", 15, "all", False, 50),
    ("URGENCY", "紧急程度判断准确",
     "涉及人身安全、停水停电停气、群体性事件等应标为紧急；把一般事项标为紧急同样扣分。", 15, "all", False, 60),
    ("LANGUAGE", "记录规范、语句通顺",
     "使用书面语，无错别字、无口语化和情绪化表述，不加入受理员个人判断。", 5, "all", False, 70),
    ("ANSWER", "直接答复准确且有依据",
     "直接答复应依据知识库或政策文件，内容准确完整并注明依据；答复错误致群众再次来电的扣满分。", 30, "direct_answer",
     False, 80),
    ("DISPATCH", "应直接答复而转派单",
     "知识库能答复的政策咨询应当场答复，不应转派单位。", 10, "dispatch", False, 90),
    ("TRANSFER", "转应急/不予受理 正确",
     "转 110/119/120/122 或不予受理应符合规定情形，并记录告知群众的内容和理由。", 30, "transfer_refusal",
     False, 100),
    ("SECRET", "泄露保密信息",
     "在公开的诉求内容或标题中写入保密来电人的身份、举报人的姓名或电话等，属严重差错，整单 0 分。", 100, "all",
     True, 110),
]


def seed(apps, schema_editor):
    Criterion = apps.get_model("inspection", "Criterion")
    for code, name, guidance, points, scope, fatal, order in CRITERIA:
        Criterion.objects.get_or_create(code=code, defaults={
            "name": name, "guidance": guidance, "max_points": points, "applies_to": scope, "is_fatal": fatal,
            "sort_order": order, "is_active": True})


class Migration(migrations.Migration):
    dependencies = [("inspection", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
