import type { JSX } from 'preact';
import { href } from '../../../core/router';
import type { UserCard } from '../../../core/types';

/** `#话题#`, `#topic` and `@username`; only what the server recognised in this post becomes a link. */
const TOKEN = /#([^#\n]{1,64})#|#([\p{L}\p{N}_]+)|@([\p{L}\p{N}_.-]+)/gu;

const key = (name: string) => name.normalize('NFKC').toLowerCase().trim();

export const topicHref = (name: string) => href(`/topics/${encodeURIComponent(name)}`);

interface Props {
  text: string;
  topics: { name: string }[];
  mentions: UserCard[];
}

export function RichText({ text, topics, mentions }: Props) {
  const topicByKey = new Map(topics.map((topic) => [key(topic.name), topic.name]));
  const userByName = new Map(mentions.filter((u) => u.username).map((u) => [key(u.username!), u]));
  const parts: (string | JSX.Element)[] = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index ?? 0;
    const [whole, weibo, hash, at] = match;
    let node: JSX.Element | null = null;
    if (weibo !== undefined || hash !== undefined) {
      const name = topicByKey.get(key(weibo ?? hash ?? ''));
      if (name !== undefined) {
        node = (
          <a class="topic-link" data-testid="topic-link" href={topicHref(name)}>
            {whole}
          </a>
        );
      }
    } else if (at !== undefined) {
      const user = userByName.get(key(at));
      if (user) {
        node = (
          <a class="mention-link" data-testid="mention-link" href={href(`/users/${user.id}`)}>
            {whole}
          </a>
        );
      }
    }
    if (!node) continue;
    if (start > last) parts.push(text.slice(last, start));
    parts.push(node);
    last = start + whole.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}
