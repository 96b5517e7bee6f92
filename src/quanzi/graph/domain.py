"""The graph domain's manifest: friends, follows, blocks, tags and discovery."""

from quanzi.core.manifest import DomainManifest
from quanzi.graph.events import EVENTS

manifest = DomainManifest(
    name="graph",
    router="quanzi.graph.api:router",
    events=EVENTS,
    live_topics=("graph.friend_request.created",),
)
