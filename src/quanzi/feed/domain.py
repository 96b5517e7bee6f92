"""The feed domain's manifest: Moments, public posts, comments, topics, hot search, notifications."""

from quanzi.core.manifest import DomainManifest
from quanzi.feed.consumers import CONSUMERS
from quanzi.feed.events import EVENTS
from quanzi.feed.jobs import JOBS
from quanzi.feed.reporting import REPORT_TARGETS
from quanzi.feed.service.hotsearch import ACTIVITY

manifest = DomainManifest(
    name="feed",
    router="quanzi.feed.api:router",
    jobs=JOBS,
    consumers=CONSUMERS,
    events=EVENTS,
    live_topics=("feed.notification.created", "feed.notification.read"),
    tasks=(ACTIVITY.run,),
    contributes={"moderation.report_targets": REPORT_TARGETS},
)
