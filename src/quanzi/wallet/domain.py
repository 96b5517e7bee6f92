"""The wallet domain's manifest: the ledger, cards and the bank, PINs, transfers, red packets,
payments; the money cards it brings into chat and the notices it posts there."""

from quanzi.core.manifest import DomainManifest
from quanzi.wallet.chat_cards import CARD_KINDS
from quanzi.wallet.consumers import CHAT_NOTICES
from quanzi.wallet.events import EVENTS
from quanzi.wallet.jobs import JOBS
from quanzi.wallet.lifecycles import LIFECYCLES

manifest = DomainManifest(
    name="wallet",
    router="quanzi.wallet.api:router",
    jobs=JOBS,
    consumers=(CHAT_NOTICES,),
    events=EVENTS,
    lifecycles=LIFECYCLES,
    contributes={"chat.card_kinds": CARD_KINDS},
)
