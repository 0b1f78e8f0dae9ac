"""Parts of Chinese person, company, organisation and street names, and how they combine.

Company names follow the registration rule 行政区划 + 字号 + 行业 + 组织形式 (e.g.
成都市锦江区鑫瑞达商贸有限公司). The trade name (字号) and industry phrase of enterprise ``i`` come
from a bijection of ``i``, so no two enterprises share a name without keeping a set of names.
"""

from __future__ import annotations

import random

from creditgraph.synth.codes import Bijection

# Common surnames, roughly by frequency in Sichuan (the first ones weigh most).
SURNAMES = (
    "李王张刘陈杨黄周吴赵徐何罗胡郭曾唐谢邓冯彭蒋袁肖林孙向宋苏郑马朱高梁蔡余杜叶程魏吕丁任沈"
    "姚卢钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万严覃武戴莫孔汤"
)
SURNAME_WEIGHTS = tuple(1.0 / (1 + i) ** 0.9 for i in range(len(SURNAMES)))

GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆峰建国志文东林海龙成云亮旭阳晨博"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪琳慧洁颖倩萍红梅兰琴英珍秀莉晶月丹欣悦佳璐瑶蓉"
GIVEN_ANY = "小子德永思天家春秋安立世学玉树宏嘉雨晓清"

# Trade-name characters (字号): auspicious and descriptive ones common in real names.
TRADE_CHARS = (
    "华兴宏昌盛泰鑫瑞达源鼎恒隆通信安康丰利佳金合力博创新天宇蓉川蜀锦汇凯德顺祥和美嘉成宝"
    "聚志远航星辰万众福旺荣耀乐发旭东升茂富豪胜骏龙凤海峰岭云山江河润泽腾翔中正卓越诚信永"
    "晟灿煜琪澜悦禾谷禹鹏辉弘毅景明启迪优亿浩智联坤皓楷铂蓝青元泓霖璟岚铭韵尚品君睿淳骐朗沃拓杰"
)
TRADE_CHARS = "".join(dict.fromkeys(TRADE_CHARS))  # a repeated character would repeat names

# (GB/T 4754 section, industry phrase in the name, weight). Sections are as published in
# registration data: letter plus Chinese name.
INDUSTRIES = (
    ("A", "农、林、牧、渔业", ("农业科技", "种植", "养殖", "生态农业", "茶业", "果业"), 5),
    ("C", "制造业", ("机械制造", "食品", "电子科技", "化工", "建材", "家具", "服饰", "酒业", "塑胶制品"), 10),
    ("D", "电力、热力、燃气及水生产和供应业", ("新能源", "能源", "燃气"), 2),
    ("E", "建筑业", ("建筑工程", "建设工程", "装饰工程", "劳务", "市政工程", "园林工程"), 12),
    ("F", "批发和零售业", ("商贸", "贸易", "药业", "百货", "电器", "汽车销售", "五金"), 25),
    ("G", "交通运输、仓储和邮政业", ("物流", "运输", "货运代理", "供应链管理"), 5),
    ("H", "住宿和餐饮业", ("餐饮管理", "酒店管理", "火锅", "食府"), 6),
    ("I", "信息传输、软件和信息技术服务业", ("信息技术", "网络科技", "软件", "数据科技"), 8),
    ("J", "金融业", ("投资管理", "融资担保", "资产管理", "小额贷款"), 2),
    ("K", "房地产业", ("房地产开发", "置业", "物业管理", "房地产经纪"), 5),
    ("L", "租赁和商务服务业", ("企业管理咨询", "商务信息咨询", "广告", "人力资源", "会展服务", "实业"), 14),
    ("M", "科学研究和技术服务业", ("生物科技", "检测技术", "工程设计", "环境科技"), 5),
    ("N", "水利、环境和公共设施管理业", ("环保科技", "园林绿化", "环境工程"), 2),
    ("O", "居民服务、修理和其他服务业", ("家政服务", "美容美发", "汽车维修"), 3),
    ("P", "教育", ("教育咨询", "文化艺术培训"), 2),
    ("Q", "卫生和社会工作", ("医疗管理", "健康管理", "医药科技"), 2),
    ("R", "文化、体育和娱乐业", ("文化传播", "影视传媒", "体育发展"), 3),
)
INDUSTRY_WEIGHTS = tuple(w for *_, w in INDUSTRIES)
_PHRASES = tuple((i, p) for i, (_, _, phrases, _) in enumerate(INDUSTRIES) for p in phrases)

# A trade name + phrase pair per enterprise index: 2-character trade names until they run out.
_Z = len(TRADE_CHARS)
_P = len(_PHRASES)
_TWO = Bijection(_Z * _Z * _P, 2_654_435_761, 97)
_THREE = Bijection(_Z * _Z * _Z * _P, 2_246_822_519, 31)

FORM_SUFFIX = {
    "llc": "有限公司",
    "sole_llc": "有限公司",
    "joint_stock": "股份有限公司",
    "listed": "股份有限公司",
    "soe": "有限责任公司",
    "partnership": "合伙企业（有限合伙）",
    "sole_proprietorship": "个人独资企业",
    "foreign": "有限公司",
}
INDIVIDUAL_SHOPS = ("经营部", "餐馆", "小吃店", "便利店", "五金店", "理发店", "服装店", "茶楼", "副食店", "修理部")

STREET_ROOTS = (
    "人民", "建设", "解放", "和平", "新华", "天府", "锦绣", "光华", "滨江", "文化", "商业", "青年",
    "长江", "东风", "红星", "府河", "太升", "盐市", "春熙", "蜀汉", "金沙", "玉林", "红牌楼", "科华",
    "高新", "交子", "大源", "双楠", "沙湾", "营门口", "万年", "工业", "临江", "翠柏", "学府", "南湖",
)
STREET_DIRS = ("", "", "东", "西", "南", "北", "中")
STREET_KINDS = ("路", "路", "街", "大道", "大街", "巷")
STREET_SECTIONS = ("", "", "", "一段", "二段", "三段")

# Area codes of the prefectures (landline numbers have 8 digits in Chengdu, 7 elsewhere).
AREA_CODES = {
    "510100": "028", "510300": "0813", "510400": "0812", "510500": "0830", "510600": "0838",
    "510700": "0816", "510800": "0839", "510900": "0825", "511000": "0832", "511100": "0833",
    "511300": "0817", "511400": "028", "511500": "0831", "511600": "0826", "511700": "0818",
    "511800": "0835", "511900": "0827", "512000": "028", "513200": "0837", "513300": "0836",
    "513400": "0834",
}
MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                   "177", "180", "181", "182", "183", "187", "188", "189", "191", "199")


def person_name(rng: random.Random, male: bool) -> str:
    """A plausible full name: surname and one or two given-name characters."""
    surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    if rng.random() < 0.7:
        return surname + rng.choice(GIVEN_ANY + pool) + rng.choice(pool)
    return surname + rng.choice(pool)


def trade_name_and_phrase(index: int) -> tuple[str, int, str]:
    """Trade name, industry index and industry phrase of enterprise ``index`` (unique per index)."""
    if index < _TWO.size:
        k = _TWO(index)
        k, p = divmod(k, _P)
        a, b = divmod(k, _Z)
        trade = TRADE_CHARS[a] + TRADE_CHARS[b]
    else:
        k = _THREE(index - _TWO.size)
        k, p = divmod(k, _P)
        k, c = divmod(k, _Z)
        a, b = divmod(k, _Z)
        trade = TRADE_CHARS[a] + TRADE_CHARS[b] + TRADE_CHARS[c]
    industry, phrase = _PHRASES[p]
    return trade, industry, phrase


def short_place(name: str) -> str:
    """成都市 → 成都, 锦江区 → 锦江, 阿坝藏族羌族自治州 → 阿坝 (the form used inside names)."""
    for suffix in ("藏族羌族自治州", "藏族自治州", "彝族自治州", "羌族自治县", "藏族自治县", "彝族自治县",
                   "自治县", "市", "区", "县", "省"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def enterprise_name(index: int, kind: str, style: int, city: str, county: str) -> tuple[str, int]:
    """Registered name of enterprise ``index`` and its industry index.

    ``style`` (0-3) picks one of the usual layouts: county prefix, city prefix, city in brackets
    after the trade name, or province prefix.
    """
    trade, industry, phrase = trade_name_and_phrase(index)
    if kind == "individual":
        return f"{short_place(county)}{trade}{INDIVIDUAL_SHOPS[index % len(INDIVIDUAL_SHOPS)]}", industry
    if kind == "cooperative":
        crop = ("种植", "养殖", "茶叶", "柑橘", "生猪养殖", "蔬菜种植")[index % 6]
        return f"{county}{trade}{crop}专业合作社", 0
    suffix = FORM_SUFFIX.get(kind, "有限公司")
    if kind in ("joint_stock", "listed") or style == 3:
        return f"四川{trade}{phrase}{suffix}", industry
    if style == 0:
        return f"{city}{county}{trade}{phrase}{suffix}", industry
    if style == 1:
        return f"{city}{trade}{phrase}{suffix}", industry
    return f"{trade}（{short_place(city)}）{phrase}{suffix}", industry


def address(rng: random.Random, city: str, county: str) -> str:
    """A registered address in the county: street, number, building, room."""
    street = (rng.choice(STREET_ROOTS) + rng.choice(STREET_DIRS) + rng.choice(STREET_KINDS)
              + rng.choice(STREET_SECTIONS))
    number = rng.randint(1, 999)
    if rng.random() < 0.55:
        return (f"四川省{city}{county}{street}{number}号{rng.randint(1, 30)}栋"
                f"{rng.randint(1, 4)}单元{rng.randint(1, 33)}{rng.randint(1, 20):02d}号")
    return f"四川省{city}{county}{street}{number}号"


def phone(rng: random.Random, prefecture_code: str) -> str:
    """A contact number as registries publish it: mobile, or area code and landline."""
    if rng.random() < 0.6:
        return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
    area = AREA_CODES.get(prefecture_code, "028")
    digits = 8 if area == "028" else 7
    first = rng.choice("2345678")
    return f"{area}-{first}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"


_MASK = (1 << 64) - 1
_SURNAME_CUM: list[float] = []
_acc = 0.0
for _w in SURNAME_WEIGHTS:
    _acc += _w
    _SURNAME_CUM.append(_acc)


def mix64(x: int) -> int:
    """SplitMix64 finaliser: a well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def hashed_person_name(salt: int, index: int, male: bool) -> str:
    """The name of person ``index``, recomputable from the index alone (no table of names kept)."""
    from bisect import bisect_left

    h = mix64(salt * 0x100000001B3 + index)
    surname = SURNAMES[min(bisect_left(_SURNAME_CUM, (h & 0xFFFFF) / 0x100000 * _acc), len(SURNAMES) - 1)]
    h >>= 20
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    first = pool[h % len(pool)]
    h //= len(pool)
    if h % 10 < 7:
        h //= 10
        both = GIVEN_ANY + pool
        return surname + both[h % len(both)] + first
    return surname + first
