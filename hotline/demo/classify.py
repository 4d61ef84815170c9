"""Which category a demo message belongs to, and which unit is responsible for it (谁主管、谁负责).

A small keyword classifier over the taxonomy's third-level nodes: it is only the demo's way of giving
each real message a plausible category; the product's own classifier lives elsewhere.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from hotline.taxonomy.models import Category

#: The seven first-level labels of the message file; each is a first-level node of the taxonomy.
LABELS = ("城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输")

#: Words that point at a third-level node, beyond the node's own name ("一级/二级/三级": words).
KEYWORDS: dict[str, str] = {
    "城乡建设/安全生产/事故处理": "事故 伤亡",
    "城乡建设/安全生产/安全隐患": "隐患 安全隐患 倒塌",
    "城乡建设/城市建设和市政管理/城管执法": "城管 占道 摆摊 流动摊贩 店外经营",
    "城乡建设/城市建设和市政管理/居民服务设施": "健身器材 便民 菜市场",
    "城乡建设/城市建设和市政管理/城市公共设施": "路灯 井盖 人行道 公厕 护栏",
    "城乡建设/城市建设和市政管理/公共汽车": "公交 公交车 站牌 线路",
    "城乡建设/城市建设和市政管理/公园管理": "公园",
    "城乡建设/城市建设和市政管理/冬季采暖": "暖气 供暖 采暖 集中供热",
    "城乡建设/城市建设和市政管理/园林绿化": "绿化 树木 砍树 草坪",
    "城乡建设/城市建设和市政管理/地铁城铁": "地铁 轨道交通",
    "城乡建设/城市建设和市政管理/基础设施": "道路 修路 下水道 排水 积水 管网 雨水",
    "城乡建设/城市建设和市政管理/小区管理": "小区 停车位 车库 门禁",
    "城乡建设/城市建设和市政管理/燃气供应": "燃气 天然气 煤气 管道气",
    "城乡建设/城市建设和市政管理/环境卫生": "垃圾 环卫 脏乱差 清扫",
    "城乡建设/城市建设和市政管理/电力供应": "停电 供电 电压 电费 电网 变压器",
    "城乡建设/城市建设和市政管理/自来水供应": "停水 自来水 水压 供水 水费 水质 水管",
    "城乡建设/城乡规划/规划方案": "规划",
    "城乡建设/城乡规划/违章建筑": "违建 违章建筑 违章搭建 私搭乱建 加建 乱搭",
    "城乡建设/城乡规划/容积挡光": "采光 挡光 容积率 日照",
    "城乡建设/村镇建设/新农村建设": "新农村 村道",
    "城乡建设/工程质量/施工安全": "施工 工地 渣土",
    "城乡建设/国有土地上房屋征收与补偿/房屋拆迁": "拆迁 征收 强拆",
    "城乡建设/国有土地上房屋征收与补偿/城镇危房改造": "危房",
    "城乡建设/国有土地上房屋征收与补偿/安置补偿": "安置 补偿款",
    "城乡建设/国有土地上房屋征收与补偿/棚户区和城中村改造": "棚改 棚户区 城中村",
    "城乡建设/集体土地上房屋拆迁与补偿/房屋拆迁": "集体土地 村民 宅基地",
    "城乡建设/建筑市场/工程招投标": "招标 投标",
    "城乡建设/建筑市场/拖欠工程款": "工程款",
    "城乡建设/住房保障与房地产/住房公积金": "公积金",
    "城乡建设/住房保障与房地产/保障性住房": "廉租房 公租房 保障房 经适房",
    "城乡建设/住房保障与房地产/物业服务": "物业 物业费 业委会 业主",
    "城乡建设/住房保障与房地产/房地产开发管理": "开发商 楼盘 交房 售楼 商品房",
    "城乡建设/住房保障与房地产/修缮装修": "装修 漏水 维修 电梯",
    "城乡建设/住房保障与房地产/房产证登记、办理": "房产证 不动产 产权证 办证",
    "城乡建设/住房保障与房地产/房屋租赁": "租房 租金 房东 出租",
    "劳动和社会保障/城镇居民社会保险/新农村合作医疗": "新农合 农合",
    "劳动和社会保障/城镇居民社会保险/城乡居民养老保险": "居民养老 农村养老",
    "劳动和社会保障/城镇居民社会保险/城镇居民医疗保险": "居民医保",
    "劳动和社会保障/城镇职工社会保险/职工养老保险": "养老保险 社保 缴费年限",
    "劳动和社会保障/城镇职工社会保险/职工工伤保险": "工伤",
    "劳动和社会保障/城镇职工社会保险/职工生育保险": "生育保险 生育津贴",
    "劳动和社会保障/城镇职工社会保险/职工医疗保险": "医保 医疗保险 报销",
    "劳动和社会保障/城镇职工社会保险/职工失业保险": "失业金 失业保险",
    "劳动和社会保障/工资福利/福利待遇": "福利 待遇 津贴",
    "劳动和社会保障/工资福利/工资调整": "调资 工资调整 涨工资",
    "劳动和社会保障/工资福利/住房公积金": "公积金",
    "劳动和社会保障/工资福利/工资发放": "工资 拖欠工资 欠薪 克扣",
    "劳动和社会保障/就业培训/就业和再就业": "就业 招聘 下岗",
    "劳动和社会保障/就业培训/职业培训": "培训",
    "劳动和社会保障/就业培训/职业技能鉴定": "职业资格 技能鉴定 证书",
    "劳动和社会保障/劳动保护/工作时间和休息休假": "加班 休假 双休 加班费",
    "劳动和社会保障/劳动保护/女工保护": "孕期 产假 哺乳",
    "劳动和社会保障/劳动关系/劳动合同纠纷": "劳动合同",
    "劳动和社会保障/劳动关系/非法用工": "童工 黑工",
    "劳动和社会保障/劳动关系/农民工权益": "农民工",
    "劳动和社会保障/劳动关系/劳务派遣纠纷": "派遣",
    "劳动和社会保障/劳动关系/辞职辞退": "辞退 开除 辞职 解雇",
    "劳动和社会保障/退休政策及待遇/退休人员待遇": "退休人员",
    "劳动和社会保障/退休政策及待遇/退休政策": "退休",
    "劳动和社会保障/退休政策及待遇/退休金发放": "退休金 养老金",
    "劳动和社会保障/退休政策及待遇/病退及提前退休人员待遇": "病退 提前退休",
    "教育文体/教师队伍和待遇/原民办代课教师": "代课 民办教师",
    "教育文体/教师队伍和待遇/工资福利": "教师工资 绩效 教师待遇",
    "教育文体/教育行政管理/学生负担": "补课 作业 负担",
    "教育文体/教育行政管理/教学管理": "教学 课程",
    "教育文体/教育行政管理/学历学位学籍管理": "学籍 学历 学位证 毕业证",
    "教育文体/教育行政管理/校园安全": "校园 校车 学生安全",
    "教育文体/教育行政管理/民办学校": "民办",
    "教育文体/教育行政管理/校外机构管理": "培训机构 培训班 辅导班",
    "教育文体/教育收费/乱收费": "乱收费 收费 资料费 补课费",
    "教育文体/教育体制/教育资源配置": "学区 划片 大班额 学位",
    "教育文体/考试招生/招生录取": "招生 入学 录取 报名",
    "教育文体/考试招生/考场考纪": "考试 作弊 考场",
    "教育文体/失学辍学/教育救助": "助学 贫困生",
    "教育文体/体育/体育事业": "体育 运动场",
    "教育文体/文化/公共文化": "图书馆 文化馆",
    "教育文体/文化/文化市场与文化执法": "网吧 KTV 演出",
    "教育文体/文物管理/文物保护": "文物 古建筑",
    "商贸旅游/旅游管理/景区管理": "景区 门票 景点",
    "商贸旅游/旅游管理/旅游市场管理": "旅游 旅行社 导游",
    "商贸旅游/市场监管/商标管理": "商标",
    "商贸旅游/市场监管/商品质量": "质量 假货 伪劣 冒牌 退货",
    "商贸旅游/市场监管/广告监管": "广告",
    "商贸旅游/市场监管/中介机构管理": "中介",
    "商贸旅游/市场监管/传销": "传销",
    "商贸旅游/市场监管/物价监督": "价格 涨价 收费 标价",
    "商贸旅游/质监检验检疫/特种设备管理": "电梯 锅炉 特种设备",
    "商贸旅游/质监检验检疫/产品质量监控": "产品质量",
    "环境保护/环保管理/环境监测": "监测",
    "环境保护/环保管理/环境执法": "执法 偷排",
    "环境保护/环境污染/噪音污染": "噪音 噪声 扰民 广场舞 轰鸣",
    "环境保护/环境污染/大气污染": "废气 粉尘 扬尘 油烟 烟尘 臭味 异味 焚烧 烟囱",
    "环境保护/环境污染/水污染": "污水 排污 废水 河水 黑臭",
    "环境保护/环境污染/固体污染": "垃圾 废渣 堆放",
    "环境保护/环境污染/土壤污染": "土壤 重金属",
    "环境保护/环境污染/危险化学品污染": "化工 化学品",
    "环境保护/环境污染/电磁污染": "基站 辐射 高压线",
    "环境保护/环境污染/生态破坏": "砍伐 采砂 毁林",
    "环境保护/建设项目审批/未批先建": "环评 未批先建",
    "卫生计生/公共卫生/疾病预防控制": "疫苗 疾控 传染 防疫",
    "卫生计生/人口计生/计划生育服务管理": "计划生育 准生证 生育证",
    "卫生计生/人口计生/失独家庭": "失独",
    "卫生计生/人口计生/违法生育": "超生 社会抚养费",
    "卫生计生/人口计生/独生子女父母奖励政策": "独生子女",
    "卫生计生/食品药品监管/食品安全": "食品 餐馆 餐饮 过期",
    "卫生计生/食品药品监管/药品和医疗器械管理": "药品 药店 药房",
    "卫生计生/食品药品监管/保健品化妆品管理": "保健品 化妆品",
    "卫生计生/医患纠纷/患者权益": "患者 病人",
    "卫生计生/医患纠纷/医疗事故争议": "医疗事故 误诊",
    "卫生计生/医政监管/非法行医": "非法行医 黑诊所",
    "卫生计生/医政监管/医疗收费": "医疗费 乱收费 收费",
    "卫生计生/医政监管/医疗机构管理": "医院 卫生院 诊所",
    "卫生计生/医政监管/医务人员管理": "医生 护士 医务人员",
    "交通运输/出租车管理/运价监管": "打表 拒载 绕路",
    "交通运输/出租车管理/网约车问题": "网约车 滴滴",
    "交通运输/出租车管理/行业监管": "出租车 的士",
    "交通运输/建设管理/设施维护": "路面 坑洼 破损",
    "交通运输/建设管理/规划建设": "修路 公路建设 道路建设",
    "交通运输/建设管理/公路收费": "收费站 过路费 高速",
    "交通运输/客货运输/货物运输": "货车 超载 渣土车",
    "交通运输/客货运输/旅客运输": "客车 班车 公交 车票",
    "交通运输/客货运输/运输安全": "安全",
    "交通运输/邮政管理/快递市场管理": "快递 包裹",
}
_GENERIC = {"其他", "管理", "问题", "服务", "政策", "建设"}


def _name_words(name: str) -> list[str]:
    """The name itself and its two-character pieces (except generic ones)."""
    pieces = {name[i:i + 2] for i in range(len(name) - 1)} - _GENERIC
    return [name, *sorted(pieces)] if name not in _GENERIC else []


class Classifier:
    """Picks the third-level category whose name and keywords the text mentions most.

    Words are indexed (word → leaves and weights), and a text is scanned once for every substring of a
    word's length, so classifying costs the text's length, not the taxonomy's size.
    """

    def __init__(self) -> None:
        """Index the third-level nodes of the seven labels with their weighted words."""
        nodes = [c for c in Category.objects.filter(level=3).order_by("full_name")
                 if c.full_name.split("/")[0] in LABELS]
        self.nodes: list[Category] = nodes
        self.first: list[str] = []
        self.other: dict[str, Category] = {}
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, node in enumerate(nodes):
            first, second, third = node.full_name.split("/")
            self.first.append(first)
            weighted = {w: 2 * len(w) for w in KEYWORDS.get(node.full_name, "").split()}
            for w in _name_words(third):
                weighted.setdefault(w, len(w))
            for w in _name_words(second):
                weighted.setdefault(w, 1)
            for word, weight in weighted.items():
                self.postings[word].append((i, weight))
            if third == "其他":
                self.other[node.full_name] = node
        self.lengths = sorted({len(w) for w in self.postings})

    def scores(self, text: str) -> Counter[int]:
        """How strongly the text points at each leaf (index into `nodes`); a word counts at most 3 times."""
        found: Counter[str] = Counter()
        for n in self.lengths:
            for i in range(len(text) - n + 1):
                piece = text[i:i + n]
                if piece in self.postings:
                    found[piece] += 1
        result: Counter[int] = Counter()
        for word, times in found.items():
            for leaf, weight in self.postings[word]:
                result[leaf] += weight * min(times, 3)
        return result

    def classify(self, text: str, label: str | None = None) -> tuple[Category | None, int]:
        """The best third-level category (within the label's first level if given) and its score.

        With no word of any leaf in the text, the label's "其他/其他" node (score 0) or None.
        """
        best: tuple[int, int] = (0, -1)
        for leaf, score in self.scores(text).items():
            if (label is None or self.first[leaf] == label) and (score, -leaf) > (best[0], -best[1]):
                best = (score, leaf)
        if best[1] < 0:
            return (self.other.get(f"{label}/其他/其他"), 0) if label else (None, 0)
        category = self.nodes[best[1]]
        if best[0] <= 2:  # only a weak hint of the second level: its 其他 child
            first, second, _ = category.full_name.split("/")
            category = self.other.get(f"{first}/{second}/其他", category)
        return category, best[0]


#: Responsibility (派单目录, simplified): the longest matching full-name prefix names the lead unit.
ROUTES: dict[str, str] = {
    "城乡建设": "DEPT-ZJ",
    "城乡建设/城市建设和市政管理": "DEPT-CG",
    "城乡建设/城市建设和市政管理/公共汽车": "DEPT-JT",
    "城乡建设/城市建设和市政管理/地铁城铁": "DEPT-JT",
    "城乡建设/城市建设和市政管理/自来水供应": "UTIL-WATER",
    "城乡建设/城市建设和市政管理/电力供应": "UTIL-POWER",
    "城乡建设/城市建设和市政管理/燃气供应": "UTIL-GAS",
    "城乡建设/城市建设和市政管理/冬季采暖": "UTIL-HEAT",
    "城乡建设/城乡规划": "DEPT-ZG",
    "城乡建设/集体土地上房屋拆迁与补偿": "DEPT-ZG",
    "城乡建设/村镇建设": "DEPT-NY",
    "城乡建设/住房保障与房地产/住房公积金": "DEPT-GJJ",
    "劳动和社会保障": "DEPT-RS",
    "劳动和社会保障/城镇居民社会保险/新农村合作医疗": "DEPT-YB",
    "劳动和社会保障/城镇居民社会保险/城镇居民医疗保险": "DEPT-YB",
    "劳动和社会保障/城镇职工社会保险/职工医疗保险": "DEPT-YB",
    "劳动和社会保障/城镇职工社会保险/职工生育保险": "DEPT-YB",
    "劳动和社会保障/工资福利/住房公积金": "DEPT-GJJ",
    "教育文体": "DEPT-JY",
    "教育文体/体育": "DEPT-WL",
    "教育文体/文化": "DEPT-WL",
    "教育文体/文物管理": "DEPT-WL",
    "商贸旅游": "DEPT-SJ",
    "商贸旅游/旅游管理": "DEPT-WL",
    "环境保护": "DEPT-HB",
    "卫生计生": "DEPT-WJ",
    "卫生计生/食品药品监管": "DEPT-SJ",
    "交通运输": "DEPT-JT",
}

#: Local matters (属地管理): the street of the address leads, or its district government.
LOCAL = (
    "城乡建设/住房保障与房地产/物业服务",
    "城乡建设/城市建设和市政管理/小区管理",
    "城乡建设/城市建设和市政管理/环境卫生",
    "城乡建设/城市建设和市政管理/居民服务设施",
    "城乡建设/城乡规划/违章建筑",
)
#: Words that make a noise or smell complaint a neighbourhood matter.
NEIGHBOURHOOD_WORDS = ("小区", "楼下", "邻居", "广场舞", "居民楼", "门面")


def lead_code(category: Category | None, text: str) -> str:
    """The code of the unit that holds the power over this matter, or "STREET"/"DISTRICT" for local ones."""
    if category is None:
        return "DISTRICT"
    full = category.full_name
    if full in LOCAL:
        return "STREET"
    if full.startswith("环境保护/环境污染/") and any(w in text for w in NEIGHBOURHOOD_WORDS):
        return "STREET"
    prefix = full
    while prefix:
        if prefix in ROUTES:
            return ROUTES[prefix]
        prefix = prefix.rpartition("/")[0]
    return "DISTRICT"
