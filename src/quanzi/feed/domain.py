"""The feed domain's manifest: Moments, public posts, comments, topics, hot search, notifications."""

from quanzi.core.manifest import DomainManifest
from quanzi.feed.events import EVENTS
from quanzi.feed.jobs import JOBS
from quanzi.feed.service.hotsearch import ACTIVITY

manifest = DomainManifest(
    name="feed",
    router="quanzi.feed.api:router",
    jobs=JOBS,
    events=EVENTS,
    live_topics=("feed.notification.created", "feed.notification.read"),
    tasks=(ACTIVITY.run,),
)
