"""The audit log (MOD-3): an append-only record of money and operator actions, written by a consumer
of the event stream, read by operators."""
