"""Group buying and bargains (GRP-1 … GRP-5, BAR-1): group deals, teams, members, bargain offers,
bargains and their cuts. Other domains call `quanzi.groupbuy.service`."""
