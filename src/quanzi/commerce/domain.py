"""The commerce domain's manifest: shops, catalog, cart, orders, refunds, reviews, share links."""

from quanzi.commerce.chat_cards import CARD_KINDS
from quanzi.commerce.consumers import SHOP_VERIFICATION
from quanzi.commerce.events import EVENTS
from quanzi.commerce.jobs import JOBS
from quanzi.commerce.orders import LIFECYCLE as ORDER_LIFECYCLE
from quanzi.commerce.refunds import LIFECYCLE as REFUND_LIFECYCLE
from quanzi.commerce.reporting import REPORT_TARGETS
from quanzi.core.manifest import DomainManifest

manifest = DomainManifest(
    name="commerce",
    router="quanzi.commerce.api:router",
    jobs=JOBS,
    consumers=(SHOP_VERIFICATION,),
    events=EVENTS,
    lifecycles=(ORDER_LIFECYCLE, REFUND_LIFECYCLE),
    contributes={"chat.card_kinds": CARD_KINDS, "moderation.report_targets": REPORT_TARGETS},
)
