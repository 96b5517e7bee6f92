"""The chat domain's manifest: conversations, messages, the sync log, customer service."""

from quanzi.chat.consumers import CUSTOMER_PAYMENTS, FANOUT
from quanzi.chat.events import EVENTS
from quanzi.chat.kinds import BUILTIN_KINDS, install_card_kinds
from quanzi.chat.service.messages import PURGE_RECALLED_JOB, purge_recalled
from quanzi.core.manifest import DomainManifest

manifest = DomainManifest(
    name="chat",
    router="quanzi.chat.api:router",
    jobs={PURGE_RECALLED_JOB: purge_recalled},
    consumers=(FANOUT, CUSTOMER_PAYMENTS),
    events=EVENTS,
    # Domains above chat put their own cards in messages (a transfer, a product, a team).
    extension_points={"chat.card_kinds": install_card_kinds},
    contributes={"chat.card_kinds": BUILTIN_KINDS},
)
