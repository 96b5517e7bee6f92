"""Commerce: shops as merchants' official accounts, catalog, cart, orders, refunds, verified reviews and
share attribution (SHP-1, SHP-2, ORD-1 … ORD-3, REV-1, REV-2, ATT-1). See docs/commerce.md.

Other domains reach commerce only through `quanzi.commerce.service` and `quanzi.commerce.schemas`.
"""
