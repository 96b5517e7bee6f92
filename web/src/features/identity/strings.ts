/** The accounts' text: log-in and sign-up, the Me page (profile, privacy, password, devices). */
import type { Translation } from '../../core/i18n';

export const en = {
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
};

export const zh: Translation<typeof en> = {
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
};

/** Chinese wording for the identity API's error codes (others show the server's English). */
export const zhErrors: Record<string, string> = {
  invalid_credentials: '用户名或密码错误。',
  too_many_attempts: '尝试次数过多，请稍后再试。',
  username_taken: '该用户名已被使用。',
  phone_taken: '该手机号已被注册。',
};

// Makes `t('…')` accept this table's keys (core/i18n.ts); the feature's manifest adds the table itself.
type FeatureText = typeof en;
declare module '../../core/i18n' {
  interface Strings extends FeatureText {}
}
