"""Commerce's HTTP routes: one thin router per room, gathered into `router` for the app."""

from fastapi import APIRouter

from quanzi.commerce.api import catalog, orders, reviews, shares

router = APIRouter()
for room in (catalog, shares, reviews, orders):
    router.include_router(room.router)
