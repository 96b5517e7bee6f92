"""The commerce domain's manifest: shops, catalog, cart, orders, refunds, reviews, share links."""

from quanzi.commerce.chat_cards import CARD_KINDS
from quanzi.commerce.consumers import SHOP_VERIFICATION
from quanzi.commerce.events import EVENTS
from quanzi.commerce.jobs import JOBS
from quanzi.core.manifest import DomainManifest

manifest = DomainManifest(
    name="commerce",
    router="quanzi.commerce.api:router",
    jobs=JOBS,
    consumers=(SHOP_VERIFICATION,),
    events=EVENTS,
    contributes={"chat.card_kinds": CARD_KINDS},
)
