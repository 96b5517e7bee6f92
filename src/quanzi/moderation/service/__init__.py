"""Moderation's rules (MOD-1, MOD-2), its one door for other domains:

- `filter`  — `screen(session, text)`: the sensitive-word filter the other domains' services call;
  the per-process copy of the list and how it is kept fresh;
- `words`   — the operators' word list;
- `reports` — users' reports, the queue and the operators' actions;
- `targets` — what can be reported, as the owning domains describe it (an extension point).
"""

from __future__ import annotations

from quanzi.moderation.events import WORDS_CHANGED as WORDS_CHANGED_TOPIC
from quanzi.moderation.service.filter import (
    SensitiveContent,
    WordListListener,
    current_list,
    poll_versions,
    screen,
)
from quanzi.moderation.service.reports import act_on_report, file_report, list_reports
from quanzi.moderation.service.targets import ReportTarget, TargetInfo, install_report_targets
from quanzi.moderation.service.words import add_word, list_words, remove_word, require_operator

__all__ = [
    "WORDS_CHANGED_TOPIC",
    "ReportTarget",
    "SensitiveContent",
    "TargetInfo",
    "WordListListener",
    "act_on_report",
    "add_word",
    "current_list",
    "file_report",
    "install_report_targets",
    "list_reports",
    "list_words",
    "poll_versions",
    "remove_word",
    "require_operator",
    "screen",
]
