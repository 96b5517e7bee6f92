/**
 * Every piece of UI text, in English and Chinese. Each table's English part defines its keys; its
 * Chinese part must cover the same keys, and no others (`Translation`, checked by the type checker).
 *
 * The shell's own text is in ./strings.ts. A feature keeps its text in its `strings.ts`: it exports
 * `en` (keys carry the feature's prefixes, so tables never collide), `zh: Translation<typeof en>` and
 * optionally `zhErrors` (Chinese wording for its error codes), and adds its keys to `Strings` below by
 * declaration merging, so that `t()` accepts them. The app adds each feature's tables at start-up
 * (`addStrings`, from the feature's manifest).
 */
import { Store } from './store';
import * as shell from './strings';

export type Lang = 'en' | 'zh';

/** A table in another language for the keys of the English table `T`: every key, and no other. */
export type Translation<T> = { readonly [K in keyof T]: string };

type ShellText = typeof shell.en;

/** The keys of all UI text: the shell's here, and each feature's `strings.ts` merges in its own. */
export interface Strings extends ShellText {}

export type MessageKey = keyof Strings;

/** A feature's `strings.ts`, as the app adds it. */
export interface StringTables {
  en: Record<string, string>;
  zh: Record<string, string>;
  zhErrors?: Record<string, string>;
}

const tables: Record<Lang, Record<string, string>> = { en: {}, zh: {} };
const zhErrors: Record<string, string> = {};

/** Adds a feature's text to the app's. A key that two tables define is a mistake, refused here. */
export function addStrings(strings: StringTables): void {
  for (const key of Object.keys(strings.en)) {
    if (key in tables.en) throw new Error(`UI text key defined twice: ${key}`);
  }
  Object.assign(tables.en, strings.en);
  Object.assign(tables.zh, strings.zh);
  Object.assign(zhErrors, strings.zhErrors);
}

addStrings(shell);

const LANG_KEY = 'quanzi.lang';

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
