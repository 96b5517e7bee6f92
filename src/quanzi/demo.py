"""The demo world: a small, believable community to explore the product with (`quanzi demo`,
`quanzi serve --demo`).

Four verified merchants with invented brands, three KOLs, forty consumers with Chinese and English
names, and their graph: friendships clustered the way real circles are (family, classmates,
colleagues, a running club, neighbours), follows of KOLs and brands, tags and remarks, and a few
friend requests still waiting. Everyone's password is ``quanzi-demo``.

Everything is created through the domains' services, as users would, so every rule holds and every
event is emitted. The plan is drawn from a seeded random generator: the same world every time.
Seeding is idempotent: a database that already has the demo merchant is left alone.

On top of the graph the world has content, so a newcomer's Chats and Moments are not empty: Moments
by consumers (a few only for one of their tags) with likes and comments among friends, public posts
by the KOLs and brands on a few topics with a repost cascade, and some chats of lin_xiaomei's. Each
merchant runs a shop (`SHOPS`): categories, products with SKUs, stock and a generated photo, and one
broadcast. The wallet is left empty: a top-up needs a payment PIN and the bank's asynchronous answer.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.chat.schemas import DirectChatIn, GroupCreateIn, MessageIn
from quanzi.chat.service import conversations as chats
from quanzi.chat.service import messages as chat_messages
from quanzi.commerce import broadcasts as commerce_broadcasts
from quanzi.commerce import catalog as commerce_catalog
from quanzi.commerce import shops as commerce_shops
from quanzi.commerce.schemas.catalog import BroadcastIn, CategoryIn, ProductIn, ProductOut, ShopIn, SkuIn
from quanzi.config import Settings
from quanzi.core.actor import Actor
from quanzi.core.db import Database
from quanzi.core.errors import NotFound
from quanzi.core.images import process_image
from quanzi.core.jobs import JobRunner
from quanzi.core.migrate import upgrade
from quanzi.core.storage import LocalStorage, configure_storage
from quanzi.feed.schemas import MomentIn, PublicPostIn, RepostIn
from quanzi.feed.service import comments as feed_comments
from quanzi.feed.service import moments as feed_moments
from quanzi.feed.service import posts as feed_posts
from quanzi.graph import service as graph
from quanzi.groupbuy import service as groupbuy
from quanzi.groupbuy.schemas import BargainOfferIn, DealIn
from quanzi.identity import service as identity
from quanzi.identity.schemas import ProfileUpdateIn, SignupIn
from quanzi.platform import DOMAINS, install, job_handlers
from quanzi.wallet import service as wallet
from quanzi.wallet.bank import sandbox_card_number

DEMO_PASSWORD = "quanzi-demo"  # noqa: S105 - published on purpose: anyone may log in
DEMO_PIN = "135790"  # every demo consumer's payment PIN, published like the password
DEMO_TOP_UP = 2_000_00  # fen each demo consumer tops up from a sandbox card, so they can buy at once
MARKER_USERNAME = "brand_huaxia"
SEED = 2026


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    role: str  # "merchant" | "kol" | "consumer"
    bio: str
    region: str
    phone: str | None = None
    circles: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoMoment:
    author: str
    body: str
    audience_tag: str | None = None  # None: all friends; else only the author's tag of that name
    likers: tuple[str, ...] = ()
    comments: tuple[tuple[str, str], ...] = ()  # (commenter, body)
    author_reply: str | None = None  # the author's reply to the first comment


@dataclass(frozen=True)
class DemoPost:
    author: str
    body: str
    repost_of: int | None = None  # index in DemoPlan.posts of the post reposted (body is the comment)
    likers: tuple[str, ...] = ()
    comments: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoChat:
    members: tuple[str, ...]  # the first one opens the chat (direct) or owns it (group)
    lines: tuple[tuple[str, str], ...]  # (sender, text)
    title: str | None = None  # a group when set


@dataclass
class DemoPlan:
    people: list[Person]
    friendships: list[tuple[str, str]] = field(default_factory=list)  # (requester, accepter)
    pending_requests: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, message)
    follows: list[tuple[str, str]] = field(default_factory=list)  # (follower, followee)
    tags: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (owner, name, members)
    remarks: list[tuple[str, str, str]] = field(default_factory=list)  # (owner, friend, remark)
    moments: list[DemoMoment] = field(default_factory=list)
    posts: list[DemoPost] = field(default_factory=list)  # public posts and reposts, in order
    chats: list[DemoChat] = field(default_factory=list)

    def by_role(self, role: str) -> list[Person]:
        return [p for p in self.people if p.role == role]


MERCHANTS = [
    Person(
        "brand_huaxia",
        "华夏运动 Huaxia Sport",
        "merchant",
        "国潮跑鞋与运动服 · Running shoes and sportswear with a Chinese twist",
        "北京",
    ),
    Person(
        "brand_qingshan",
        "青山茶舍 Qingshan Tea",
        "merchant",
        "明前龙井，山里直发 · Spring tea straight from the hills",
        "杭州",
    ),
    Person(
        "brand_yunduan",
        "云端数码 Yunduan Digital",
        "merchant",
        "耳机、充电宝和小玩意 · Earbuds, power banks and gadgets",
        "深圳",
    ),
    Person(
        "brand_tangguo",
        "糖果烘焙 Tangguo Bakery",
        "merchant",
        "每天现烤的蛋挞与欧包 · Egg tarts and bread, baked every morning",
        "上海",
    ),
]

KOLS = [
    Person("kol_taozi", "桃子爱穿搭", "kol", "穿搭博主｜每天一套通勤 look 👗", "上海"),
    Person("kol_amy_eats", "Amy 吃遍上海", "kol", "Food hunter. 探店 300+ 家，只说真话。", "上海"),
    Person(
        "kol_techdad", "科技老爸 TechDad", "kol", "数码测评 · Honest gadget reviews for busy parents", "深圳"
    ),
]

# (username, display name, circles): the circles make the friendship graph clustered.
CONSUMERS: list[tuple[str, str, tuple[str, ...]]] = [
    ("lin_xiaomei", "林小美", ("family", "classmates", "colleagues", "runners")),
    ("wang_fang", "王芳", ("family",)),
    ("zhang_wei", "张伟", ("colleagues",)),
    ("li_na", "李娜", ("classmates", "runners")),
    ("liu_yang", "刘洋", ("colleagues", "runners")),
    ("chen_jing", "陈静", ("family", "neighbours")),
    ("yang_lei", "杨磊", ("classmates",)),
    ("zhao_min", "赵敏", ("colleagues",)),
    ("huang_tao", "黄涛", ("runners",)),
    ("zhou_xin", "周欣", ("classmates", "neighbours")),
    ("wu_hao", "吴昊", ("colleagues",)),
    ("xu_ting", "徐婷", ("family",)),
    ("sun_li", "孙丽", ("neighbours",)),
    ("ma_jun", "马俊", ("runners", "colleagues")),
    ("zhu_yan", "朱燕", ("family", "neighbours")),
    ("hu_bin", "胡斌", ("classmates",)),
    ("guo_qiang", "郭强", ("colleagues",)),
    ("he_xue", "何雪", ("runners",)),
    ("gao_yuan", "高远", ("classmates",)),
    ("luo_dan", "罗丹", ("neighbours",)),
    ("liang_chen", "梁晨", ("colleagues", "classmates")),
    ("song_jia", "宋佳", ("family",)),
    ("zheng_kai", "郑凯", ("runners",)),
    ("xie_yu", "谢雨", ("neighbours", "runners")),
    ("han_mei", "韩梅", ("classmates",)),
    ("tang_rui", "唐睿", ("colleagues",)),
    ("emma_w", "Emma Wang", ("colleagues", "runners")),
    ("james_l", "James Li", ("classmates",)),
    ("olivia_c", "Olivia Chen", ("neighbours",)),
    ("lucas_z", "Lucas Zhang", ("colleagues",)),
    ("sophia_h", "Sophia Huang", ("runners", "classmates")),
    ("noah_liu", "Noah Liu", ("family",)),
    ("mia_zhou", "Mia Zhou", ("neighbours",)),
    ("ethan_wu", "Ethan Wu", ("colleagues",)),
    ("chloe_xu", "Chloe Xu", ("classmates",)),
    ("ryan_gao", "Ryan Gao", ("runners",)),
    ("grace_ma", "Grace Ma", ("neighbours", "family")),
    ("leo_sun", "Leo Sun", ("colleagues",)),
    ("ava_he", "Ava He", ("classmates",)),
    ("daniel_t", "Daniel Tang", ("runners", "neighbours")),
]

CIRCLE_TAGS = {
    "family": "家人 family",
    "classmates": "同学 classmates",
    "colleagues": "同事 colleagues",
    "runners": "跑团 runners",
    "neighbours": "邻居 neighbours",
}
CIRCLE_REMARKS = {
    "family": "{name}（家里人）",
    "classmates": "{name} 大学同学",
    "colleagues": "{name}·市场部",
    "runners": "跑友 {name}",
    "neighbours": "{name} 3 号楼",
}
BIOS = [
    "喜欢跑步和奶茶 🏃‍♀️",
    "周末在家做饭",
    "Coffee, books and long walks.",
    "摄影爱好者 📷",
    "猫奴一枚 🐱",
    "正在学做甜点",
    "Weekend hiker.",
    "爱喝茶，也爱喝咖啡",
    "Trying every dumpling in town.",
    "健身打卡第 100 天",
]
REGIONS = ["上海", "北京", "杭州", "深圳", "成都", "广州", "南京"]
GREETINGS = ["你好，我是跑团的新朋友", "Hi! We met at the tea tasting.", "我是楼下的邻居～", "同事推荐加你"]

MOMENT_TEXTS = [
    "今天跑了 10 公里，配速终于进 6 分了 🏃‍♀️",
    "Sunday brunch with the best people ☀️",
    "新买的青山茶舍龙井到了，泡一杯，整个下午都安静了 🍵",
    "加班到九点，楼下的糖果烘焙居然还有蛋挞，幸福感拉满",
    "Finally finished the book I started in spring. Highly recommend.",
    "周末带爸妈去西湖边走了走，天气太好了",
    "猫主子今天又把花盆推下去了 🐱",
    "First 5k without stopping! Small wins count.",
    "自己做的红烧肉，第一次就成功了 😋",
    "公司团建去爬山，腿已经不是自己的了",
    "Rainy day, hot tea, old movies.",
    "楼下新开了一家面馆，牛肉面 18 块，分量很足",
    "晨跑遇到日出，值得早起 🌅",
    "Trying to learn guitar at 30. Wish me luck 🎸",
    "同学聚会，十年了大家都没怎么变",
    "阳台的番茄终于红了 🍅",
    "New running shoes from 华夏运动 — so light!",
    "今天学会了做欧包，虽然有点硬 😂",
    "周五晚上最适合的事：火锅 + 朋友",
    "Work trip to Shenzhen, the city never sleeps.",
    "给宝宝买的绘本到了，睡前故事又多了几个",
    "社区跑团第一次集体活动，二十多个人一起跑江边",
    "Coffee number three today. Send help ☕",
    "终于把房间收拾干净了，断舍离成功",
    "Weekend hike: 15 km, 800 m up, zero regrets.",
    "妈妈包的饺子，永远是最好吃的 🥟",
    "新耳机音质真不错，通勤路上听歌舒服多了 🎧",
    "Late night thoughts: be kind, drink water, sleep early.",
    "小区的桂花开了，整栋楼都是香的",
    "打卡健身第 30 天，坚持就是胜利 💪",
]
MOMENT_COMMENTS = [
    "好厉害！👍",
    "Looks amazing!",
    "下次叫上我",
    "哈哈哈哈",
    "求链接 🙏",
    "Wow, where is this?",
    "羡慕了",
    "加油加油！",
    "So jealous 😍",
    "周末一起？",
    "看起来好好吃",
    "Nice one!",
]
AUTHOR_REPLIES = ["谢谢～", "Thanks! 😊", "下次一起！", "哈哈是的", "私聊你 😉"]

# (author, body) of the public posts; reposts are planned after them.
PUBLIC_POSTS = [
    ("brand_huaxia", "#双十一# 华夏运动全场跑鞋 7 折，会员再送运动袜一双！Running season starts now."),
    (
        "brand_qingshan",
        "#新品首发# 今年的明前龙井到了，山里直发，一芽一叶。Spring tea, fresh from the hills 🍵",
    ),
    ("brand_yunduan", "#国货之光# 云端 Air 3 降噪耳机，续航 40 小时，只要 299。"),
    ("brand_tangguo", "#新品首发# 抹茶麻薯欧包今天上架，每天限量 100 个 🥐"),
    ("kol_taozi", "#国货之光# 一周通勤穿搭，全部国货品牌，平均每件不到 200 元 👗"),
    ("kol_amy_eats", "#探店# 糖果烘焙的蛋挞真的是上海前三，外皮酥到掉渣。Honest review, not sponsored."),
    ("kol_techdad", "#双十一# 买耳机前先看这条：三款国产降噪耳机横评 🎧"),
    ("brand_huaxia", "#国货之光# 我们的新跑鞋鞋底来自回收材料，每双减少 30% 碳排放。"),
    ("kol_taozi", "#双十一# 购物车清单来了：大衣、围巾和一双好走的鞋"),
    ("brand_yunduan", "#双十一# 充电宝买一送一，只限 11 月 11 日当天 ⚡"),
    ("kol_amy_eats", "Tea tasting at 青山茶舍 today — the new spring batch is worth it. #新品首发#"),
    ("brand_qingshan", "#国货之光# 一杯好茶，从一片好叶开始。茶园直播周六下午三点见。"),
    ("kol_techdad", "#新品首发# 云端 Air 3 上手一周：降噪够用，佩戴舒服，通话一般。"),
    ("brand_tangguo", "#双十一# 蛋挞券 6 只装 39 元，全店通用 🎉"),
]
REPOST_COMMENTS = [
    "冲了冲了！",
    "Bookmarking this for 11.11",
    "这个价格可以",
    "同款已下单 😂",
    "Finally a fair price.",
    "转给需要的朋友们",
]

DIRECT_SCRIPTS = [
    [
        (0, "周六早上跑步吗？"),
        (1, "跑！几点？"),
        (0, "七点，江边老地方"),
        (1, "OK 👌 我带水"),
        (0, "Great, see you there"),
        (1, "记得穿新鞋试试"),
    ],
    [
        (1, "Hey, are you free for dinner on Friday?"),
        (0, "可以呀，吃什么？"),
        (1, "听说楼下新开的面馆不错"),
        (0, "好，七点半见"),
        (1, "Deal 🍜"),
        (0, "我叫上小陈？"),
        (1, "当然好"),
    ],
    [
        (0, "妈让我问你中秋回不回家"),
        (1, "回的，买好票了"),
        (0, "太好了 🎉"),
        (1, "要带点什么吗？"),
        (0, "带盒青山茶舍的龙井吧，爸爱喝"),
        (1, "没问题"),
        (0, "路上注意安全"),
        (1, "Will do ❤️"),
    ],
]
GROUP_TITLE = "周末跑团 Weekend Run 🏃"
GROUP_LINES = [
    "大家好，这周日还跑吗？",
    "跑！Count me in",
    "天气预报说周日有小雨",
    "小雨更凉快 😂",
    "那就七点江边集合",
    "我带能量胶",
    "Anyone up for brunch after?",
    "必须的，跑完吃糖果烘焙",
    "+1",
    "周日见 👋",
]


@dataclass(frozen=True)
class DemoProduct:
    title: str
    description: str
    category: str
    skus: tuple[tuple[str, int, int], ...]  # (name, price in fen, stock)
    colour: tuple[int, int, int]  # the generated product photo's colour


@dataclass(frozen=True)
class DemoShop:
    merchant: str
    name: str
    intro: str
    categories: tuple[str, ...]
    products: tuple[DemoProduct, ...]
    broadcast: tuple[str, str]  # (title, body)


SHOPS = [
    DemoShop(
        "brand_huaxia",
        "华夏运动 Huaxia Sport",
        "国潮跑鞋与运动服，北京发货 · Running shoes and sportswear with a Chinese twist",
        ("跑鞋 Running shoes", "运动服 Sportswear", "配件 Accessories"),
        (
            DemoProduct(
                "轻羽跑鞋 Feather Runner 3",
                "超轻网面，缓震中底，适合日常慢跑。Light mesh upper and a cushioned midsole for daily runs.",
                "跑鞋 Running shoes",
                (("40", 399_00, 12), ("41", 399_00, 20), ("42", 399_00, 8)),
                (214, 64, 52),
            ),
            DemoProduct(
                "回收材料跑鞋 Eco Runner",
                "鞋底来自回收材料，每双减少 30% 碳排放。Recycled sole, 30% less carbon per pair.",
                "跑鞋 Running shoes",
                (("41 / 森林绿 Forest", 459_00, 15), ("42 / 森林绿 Forest", 459_00, 10)),
                (46, 125, 50),
            ),
            DemoProduct(
                "速干运动T恤 Quick-dry Tee",
                "透气速干面料，夏天跑步不闷热。Breathable quick-dry fabric for summer runs.",
                "运动服 Sportswear",
                (("S", 89_00, 30), ("M", 89_00, 40), ("L", 99_00, 25)),
                (30, 90, 170),
            ),
            DemoProduct(
                "运动袜三双装 Sport Socks 3-pack",
                "加厚毛圈底，防滑耐磨。Cushioned terry sole, non-slip.",
                "配件 Accessories",
                (("均码 One size", 39_00, 100),),
                (240, 200, 60),
            ),
        ),
        (
            "双十一跑鞋 7 折 Running shoes 30% off",
            "华夏运动全场跑鞋 7 折，会员再送运动袜一双！Members get a free pair of socks.",
        ),
    ),
    DemoShop(
        "brand_qingshan",
        "青山茶舍 Qingshan Tea",
        "明前龙井，山里直发 · Spring tea straight from the hills of Hangzhou",
        ("绿茶 Green tea", "茶具 Teaware"),
        (
            DemoProduct(
                "明前龙井 West Lake Longjing",
                "西湖产区明前采摘，豆香清雅。Picked before Qingming on the West Lake hills.",
                "绿茶 Green tea",
                (("100g", 168_00, 40), ("250g", 398_00, 15)),
                (120, 160, 60),
            ),
            DemoProduct(
                "安吉白茶 Anji White Tea",
                "叶白脉绿，鲜爽回甘。Pale leaves, fresh and sweet.",
                "绿茶 Green tea",
                (("100g", 128_00, 30),),
                (200, 215, 170),
            ),
            DemoProduct(
                "真空保温杯 500ml Vacuum Thermos Bottle",
                "304不锈钢内胆，泡茶保温12小时。304 stainless steel, keeps tea hot for 12 hours.",
                "茶具 Teaware",
                (("500ml 竹青 Bamboo", 89_00, 50), ("750ml 竹青 Bamboo", 109_00, 20)),
                (90, 140, 120),
            ),
            DemoProduct(
                "青瓷茶具套装 Celadon Tea Set",
                "一壶四杯，龙泉青瓷。A teapot and four cups in Longquan celadon.",
                "茶具 Teaware",
                (("一壶四杯 Pot + 4 cups", 268_00, 10),),
                (150, 190, 170),
            ),
        ),
        (
            "茶园直播周六见 Live from the tea garden",
            "周六下午三点，茶园直播采茶制茶。Join us on Saturday at 3 pm.",
        ),
    ),
    DemoShop(
        "brand_yunduan",
        "云端数码 Yunduan Digital",
        "耳机、充电宝和小玩意，深圳发货 · Earbuds, power banks and gadgets from Shenzhen",
        ("耳机 Earbuds", "充电 Charging", "小玩意 Gadgets"),
        (
            DemoProduct(
                "云端 Air 3 降噪耳机 Air 3 ANC Earbuds",
                "主动降噪，续航 40 小时。Active noise cancelling, 40 hours of battery.",
                "耳机 Earbuds",
                (("云白 White", 299_00, 60), ("曜黑 Black", 299_00, 45)),
                (235, 235, 240),
            ),
            DemoProduct(
                "20000mAh 充电宝 Power Bank",
                "双向快充，可带上飞机。Two-way fast charging, airline safe.",
                "充电 Charging",
                (("20000mAh", 129_00, 80),),
                (60, 60, 70),
            ),
            DemoProduct(
                "65W 氮化镓充电器 GaN Charger",
                "三口快充，一个头充电脑和手机。Three ports: one charger for laptop and phone.",
                "充电 Charging",
                (("65W", 149_00, 40), ("100W", 219_00, 20)),
                (250, 250, 250),
            ),
            DemoProduct(
                "桌面小风扇 Desk Fan",
                "静音无刷电机，USB 供电。Quiet brushless motor, USB powered.",
                "小玩意 Gadgets",
                (("薄荷绿 Mint", 59_00, 35), ("奶油白 Cream", 59_00, 35)),
                (150, 220, 200),
            ),
        ),
        ("充电宝买一送一 Power bank: buy one get one", "只限 11 月 11 日当天 ⚡ On November 11 only."),
    ),
    DemoShop(
        "brand_tangguo",
        "糖果烘焙 Tangguo Bakery",
        "每天现烤的蛋挞与欧包，上海同城配送 · Egg tarts and bread, baked every morning in Shanghai",
        ("蛋挞 Egg tarts", "面包 Bread"),
        (
            DemoProduct(
                "葡式蛋挞 Portuguese Egg Tarts",
                "酥皮层层分明，每天现烤。Flaky pastry, baked every morning.",
                "蛋挞 Egg tarts",
                (("6只装 6 pieces", 39_00, 50), ("12只装 12 pieces", 72_00, 30)),
                (240, 190, 80),
            ),
            DemoProduct(
                "抹茶麻薯欧包 Matcha Mochi Bread",
                "每天限量 100 个。Limited to 100 a day.",
                "面包 Bread",
                (("单个 One loaf", 28_00, 100),),
                (130, 170, 90),
            ),
            DemoProduct(
                "全麦吐司 Whole Wheat Toast",
                "无添加糖，早餐好搭档。No added sugar, a breakfast staple.",
                "面包 Bread",
                (("450g", 22_00, 40),),
                (190, 140, 90),
            ),
            DemoProduct(
                "芝士蛋挞 Cheese Tarts",
                "浓郁芝士，外酥里嫩。Rich cheese, crisp outside and soft inside.",
                "蛋挞 Egg tarts",
                (("4只装 4 pieces", 36_00, 40),),
                (250, 215, 120),
            ),
        ),
        ("新品抹茶麻薯欧包 New: matcha mochi bread", "抹茶麻薯欧包今天上架，每天限量 100 个 🥐"),
    ),
]


def plan_demo_world(seed: int = SEED) -> DemoPlan:
    """The whole demo world as data, drawn from `seed` (pure: the same plan every time)."""
    rng = random.Random(seed)
    consumers = [
        Person(
            username,
            name,
            "consumer",
            BIOS[i % len(BIOS)],
            REGIONS[i % len(REGIONS)],
            phone=f"1380000{i:04d}",
            circles=circles,
        )
        for i, (username, name, circles) in enumerate(CONSUMERS)
    ]
    plan = DemoPlan(people=[*MERCHANTS, *KOLS, *consumers])

    # Friendships: dense inside a circle, rare across circles.
    befriended: set[frozenset[str]] = set()
    for i, a in enumerate(consumers):
        for b in consumers[i + 1 :]:
            shared = set(a.circles) & set(b.circles)
            if rng.random() < (0.55 if shared else 0.04):
                pair = (a.username, b.username) if rng.random() < 0.5 else (b.username, a.username)
                plan.friendships.append(pair)
                befriended.add(frozenset(pair))
    # KOLs know a handful of consumers personally; merchants befriend their KOLs.
    for kol in KOLS:
        for friend in rng.sample(consumers, 4):
            if frozenset((kol.username, friend.username)) not in befriended:
                plan.friendships.append((friend.username, kol.username))
                befriended.add(frozenset((kol.username, friend.username)))
    for merchant in MERCHANTS:
        for kol in rng.sample(KOLS, 2):
            plan.friendships.append((merchant.username, kol.username))
            befriended.add(frozenset((merchant.username, kol.username)))

    # A few requests are still waiting for lin_xiaomei, the account to log in with first.
    strangers = [c for c in consumers[1:] if frozenset(("lin_xiaomei", c.username)) not in befriended]
    for stranger in rng.sample(strangers, 3):
        plan.pending_requests.append((stranger.username, "lin_xiaomei", rng.choice(GREETINGS)))

    # Follows: consumers follow KOLs and brands; KOLs follow brands; a few consumers follow each other.
    for consumer in consumers:
        plan.follows.extend((consumer.username, kol.username) for kol in KOLS if rng.random() < 0.6)
        plan.follows.extend((consumer.username, m.username) for m in MERCHANTS if rng.random() < 0.45)
        plan.follows.extend(
            (consumer.username, other.username)
            for other in consumers
            if other is not consumer and rng.random() < 0.03
        )
    for kol in KOLS:
        plan.follows.extend((kol.username, m.username) for m in MERCHANTS)

    # Tags and remarks follow the circles, for the first dozen consumers.
    friends_of: dict[str, set[str]] = {}
    for requester, accepter in plan.friendships:
        friends_of.setdefault(requester, set()).add(accepter)
        friends_of.setdefault(accepter, set()).add(requester)
    circles_of = {c.username: set(c.circles) for c in consumers}
    names = {p.username: p.display_name for p in plan.people}
    for owner in consumers[:12]:
        mine = friends_of.get(owner.username, set())
        for circle in owner.circles:
            members = sorted(f for f in mine if circle in circles_of.get(f, set()))
            if members:
                plan.tags.append((owner.username, CIRCLE_TAGS[circle], members))
                for member in members:
                    if rng.random() < 0.3:
                        remark = CIRCLE_REMARKS[circle].format(name=names[member])[:32]
                        plan.remarks.append((owner.username, member, remark))
    # One remark per (owner, friend): the last one drawn wins, so keep only that.
    plan.remarks = list({(o, f): (o, f, r) for o, f, r in plan.remarks}.values())
    _plan_content(plan, random.Random(seed + 1), friends_of)
    return plan


def _plan_content(plan: DemoPlan, rng: random.Random, friends_of: dict[str, set[str]]) -> None:
    """Moments, public posts and chats, drawn from their own generator so the graph stays as it was."""
    me = "lin_xiaomei"
    consumers = [p.username for p in plan.by_role("consumer")]
    mine = sorted(friends_of.get(me, set()) & set(consumers))
    # lin_xiaomei's friends write most Moments, so her timeline is full; the rest, anyone.
    authors = [me, me, *rng.sample(mine, min(16, len(mine)))]
    authors += [rng.choice(consumers) for _ in range(len(MOMENT_TEXTS) - len(authors))]
    tags_of: dict[str, list[tuple[str, list[str]]]] = {}
    for owner, name, members in plan.tags:
        tags_of.setdefault(owner, []).append((name, members))
    only_tag = 0
    for body, author in zip(MOMENT_TEXTS, authors, strict=True):
        audience = sorted(friends_of.get(author, set()))
        tag: str | None = None
        if only_tag < 4 and tags_of.get(author) and rng.random() < 0.5:
            tag, audience = rng.choice(tags_of[author])
            only_tag += 1
        likers = tuple(rng.sample(audience, min(len(audience), rng.randint(0, 5))))
        commenters = rng.sample(audience, min(len(audience), rng.randint(0, 2)))
        comments = tuple((c, rng.choice(MOMENT_COMMENTS)) for c in commenters)
        reply = rng.choice(AUTHOR_REPLIES) if comments and rng.random() < 0.5 else None
        plan.moments.append(DemoMoment(author, body, tag, likers, comments, reply))

    for author, body in PUBLIC_POSTS:
        likers = tuple(rng.sample(consumers, rng.randint(2, 12)))
        comments = tuple((c, rng.choice(MOMENT_COMMENTS)) for c in rng.sample(consumers, rng.randint(0, 3)))
        plan.posts.append(DemoPost(author, body, likers=likers, comments=comments))
    # A cascade: the 双十一 sale, reposted by a KOL, by one of lin_xiaomei's friends, and by her.
    cascade = ["kol_taozi", mine[0], me]
    parent = 0
    for reposter in cascade:
        plan.posts.append(DemoPost(reposter, rng.choice(REPOST_COMMENTS), repost_of=parent))
        parent = len(plan.posts) - 1
    plan.posts.append(DemoPost("kol_techdad", "实测过，确实值 👍", repost_of=2))

    for script, friend in zip(DIRECT_SCRIPTS, rng.sample(mine, len(DIRECT_SCRIPTS)), strict=True):
        pair = (me, friend)
        plan.chats.append(DemoChat(pair, tuple((pair[who], text) for who, text in script)))
    group = (me, *rng.sample(mine, 5))
    lines = tuple(
        (group[i % len(group)] if i < len(group) else rng.choice(group), t) for i, t in enumerate(GROUP_LINES)
    )
    plan.chats.append(DemoChat(group, lines, title=GROUP_TITLE))


async def seed_demo_world(settings: Settings, *, seed: int = SEED) -> bool:
    """Create the demo world in the database of `settings`, in one transaction. Returns False (and
    changes nothing) when the demo merchant already exists. Brings the schema up to date first."""
    configure_storage(LocalStorage(settings.media_dir))
    install(DOMAINS)  # event schemas and chat card kinds, as in a serving process
    await upgrade(settings.database_url)
    plan = plan_demo_world(seed)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            try:
                await identity.find_by_login(session, MARKER_USERNAME)
                return False
            except NotFound:
                pass

            actors: dict[str, Actor] = {}
            for person in plan.people:
                issued = await identity.signup(
                    session,
                    SignupIn(
                        username=person.username,
                        phone=person.phone,
                        password=DEMO_PASSWORD,
                        display_name=person.display_name,
                        kind="merchant" if person.role == "merchant" else "consumer",
                    ),
                    ip="127.0.0.1",
                    user_agent="quanzi demo",
                )
                actor = Actor(user_id=issued.user.id, session_id=issued.session.id, kind=issued.user.kind)
                # The sign-up session is nobody's device: close it.
                await identity.logout(session, actor)
                await identity.update_profile(
                    session, actor, ProfileUpdateIn(bio=person.bio, region=person.region)
                )
                if person.role == "merchant":
                    await identity.set_merchant_verified(session, None, actor.user_id, True)
                if person.role == "kol":
                    await identity.set_kol_badge(session, None, actor.user_id, True)
                actors[person.username] = actor

            def uid(username: str) -> str:
                return str(actors[username].user_id)

            for requester, accepter in plan.friendships:
                request = await graph.send_friend_request(session, actors[requester], uid(accepter), None)
                await graph.accept_friend_request(session, actors[accepter], str(request.id))
            for sender, recipient, message in plan.pending_requests:
                await graph.send_friend_request(session, actors[sender], uid(recipient), message)
            for follower, followee in plan.follows:
                await graph.follow(session, actors[follower], uid(followee))
            tag_ids: dict[tuple[str, str], str] = {}
            for owner, name, members in plan.tags:
                tag = await graph.create_tag(session, actors[owner], name, [uid(m) for m in members])
                tag_ids[(owner, name)] = str(tag.id)
            for owner, friend, remark in plan.remarks:
                await graph.set_remark(session, actors[owner], uid(friend), remark)
            await _seed_content(session, plan, actors, tag_ids)
            await _seed_shops(session, actors)
        buyers = [actors[p.username] for p in plan.people if p.role != "merchant"]
        await _fund_wallets(db, buyers)
        await _seed_domains(db, {"actors": actors, "people": plan.people, "password": DEMO_PASSWORD})
        return True
    finally:
        await db.dispose()


async def _seed_domains(db: Database, world: dict[str, Any]) -> None:
    """Each domain that seeds its own part of the demo world (its manifest's ``seed_demo``) does so
    on top of the people, graph, content, shops and money above, in manifest order; what one returns
    is handed to those after it."""
    for manifest in DOMAINS:
        if manifest.seed_demo is None:
            continue
        async with db.transaction() as session:
            world.update(await manifest.seed_demo(session, world) or {})


async def _fund_wallets(db: Database, buyers: list[Actor]) -> None:
    """Give every demo consumer a PIN, a sandbox card and money, the way a person would get them: a
    top-up through the sandbox bank, which answers in jobs run here (the books stay balanced)."""
    async with db.transaction() as session:
        for index, actor in enumerate(buyers):
            await wallet.set_pin(session, actor, DEMO_PIN, None)
            card = await wallet.link_card(session, actor, sandbox_card_number(f"{index + 1000:04d}"), "Demo")
            # The PIN was set in this transaction at version 1: this is the proof typing it would give.
            proof = wallet.PinProof(user_id=actor.user_id, version=1)
            await wallet.start_topup(session, actor, card.id, DEMO_TOP_UP, proof=proof)
    runner = JobRunner(db, job_handlers(DOMAINS))  # the sandbox bank answers in jobs
    while await runner.run_due():
        pass


async def _seed_content(
    session: AsyncSession, plan: DemoPlan, actors: dict[str, Actor], tag_ids: dict[tuple[str, str], str]
) -> None:
    for moment in plan.moments:
        author = actors[moment.author]
        if moment.audience_tag is None:
            data = MomentIn(body=moment.body)
        else:
            tag_id = tag_ids[(moment.author, moment.audience_tag)]
            data = MomentIn(body=moment.body, visibility="include", tag_ids=[tag_id])
        post = await feed_moments.create_moment(session, author, data)
        await _react(
            session, actors, str(post.id), moment.likers, moment.comments, moment.author_reply, author
        )

    post_ids: list[str] = []
    for item in plan.posts:
        if item.repost_of is None:
            post = await feed_posts.create_public_post(
                session, actors[item.author], PublicPostIn(body=item.body)
            )
        else:
            post = await feed_posts.repost(
                session, actors[item.author], post_ids[item.repost_of], RepostIn(comment=item.body)
            )
        post_ids.append(str(post.id))
        await _react(session, actors, str(post.id), item.likers, item.comments, None, None)

    for chat in plan.chats:
        opener = actors[chat.members[0]]
        if chat.title is None:
            peer = str(actors[chat.members[1]].user_id)
            opened = await chats.open_direct(session, opener, DirectChatIn(user_id=peer))
        else:
            others = [str(actors[m].user_id) for m in chat.members[1:]]
            opened = await chats.create_group(
                session, opener, GroupCreateIn(title=chat.title, member_ids=others)
            )
        for sender, line in chat.lines:
            message = MessageIn(kind="text", content={"text": line})
            await chat_messages.send_message(session, actors[sender], str(opened.id), message)


async def _react(
    session: AsyncSession,
    actors: dict[str, Actor],
    post_id: str,
    likers: tuple[str, ...],
    comments: tuple[tuple[str, str], ...],
    author_reply: str | None,
    author: Actor | None,
) -> None:
    for liker in likers:
        await feed_comments.like(session, actors[liker], post_id)
    first: str | None = None
    for commenter, body in comments:
        comment = await feed_comments.add_comment(session, actors[commenter], post_id, body, None)
        first = first or str(comment.id)
    if author_reply and author and first:
        await feed_comments.add_comment(session, author, post_id, author_reply, first)


def _product_photo(colour: tuple[int, int, int], index: int) -> bytes:
    """A plain generated product photo: the product's colour with a lighter shape, no text."""
    image = Image.new("RGB", (600, 600), colour)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 60) for c in colour)
    dark = tuple(max(0, c - 50) for c in colour)
    draw.rectangle((0, 470, 600, 600), fill=dark)
    if index % 2:
        draw.ellipse((150, 110, 450, 410), fill=light)
    else:
        draw.rounded_rectangle((170, 90, 430, 440), radius=40, fill=light)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def _seed_shops(session: AsyncSession, actors: dict[str, Actor]) -> None:
    """Each demo merchant's shop: categories, products with SKUs, stock, a photo and a broadcast."""
    for shop in SHOPS:
        merchant = actors[shop.merchant]
        await commerce_shops.save_my_shop(session, merchant, ShopIn(name=shop.name, intro=shop.intro))
        category_ids: dict[str, str] = {}
        for name in shop.categories:
            category = await commerce_catalog.create_category(session, merchant, CategoryIn(name=name))
            category_ids[name] = str(category.id)
        for index, product in enumerate(shop.products):
            processed = process_image(_product_photo(product.colour, index), max_side=600, thumb_side=400)
            image = commerce_catalog.store_product_image(
                merchant.user_id, processed.data, processed.thumbnail, processed.extension
            )
            created = await commerce_catalog.create_product(
                session,
                merchant,
                ProductIn(
                    title=product.title,
                    description=product.description,
                    category_id=category_ids[product.category],
                    image_keys=[image.key],
                    skus=[SkuIn(name=name, price=price, stock=stock) for name, price, stock in product.skus],
                ),
            )
            if index == 0:  # each shop's first product is also sold in teams and bargained for
                await _seed_deals(session, merchant, created)
        title, body = shop.broadcast
        await commerce_broadcasts.send_broadcast(session, merchant, BroadcastIn(title=title, body=body))


async def _seed_deals(session: AsyncSession, merchant: Actor, product: ProductOut) -> None:
    """A 2-person group deal at 80% of the price and a "help me cut" offer down to 60% of it."""
    sku = min(product.skus, key=lambda s: s.price)
    await groupbuy.create_deal(
        session,
        merchant,
        DealIn(
            sku_id=str(sku.id), group_price=sku.price * 8 // 10, team_size=2, stock=min(20, sku.stock // 2)
        ),
    )
    await groupbuy.create_offer(
        session,
        merchant,
        BargainOfferIn(
            sku_id=str(sku.id),
            floor_price=sku.price * 6 // 10,
            max_helpers=5,
            cut_min=max(1, sku.price // 50),
            cut_max=max(2, sku.price // 8),
        ),
    )
