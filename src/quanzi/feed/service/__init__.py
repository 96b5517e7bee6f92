"""The feed's rules, one module per concern. Other domains import what they need from here.

- `visibility`  THE rule of who may see a post, and whose likes and comments a viewer may see
- `moments`     Moments (MOM-1 … MOM-5) and the Moments settings: browse-back, hide, mute
- `posts`       public posts, reposts and cascades (PUB-1, PUB-2), reading and deleting any post
- `comments`    likes, comments and one-level replies (MOM-3, MOM-6)
- `timelines`   friends' Moments, home, profiles, topic pages, search
- `topics`      parsing `#topics#`, @mentions and jieba terms (PUB-3)
- `hotsearch`   activity and the hot-search board (PUB-4)
- `notifications` the inbox (NTF-1)
- `media`       image and video intake
- `views`       turning rows into what one viewer may see
"""

from __future__ import annotations

from quanzi.feed.service.moments import create_moment
from quanzi.feed.service.topics import printable, ready, terms

__all__ = ["create_moment", "printable", "ready", "terms"]
