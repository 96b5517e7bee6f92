/**
 * Every piece of UI text, in English and Chinese. An English table defines the keys; its Chinese
 * table must cover the same keys, and no others (the type checker enforces it).
 *
 * The shell's own text is below. A feature keeps its text in a module of its own under `i18n/`
 * (`i18n/chat.ts` is the example): it exports `en` (keys prefixed with the feature's name, so modules
 * never collide), `zh: Translation<typeof en>` and optionally `zhErrors` (Chinese wording for its
 * error codes). Adding a module is one import and one spread in each of the three merges below.
 */
import * as chat from './i18n/chat';
import * as feed from './i18n/feed';
import * as groupbuy from './i18n/groupbuy';
import * as merchant from './i18n/merchant';
import * as shop from './i18n/shop';
import * as wallet from './i18n/wallet';
import { Store } from './store';

export type Lang = 'en' | 'zh';

/** A table in another language for the keys of the English table `T`: every key, and no other. */
export type Translation<T> = { readonly [K in keyof T]: string };

const core = {
  'app.name': 'Quanzi',
  'lang.switchTo': '中文',

  'tab.chats': 'Chats',
  'tab.contacts': 'Contacts',
  'tab.discover': 'Discover',
  'tab.shop': 'Shop',
  'tab.wallet': 'Wallet',
  'tab.me': 'Me',

  'common.add': 'Add',
  'common.back': 'Back',
  'common.delete': 'Delete',
  'common.loadMore': 'Load more',
  'common.loading': 'Loading…',
  'common.none': 'Nothing here yet.',
  'common.remove': 'Remove',
  'common.save': 'Save',

  'field.username': 'Username',
  'field.displayName': 'Display name',
  'field.password': 'Password',

  'login.title': 'Log in',
  'login.login': 'Username or phone',
  'login.submit': 'Log in',
  'login.noAccount': 'New to Quanzi?',

  'signup.title': 'Sign up',
  'signup.phone': 'Phone (optional)',
  'signup.kind': 'Account type',
  'signup.consumer': 'Personal',
  'signup.merchant': 'Merchant',
  'signup.hint': 'A username or a phone number is needed to log in.',
  'signup.submit': 'Create account',
  'signup.haveAccount': 'Already have an account?',

  'badge.merchant': 'Merchant',
  'badge.verifiedMerchant': 'Verified merchant',
  'badge.kol': 'KOL',

  'comingSoon.title': 'Coming soon',
  'comingSoon.body': 'This part of Quanzi is being built. Check back later!',

  'search.placeholder': 'Username or phone number',
  'search.submit': 'Search',
  'search.none': 'No one found.',

  'contacts.friends': 'Friends',
  'contacts.noFriends': 'No friends yet. Search for someone to add.',
  'contacts.following': 'Following',
  'contacts.noFollowing': 'You are not following anyone.',
  'contacts.followers': 'Followers',
  'contacts.noFollowers': 'No followers yet.',
  'contacts.tags': 'Tags',
  'contacts.blocked': 'Blocked',
  'contacts.noBlocked': 'You have not blocked anyone.',

  'requests.incoming': 'New friends',
  'requests.noneIncoming': 'No new friend requests.',
  'requests.outgoing': 'Sent requests',
  'requests.noneOutgoing': 'No pending requests.',
  'requests.pending': 'Pending',
  'requests.accept': 'Accept',
  'requests.decline': 'Decline',
  'requests.accepted': 'Friend request accepted.',
  'requests.declined': 'Friend request declined.',

  'tags.newName': 'New tag name',
  'tags.create': 'Create',
  'tags.created': 'Tag created.',
  'tags.none': 'No tags yet. Tags group your friends.',
  'tags.memberCount': '{count} members',
  'tags.rename': 'Rename',
  'tags.renamed': 'Tag renamed.',
  'tags.deleted': 'Tag deleted.',
  'tags.members': 'Members',
  'tags.noMembers': 'No one has this tag yet.',
  'tags.addMembers': 'Add friends',
  'tags.noCandidates': 'All your friends have this tag.',

  'user.title': 'Profile',
  'user.isYou': 'This is you — edit your profile',
  'user.friend': 'Friend',
  'user.followsYou': 'Follows you',
  'user.counts': '{followers} followers · {following} following',
  'user.addFriend': 'Add friend',
  'user.requestMessage': 'Message',
  'user.requestMessagePlaceholder': 'Hi, I am…',
  'user.sendRequest': 'Send request',
  'user.requestSent': 'Friend request sent, waiting for an answer.',
  'user.requestSentNotice': 'Friend request sent.',
  'user.requestReceived': 'Wants to be your friend',
  'user.follow': 'Follow',
  'user.followed': 'Following.',
  'user.unfollow': 'Unfollow',
  'user.unfollowed': 'Unfollowed.',
  'user.block': 'Block',
  'user.blocked': 'Blocked.',
  'user.unblock': 'Unblock',
  'user.unblocked': 'Unblocked.',
  'user.removeFriend': 'Remove friend',
  'user.friendRemoved': 'Friend removed.',
  'user.remark': 'Remark',
  'user.remarkPlaceholder': 'Remark (only you see it)',
  'user.setRemark': 'Set remark',
  'user.remarkSaved': 'Remark saved.',

  'moments.title': 'Moments',

  'me.changeAvatar': 'Change photo',
  'me.avatarUpdated': 'Photo updated.',
  'me.editProfile': 'Profile',
  'me.bio': 'Bio',
  'me.region': 'Region',
  'me.saved': 'Saved.',
  'me.privacy': 'Who can find me',
  'me.discoverableByUsername': 'Find me by username',
  'me.discoverableByPhone': 'Find me by phone number',
  'me.changePassword': 'Change password',
  'me.currentPassword': 'Current password',
  'me.newPassword': 'New password',
  'me.passwordHint': 'Your other devices will be signed out.',
  'me.passwordChanged': 'Password changed. Other devices were signed out.',
  'me.sessions': 'Devices',
  'me.thisDevice': 'This device',
  'me.unknownDevice': 'Unknown device',
  'me.lastSeen': 'last active {time}',
  'me.revoke': 'Sign out',
  'me.sessionRevoked': 'Device signed out.',
  'me.logout': 'Log out',

  'error.sessionExpired': 'Your session has ended. Please log in again.',
  'error.network': 'Cannot reach the server. Check your connection.',
} as const;

const coreZh: Translation<typeof core> = {
  'app.name': '圈子',
  'lang.switchTo': 'English',

  'tab.chats': '聊天',
  'tab.contacts': '通讯录',
  'tab.discover': '发现',
  'tab.shop': '商城',
  'tab.wallet': '钱包',
  'tab.me': '我',

  'common.add': '添加',
  'common.back': '返回',
  'common.delete': '删除',
  'common.loadMore': '加载更多',
  'common.loading': '加载中…',
  'common.none': '暂无内容。',
  'common.remove': '移除',
  'common.save': '保存',

  'field.username': '用户名',
  'field.displayName': '昵称',
  'field.password': '密码',

  'login.title': '登录',
  'login.login': '用户名或手机号',
  'login.submit': '登录',
  'login.noAccount': '还没有账号？',

  'signup.title': '注册',
  'signup.phone': '手机号（选填）',
  'signup.kind': '账号类型',
  'signup.consumer': '个人',
  'signup.merchant': '商家',
  'signup.hint': '用户名和手机号至少填写一项，用于登录。',
  'signup.submit': '创建账号',
  'signup.haveAccount': '已有账号？',

  'badge.merchant': '商家',
  'badge.verifiedMerchant': '认证商家',
  'badge.kol': '达人',

  'comingSoon.title': '敬请期待',
  'comingSoon.body': '这部分功能正在建设中，稍后再来看看吧！',

  'search.placeholder': '用户名或手机号',
  'search.submit': '搜索',
  'search.none': '没有找到用户。',

  'contacts.friends': '好友',
  'contacts.noFriends': '还没有好友，搜索并添加吧。',
  'contacts.following': '我的关注',
  'contacts.noFollowing': '你还没有关注任何人。',
  'contacts.followers': '我的粉丝',
  'contacts.noFollowers': '还没有粉丝。',
  'contacts.tags': '标签',
  'contacts.blocked': '黑名单',
  'contacts.noBlocked': '黑名单为空。',

  'requests.incoming': '新的朋友',
  'requests.noneIncoming': '暂无新的好友申请。',
  'requests.outgoing': '已发送的申请',
  'requests.noneOutgoing': '暂无待处理的申请。',
  'requests.pending': '等待验证',
  'requests.accept': '接受',
  'requests.decline': '拒绝',
  'requests.accepted': '已接受好友申请。',
  'requests.declined': '已拒绝好友申请。',

  'tags.newName': '新标签名称',
  'tags.create': '新建',
  'tags.created': '标签已创建。',
  'tags.none': '还没有标签。用标签给好友分组吧。',
  'tags.memberCount': '{count} 人',
  'tags.rename': '重命名',
  'tags.renamed': '标签已重命名。',
  'tags.deleted': '标签已删除。',
  'tags.members': '成员',
  'tags.noMembers': '这个标签下还没有好友。',
  'tags.addMembers': '添加好友',
  'tags.noCandidates': '所有好友都已在这个标签下。',

  'user.title': '详细资料',
  'user.isYou': '这是你自己 — 去编辑资料',
  'user.friend': '好友',
  'user.followsYou': '关注了你',
  'user.counts': '{followers} 粉丝 · {following} 关注',
  'user.addFriend': '添加到通讯录',
  'user.requestMessage': '验证消息',
  'user.requestMessagePlaceholder': '你好，我是…',
  'user.sendRequest': '发送申请',
  'user.requestSent': '好友申请已发送，等待对方验证。',
  'user.requestSentNotice': '好友申请已发送。',
  'user.requestReceived': '请求添加你为朋友',
  'user.follow': '关注',
  'user.followed': '已关注。',
  'user.unfollow': '取消关注',
  'user.unfollowed': '已取消关注。',
  'user.block': '加入黑名单',
  'user.blocked': '已加入黑名单。',
  'user.unblock': '移出黑名单',
  'user.unblocked': '已移出黑名单。',
  'user.removeFriend': '删除好友',
  'user.friendRemoved': '已删除好友。',
  'user.remark': '备注',
  'user.remarkPlaceholder': '备注名（仅自己可见）',
  'user.setRemark': '设置备注',
  'user.remarkSaved': '备注已保存。',

  'moments.title': '朋友圈',

  'me.changeAvatar': '更换头像',
  'me.avatarUpdated': '头像已更新。',
  'me.editProfile': '个人资料',
  'me.bio': '个性签名',
  'me.region': '地区',
  'me.saved': '已保存。',
  'me.privacy': '添加我的方式',
  'me.discoverableByUsername': '可通过用户名找到我',
  'me.discoverableByPhone': '可通过手机号找到我',
  'me.changePassword': '修改密码',
  'me.currentPassword': '当前密码',
  'me.newPassword': '新密码',
  'me.passwordHint': '修改后，其他设备将退出登录。',
  'me.passwordChanged': '密码已修改，其他设备已退出登录。',
  'me.sessions': '登录设备',
  'me.thisDevice': '本机',
  'me.unknownDevice': '未知设备',
  'me.lastSeen': '最近活跃 {time}',
  'me.revoke': '退出登录',
  'me.sessionRevoked': '该设备已退出登录。',
  'me.logout': '退出登录',

  'error.sessionExpired': '登录已失效，请重新登录。',
  'error.network': '无法连接服务器，请检查网络。',
};

// The server words its errors in English; these codes get a Chinese wording, others show as sent.
const coreZhErrors: Record<string, string> = {
  invalid_credentials: '用户名或密码错误。',
  too_many_attempts: '尝试次数过多，请稍后再试。',
  username_taken: '该用户名已被使用。',
  phone_taken: '该手机号已被注册。',
  friend_request_refused: '对方拒绝接收你的好友申请。',
  already_friends: '你们已经是好友了。',
  not_found: '内容不存在。',
  unauthorized: '请先登录。',
};

// The merges: the shell, then one line per feature module.
const en = {
  ...core,
  ...chat.en,
  ...feed.en,
  ...groupbuy.en,
  ...merchant.en,
  ...shop.en,
  ...wallet.en,
};

export type MessageKey = keyof typeof en;

const zh: Translation<typeof en> = {
  ...coreZh,
  ...chat.zh,
  ...feed.zh,
  ...groupbuy.zh,
  ...merchant.zh,
  ...shop.zh,
  ...wallet.zh,
};

const zhErrors: Record<string, string> = {
  ...coreZhErrors,
  ...chat.zhErrors,
  ...feed.zhErrors,
  ...groupbuy.zhErrors,
  ...merchant.zhErrors,
  ...shop.zhErrors,
  ...wallet.zhErrors,
};

const LANG_KEY = 'quanzi.lang';
const tables: Record<Lang, Translation<typeof en>> = { en, zh };

function initialLang(): Lang {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export const lang = new Store<Lang>(initialLang());

function applyToDocument(value: Lang): void {
  document.documentElement.lang = value === 'zh' ? 'zh-CN' : 'en';
  document.title = value === 'zh' ? '圈子' : 'Quanzi';
}

applyToDocument(lang.get());

export function setLang(value: Lang): void {
  localStorage.setItem(LANG_KEY, value);
  applyToDocument(value);
  lang.set(value);
}

/** The text for `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return tables[lang.get()][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** What to show for an API error: a translation where there is one, else the server's own message. */
export function errorText(code: string, message: string): string {
  if (code === 'network_error') return t('error.network');
  return (lang.get() === 'zh' && zhErrors[code]) || message;
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(lang.get() === 'zh' ? 'zh-CN' : 'en', {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}
