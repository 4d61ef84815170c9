"""The centre's first caller tags (来电人标签); the admin edits them afterwards. Existing names are left alone."""

from django.db import migrations

#: (name, description, sensitive), in the order agents see them.
TAGS = [
    ("老年人", "放慢语速、耐心解释，必要时请家属协助", False),
    ("残疾人", "优先办理，主动询问是否需要上门或代办", False),
    ("听障（请用短信）", "听力障碍：请以短信联系、告知进度和回访", False),
    ("视障", "视力障碍：请电话告知，勿只发短信或链接", False),
    ("外地来电", "非本市来电人，核实事发地是否在本市", False),
    ("外籍人士", "可能需要外语服务", False),
    ("企业", "以企业名义反映（营商环境诉求）", False),
    ("人大代表、政协委员", "按代表委员来电流程办理，及时报告", False),
    ("媒体记者", "注意口径，按新闻舆情流程报告", False),
    ("多次来电", "同一诉求反复来电，先查看历史工单和办理进度", False),
    ("情绪激动（注意安抚）", "先安抚情绪再登记诉求", False),
    ("恶意骚扰", "曾无正当诉求反复占线或辱骂坐席；礼貌告知后可结束通话", True),
    ("辱骂坐席", "曾辱骂坐席，注意录音留证", True),
]


def seed(apps, schema_editor):  # noqa: ANN001, ANN201
    CallerTag = apps.get_model("callers", "CallerTag")
    for order, (name, description, sensitive) in enumerate(TAGS, 1):
        CallerTag.objects.get_or_create(name=name, defaults={
            "description": description, "is_sensitive": sensitive, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("callers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
