"""The audit log's manifest: an append-only record of money and operator actions (MOD-3), written by
its consumer of the event stream and read by operators (docs/audit.md)."""

from quanzi.audit.consumers import AUDIT_LOG
from quanzi.core.manifest import DomainManifest

manifest = DomainManifest(name="audit", router="quanzi.audit.api:router", consumers=(AUDIT_LOG,))
