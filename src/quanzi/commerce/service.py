"""Commerce's front door for other domains (chat, feed, wallet consumers, groupbuy): the service
functions of its rooms, re-exported. Inside commerce, modules import each other directly."""

from __future__ import annotations

# --- H1 (shops, catalog, search, broadcasts)
from quanzi.commerce.catalog import get_sku_for_sale as get_sku_for_sale
from quanzi.commerce.catalog import product_summary as product_summary
from quanzi.commerce.catalog import require_shop_owner as require_shop_owner

# --- H8 (orders paid through group buying and bargains; a deal's stock)
from quanzi.commerce.deal_stock import allot_stock as allot_stock
from quanzi.commerce.deal_stock import return_stock as return_stock
from quanzi.commerce.deal_stock import sku_and_product as sku_and_product
from quanzi.commerce.order_factory import create_paid_order as create_paid_order

# --- H2 (cart, orders, refunds)
from quanzi.commerce.orders import access_order as access_order
from quanzi.commerce.orders import completed_items_for_review as completed_items_for_review
from quanzi.commerce.orders import get_order as get_order
from quanzi.commerce.orders import list_orders as list_orders

# --- H3 (verified-purchase reviews)
from quanzi.commerce.reviews import reviewed_item_ids as reviewed_item_ids

# --- H4 (share links and attribution)
from quanzi.commerce.shares import attribution_for_purchase as attribution_for_purchase
from quanzi.commerce.shares import create_share as create_share
from quanzi.commerce.shares import get_link as get_link
from quanzi.commerce.shares import open_share as open_share
from quanzi.commerce.shares import share_url as share_url
from quanzi.commerce.shops import get_shop as get_shop
