"""Group buying and bargains, as other domains and the routes call them (GRP-1 … GRP-5, BAR-1).

The front door: re-exports the service functions of its rooms — `deals` (group deals), `teams`
(opening, joining, success, failure) and `bargains` (offers, cuts, buying at the floor). Every
function takes the session (the caller's unit of work) and, where a person acts, the actor first,
checks permissions itself and never commits. Money-moving calls (`open_team`, `join_team`, `buy`)
take the PIN proof and run behind `core.http.idempotent` with the wallet's PIN precheck.

Chat shows a team or a bargain as a message card (kinds ``group_team`` and ``bargain``) through
`get_team` / `view_team` and `get_bargain` / `view_bargain`.
"""

from __future__ import annotations

from quanzi.groupbuy.bargains import (
    buy,
    create_offer,
    cut,
    cut_out,
    end_offer,
    expire_bargain,
    get_bargain,
    list_offers,
    my_bargains,
    offers_out,
    start_bargain,
    view_bargain,
)
from quanzi.groupbuy.deals import (
    create_deal,
    deals_out,
    end_deal,
    get_deal,
    list_deals,
    my_deals,
    product_deals,
)
from quanzi.groupbuy.teams import (
    fail_team,
    get_team,
    join_refusal,
    join_team,
    my_teams,
    open_team,
    open_teams,
    product_teams,
    share_team,
    team_out,
    view_deal,
    view_team,
)

__all__ = [
    "buy",
    "create_deal",
    "create_offer",
    "cut",
    "cut_out",
    "deals_out",
    "end_deal",
    "end_offer",
    "expire_bargain",
    "fail_team",
    "get_bargain",
    "get_deal",
    "get_team",
    "join_refusal",
    "join_team",
    "list_deals",
    "list_offers",
    "my_bargains",
    "my_deals",
    "my_teams",
    "offers_out",
    "open_team",
    "open_teams",
    "product_deals",
    "product_teams",
    "share_team",
    "start_bargain",
    "team_out",
    "view_bargain",
    "view_deal",
    "view_team",
]
