"""Commerce's tables, one module per room; the schema itself is migrations 0007–0010.

Importing this package maps every room's tables, so foreign keys between rooms resolve.
"""

from quanzi.commerce.models import catalog, orders, reviews, shares

__all__ = ["catalog", "orders", "reviews", "shares"]
