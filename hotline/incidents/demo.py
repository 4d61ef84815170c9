"""The demo centre's incident (突发事件): a water outage in 桂花坪街道 of A2区 while the water company repairs a
main, published with its answer script and a public notice, through the real services. Loading the demo
again changes nothing: once any incident exists, this step is skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from hotline.accounts.models import User
from hotline.core import clock
from hotline.incidents import services
from hotline.incidents.models import Incident
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category

logger = logging.getLogger(__name__)

#: The demo units (hotline/demo/orgs.py codes): the street without water and the water company.
STREET, WATER = "S-A2-01", "UTIL-WATER"
CATEGORY = "城乡建设/城市建设和市政管理/自来水供应"
TITLE = "A2区桂花坪街道因供水管网抢修临时停水"
SCRIPT = ("您好，A2区桂花坪街道部分区域因市政供水主管道爆管，A市水务集团正在全力抢修，"
          "抢修期间该区域停水或水压偏低。预计恢复供水时间以水务集团公告为准，届时将逐步恢复，"
          "恢复初期水质可能浑浊，请放水片刻后再使用。如需临时用水，可到社区设置的送水点取水；"
          "如发现其他地点漏水，请告诉我们具体位置。感谢您的理解。")
NOTICE = ("因市政供水主管道爆管抢修，A2区桂花坪街道部分区域停水或水压偏低，A市水务集团正在全力抢修。"
          "社区已设置临时送水点。恢复供水初期水质可能浑浊，请放水片刻后再使用。此事已在处置中，无需重复来电反映。")


def load_incidents(*, now: datetime | None = None) -> Incident | None:
    """Publish the demo's water outage (once); returns it, or None when skipped."""
    if Incident.objects.exists():
        return None
    now = now or clock.now()
    street = HandlingUnit.objects.filter(code=STREET).first()
    water = HandlingUnit.objects.filter(code=WATER).first()
    actor = User.objects.filter(username="dispatcher").first()
    if street is None or actor is None:
        logger.info("demo incident skipped: unit %s or user dispatcher missing", STREET)
        return None
    data = services.IncidentData(
        title=TITLE, script=SCRIPT, public_notice=NOTICE, keywords="停水 没水 断水 水压低 水压小 没有水",
        category=Category.objects.filter(full_name=CATEGORY).first(), areas=[street], lead_unit=water,
        starts_at=now - timedelta(hours=3), expected_end=now + timedelta(hours=45))
    with clock.frozen(now - timedelta(hours=2, minutes=40)):
        incident = services.create_incident(data, actor=actor)
    with clock.frozen(now - timedelta(hours=2, minutes=30)):
        return services.publish(incident, actor=actor)
