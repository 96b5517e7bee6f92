/** The shell's own text: the app's name, the tabs, common words and badges, and errors of the client itself. */
import type { Translation } from './i18n';

export const en = {
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

  'badge.merchant': 'Merchant',
  'badge.verifiedMerchant': 'Verified merchant',
  'badge.kol': 'KOL',

  'comingSoon.title': 'Coming soon',
  'comingSoon.body': 'This part of Quanzi is being built. Check back later!',

  'error.sessionExpired': 'Your session has ended. Please log in again.',
  'error.network': 'Cannot reach the server. Check your connection.',
} as const;

export const zh: Translation<typeof en> = {
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

  'badge.merchant': '商家',
  'badge.verifiedMerchant': '认证商家',
  'badge.kol': '达人',

  'comingSoon.title': '敬请期待',
  'comingSoon.body': '这部分功能正在建设中，稍后再来看看吧！',

  'error.sessionExpired': '登录已失效，请重新登录。',
  'error.network': '无法连接服务器，请检查网络。',
};

// The server words its errors in English; these codes get a Chinese wording, others show as sent.
export const zhErrors: Record<string, string> = {
  not_found: '内容不存在。',
  unauthorized: '请先登录。',
};
