"""The moderation domain's manifest: the sensitive-word list and filter, reports and the queue.

It depends on no other domain. The domains that own reportable things contribute to its extension
point ``moderation.report_targets``; each serving process keeps a copy of the word list, which the
app wires to ``moderation.words.changed`` on the bus and `poll_versions` checks now and then.
"""

from quanzi.core.manifest import DomainManifest
from quanzi.moderation.events import EVENTS
from quanzi.moderation.lifecycles import LIFECYCLES
from quanzi.moderation.service import install_report_targets, poll_versions

manifest = DomainManifest(
    name="moderation",
    router="quanzi.moderation.api:router",
    events=EVENTS,
    lifecycles=LIFECYCLES,
    extension_points={"moderation.report_targets": install_report_targets},
    tasks=(poll_versions,),
)
