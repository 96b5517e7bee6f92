"""The identity domain's manifest: accounts, sessions, profiles and verification.

Each serving process keeps a session cache (`service.SessionCache`); the app wires it to
``identity.session.revoked`` on the bus.
"""

from quanzi.core.manifest import DomainManifest
from quanzi.identity.consumers import CONSUMERS
from quanzi.identity.events import EVENTS
from quanzi.identity.jobs import JOBS
from quanzi.identity.reporting import REPORT_TARGETS

manifest = DomainManifest(
    name="identity",
    router="quanzi.identity.api:router",
    jobs=JOBS,
    consumers=CONSUMERS,
    events=EVENTS,
    contributes={"moderation.report_targets": REPORT_TARGETS},
)
