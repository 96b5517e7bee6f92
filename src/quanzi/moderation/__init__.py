"""Trust and safety (MOD-1, MOD-2): the sensitive-word list and filter, users' reports and the
operators' queue. Other domains call the filter through `moderation.service` and react to
moderation's events (take-downs, bans) in their own consumers."""
