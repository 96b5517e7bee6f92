/** Moderation's text (docs/moderation.md): the report action, the operators' queue and word list. */
import type { Translation } from '../../core/i18n';

export const en = {
  'mod.report': 'Report',
  'mod.reportTitle': 'Why are you reporting this?',
  'mod.reportNote': 'More details (optional)',
  'mod.reportSend': 'Send report',
  'mod.reportCancel': 'Cancel',
  'mod.reported': 'Thanks. An operator will look at it.',

  'mod.reason.spam': 'Spam or advertising',
  'mod.reason.abuse': 'Harassment or abuse',
  'mod.reason.sexual': 'Sexual content',
  'mod.reason.violence': 'Violence',
  'mod.reason.illegal': 'Illegal goods or activity',
  'mod.reason.fraud': 'Fraud or scam',
  'mod.reason.misinformation': 'False information',
  'mod.reason.other': 'Something else',

  'mod.console': 'Moderation',
  'mod.queue': 'Report queue',
  'mod.words': 'Sensitive words',
  'mod.queueEmpty': 'No reports here.',
  'mod.filterStatus': 'Status',
  'mod.filterKind': 'Kind',
  'mod.allKinds': 'All kinds',
  'mod.kind.post': 'Post',
  'mod.kind.comment': 'Comment',
  'mod.kind.user': 'User',
  'mod.kind.shop': 'Shop',
  'mod.status.all': 'All',
  'mod.status.open': 'Open',
  'mod.status.taken_down': 'Taken down',
  'mod.status.banned': 'Banned',
  'mod.status.dismissed': 'Dismissed',
  'mod.status.restored': 'Restored',
  'mod.action.take_down': 'Take down',
  'mod.action.restore': 'Restore',
  'mod.action.ban': 'Ban owner',
  'mod.action.dismiss': 'Dismiss',
  'mod.actionNote': 'Note to the author (optional)',
  'mod.done': 'Done.',
  'mod.banConfirm': 'Ban this account? Its sessions end and it cannot log in.',
  'mod.reportedBy': 'reported by {id}',
  'mod.owner': 'owner {id}',

  'mod.wordPlaceholder': 'Word or phrase',
  'mod.wordAction.refuse': 'Refuse',
  'mod.wordAction.mask': 'Mask with *',
  'mod.addWord': 'Add',
  'mod.removeWord': 'Remove',
  'mod.wordAdded': 'Added.',
  'mod.wordsEmpty': 'The list is empty.',
  'mod.wordsHelp':
    'Refused words stop a post, comment, group message or nickname; masked words are replaced by *. English matches whole words in any case; Chinese matches whole words as jieba cuts them.',

  'mod.notice.takenDown': 'Your content was taken down: {reason}',
};

export const zh: Translation<typeof en> = {
  'mod.report': '举报',
  'mod.reportTitle': '举报原因',
  'mod.reportNote': '补充说明（选填）',
  'mod.reportSend': '提交举报',
  'mod.reportCancel': '取消',
  'mod.reported': '已收到举报，运营人员会尽快处理。',

  'mod.reason.spam': '垃圾广告',
  'mod.reason.abuse': '辱骂骚扰',
  'mod.reason.sexual': '色情低俗',
  'mod.reason.violence': '暴力内容',
  'mod.reason.illegal': '违法违禁',
  'mod.reason.fraud': '诈骗',
  'mod.reason.misinformation': '虚假信息',
  'mod.reason.other': '其他',

  'mod.console': '内容审核',
  'mod.queue': '举报处理',
  'mod.words': '敏感词',
  'mod.queueEmpty': '暂无举报。',
  'mod.filterStatus': '状态',
  'mod.filterKind': '类型',
  'mod.allKinds': '全部类型',
  'mod.kind.post': '动态',
  'mod.kind.comment': '评论',
  'mod.kind.user': '用户',
  'mod.kind.shop': '店铺',
  'mod.status.all': '全部',
  'mod.status.open': '待处理',
  'mod.status.taken_down': '已下架',
  'mod.status.banned': '已封禁',
  'mod.status.dismissed': '已驳回',
  'mod.status.restored': '已恢复',
  'mod.action.take_down': '下架',
  'mod.action.restore': '恢复',
  'mod.action.ban': '封禁账号',
  'mod.action.dismiss': '驳回',
  'mod.actionNote': '给作者的说明（选填）',
  'mod.done': '已处理。',
  'mod.banConfirm': '确定封禁该账号？其登录状态将失效且无法再登录。',
  'mod.reportedBy': '举报人 {id}',
  'mod.owner': '所有者 {id}',

  'mod.wordPlaceholder': '词语或短语',
  'mod.wordAction.refuse': '拒绝发布',
  'mod.wordAction.mask': '替换为 *',
  'mod.addWord': '添加',
  'mod.removeWord': '删除',
  'mod.wordAdded': '已添加。',
  'mod.wordsEmpty': '敏感词列表为空。',
  'mod.wordsHelp':
    '“拒绝发布”的词会阻止动态、评论、群消息和昵称发布；“替换为 *”的词会被星号遮盖。英文按整词匹配，不区分大小写；中文按结巴分词的整词匹配。',

  'mod.notice.takenDown': '你的内容已被下架：{reason}',
};

export const zhErrors: Record<string, string> = {
  sensitive_content: '内容包含不允许发布的词语，请修改后再试。',
  already_reported: '你已举报过，运营人员会尽快处理。',
  cannot_report_own: '不能举报自己或自己的内容。',
  not_an_operator: '只有运营人员可以这样做。',
  action_not_allowed: '该举报当前不能执行此操作。',
  cannot_ban_yourself: '不能封禁自己。',
  word_exists: '该词已在列表中。',
  word_not_found: '该词不存在。',
  report_not_found: '举报不存在。',
  account_banned: '该账号已被封禁。',
};

// Makes `t('…')` accept this table's keys (core/i18n.ts); the feature's manifest adds the table itself.
type FeatureText = typeof en;
declare module '../../core/i18n' {
  interface Strings extends FeatureText {}
}
