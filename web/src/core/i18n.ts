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

/** An error answer from the API, as core/http.ts's `ApiError` carries it. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

/** Whether `key` is a text key: for keys built from a server's code (`error.type.${type}`). */
export const hasText = (key: string): key is MessageKey => key in tables.en;
const has = hasText;

/** One invalid field of a 422 `invalid_input` (docs/api.md): where, pydantic's `type`, its limits. */
interface InvalidField {
  loc?: unknown;
  type?: unknown;
  ctx?: unknown;
}

const LOCATIONS = new Set(['body', 'query', 'path', 'header']);

function invalidFieldText(detail: InvalidField): string {
  const loc = Array.isArray(detail.loc) ? detail.loc.map(String) : [];
  // The field's own name: the last part that is neither where it was sent nor a list index.
  const field = [...loc].reverse().find((part) => !LOCATIONS.has(part) && !/^\d+$/.test(part)) ?? '';
  const type = typeof detail.type === 'string' ? detail.type : '';
  const fieldKey = `error.field.${field}`;
  const label = has(fieldKey) ? t(fieldKey) : t('error.field.unknown');
  const valueKey = `error.value.${field}`;
  if (type === 'value_error' && has(valueKey)) return t(valueKey);
  const params: Record<string, string | number> = { field: label };
  if (detail.ctx && typeof detail.ctx === 'object') {
    for (const [name, value] of Object.entries(detail.ctx as Record<string, unknown>)) {
      if (typeof value === 'number' || typeof value === 'string') params[name] = value;
    }
  }
  const typeKey = `error.type.${type}`;
  return t(has(typeKey) ? typeKey : 'error.type.default', params);
}

/**
 * What to show a person for an API error, always a sentence in their language: the network and 5xx
 * have their own; a 422 `invalid_input` is worded from its fields (`details`); other codes from the
 * features' tables (Chinese) or, in English, the server's own sentence; anything else, a generic line.
 * Server text that is not a sentence for people (pydantic's messages, a proxy's status line) is never
 * shown.
 */
export function errorText(error: ErrorAnswer): string {
  if (error.code === 'network_error') return t('error.network');
  if (error.status >= 500 || error.code === 'internal_error') return t('error.server');
  if (error.code === 'invalid_input') {
    const fields = Array.isArray(error.details) ? (error.details as InvalidField[]) : [];
    const lines = [...new Set(fields.slice(0, 3).map(invalidFieldText))];
    return lines.length ? lines.join(' ') : t('error.generic');
  }
  if (lang.get() === 'zh') return zhErrors[error.code] ?? t('error.generic');
  if (error.code === 'malformed_json' || error.code.startsWith('http_') || !error.message) return t('error.generic');
  return error.message;
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(lang.get() === 'zh' ? 'zh-CN' : 'en', {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}
