/**
 * Every feature of the app: a new domain adds its folder under features/ and one line here.
 *
 * The order is the order the features' style sheets cascade in (a later sheet wins a tie; the shared
 * base, core/styles.css, comes after all of them). Routes and text do not depend on it. Only this file
 * imports a feature's index, so that each sheet takes its place here.
 */
import type { Feature } from '../core/feature';
import { identity } from '../features/identity';
import { graph } from '../features/graph';
import { feed } from '../features/feed';
import { commerce } from '../features/commerce';
import { groupbuy } from '../features/groupbuy';
import { chat } from '../features/chat';
import { wallet } from '../features/wallet';
import { merchant } from '../features/commerce/merchant';
import { audit } from '../features/audit';
import { moderation } from '../features/moderation';

export const features: Feature[] = [
  identity,
  graph,
  feed,
  commerce,
  groupbuy,
  chat,
  wallet,
  merchant,
  audit,
  moderation,
];
