"""The group-buying domain's manifest: group deals, teams and bargains, and their chat cards."""

from quanzi.core.manifest import DomainManifest
from quanzi.groupbuy.chat_cards import CARD_KINDS
from quanzi.groupbuy.events import EVENTS
from quanzi.groupbuy.jobs import JOBS
from quanzi.groupbuy.lifecycles import LIFECYCLES

manifest = DomainManifest(
    name="groupbuy",
    router="quanzi.groupbuy.api:router",
    jobs=JOBS,
    events=EVENTS,
    lifecycles=LIFECYCLES,
    contributes={"chat.card_kinds": CARD_KINDS},
)
