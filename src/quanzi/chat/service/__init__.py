"""The chat domain's rules (CHT-1 … CHT-8), one module per concern:

- `conversations` — direct chats, groups, members, invitations, roles, read state, mute and pin;
- `messages` — sending (kinds, reply, mentions, forward, client ids), recall, delete for me, history, search;
- `sync` — the per-user ordered log every change a user must see is appended to, and reading it;
- `uploads` — voice, images, video and files waiting to be sent;
- `render` — how chats and messages look to a user; `common` — who may see and do what;
- `customer_service` — service chats with official accounts, the shared inbox, staff (CHT-9, SHP-2), and
  `service_desk` — what the other rooms consult about service chats (staff acting as the account, the window).

- `notices` — what other domains may ask of a chat they refer to (members, a system notice).

Every function takes the unit of work (session) and the acting user, checks access itself (404 for a
chat or message the actor may not see), and never commits. Other domains use the names below, and
implement chat cards through the card-kind interface re-exported here (`quanzi.chat.kinds`).
"""

from __future__ import annotations

from quanzi.chat.kinds import (
    CardContent,
    KindContext,
    MessageKind,
    Prepared,
    install_card_kinds,
    parse_content,
)
from quanzi.chat.service.conversations import (
    add_members,
    create_group,
    get_chat,
    leave_chat,
    list_chats,
    list_invitations,
    list_members,
    mark_read,
    open_direct,
    remove_member,
    respond_invitation,
    set_role,
    typing_recipients,
    update_group,
    update_settings,
)
from quanzi.chat.service.customer_service import (
    add_staff,
    claim,
    get_service_conversation,
    inbox,
    list_staff,
    list_workplaces,
    open_service_chat,
    remove_staff,
    service_history,
    transfer,
)
from quanzi.chat.service.messages import (
    get_message,
    hide_message,
    list_messages,
    recall_message,
    search_messages,
    send_message,
)
from quanzi.chat.service.notices import active_member_ids, is_active_member, post_system_notice
from quanzi.chat.service.sync import head, read_log
from quanzi.chat.service.uploads import store_upload

__all__ = [
    "CardContent",
    "KindContext",
    "MessageKind",
    "Prepared",
    "active_member_ids",
    "add_members",
    "add_staff",
    "claim",
    "create_group",
    "get_chat",
    "get_message",
    "get_service_conversation",
    "head",
    "hide_message",
    "inbox",
    "install_card_kinds",
    "is_active_member",
    "leave_chat",
    "list_chats",
    "list_invitations",
    "list_members",
    "list_messages",
    "list_staff",
    "list_workplaces",
    "mark_read",
    "open_direct",
    "open_service_chat",
    "parse_content",
    "post_system_notice",
    "read_log",
    "recall_message",
    "remove_member",
    "remove_staff",
    "respond_invitation",
    "search_messages",
    "send_message",
    "service_history",
    "set_role",
    "store_upload",
    "transfer",
    "typing_recipients",
    "update_group",
    "update_settings",
]
