import { byId, element, formatBytes } from './dom.ts';
import { type ApiAction, call, type Session } from './session.ts';

/**
 * The API's action as a link where it has one: the signed upgrade link, or the operator's page or
 * address (on the largest plan), in a new tab so the dashboard stays. A wait has none.
 */
export const actionLink = (action: ApiAction | undefined): HTMLAnchorElement[] =>
  action && 'url' in action && action.url
    ? [
        element(
          'a',
          { href: action.url, className: 'action', target: '_blank', rel: 'noopener noreferrer' },
          action.label,
        ),
      ]
    : [];

/**
 * The month's uploads and the storage held, each against the plan's limit, and the upgrade action
 * the API offers once either is used up.
 */
export const showUsage = async (session: Session): Promise<void> => {
  const body = byId('usage-body');
  const answer = await call(session.api.v1.getUsage());
  if (!answer.ok) {
    body.replaceChildren(element('p', { className: 'error' }, answer.message));
    return;
  }
  const { plan, monthly, totals, action } = answer.data;
  const resets = new Date(monthly.resets_at * 1000).toLocaleDateString();
  const row = (id: string, label: string, value: number, max: number, text: string) =>
    element(
      'div',
      { className: 'usage-row' },
      element('label', { htmlFor: id }, label),
      element('meter', { id, min: 0, max, value, low: max * 0.8, high: max * 0.95, optimum: 0 }),
      element('div', { className: 'hint', id: `${id}-text` }, text),
    );
  body.replaceChildren(
    element('p', {}, 'Plan: ', element('strong', { id: 'usage-plan' }, plan)),
    row(
      'usage-uploads',
      'Uploads this month',
      monthly.uploads,
      monthly.uploads_limit,
      `${monthly.uploads} of ${monthly.uploads_limit} (resets ${resets})`,
    ),
    row(
      'usage-storage',
      'Storage',
      totals.storage_used_bytes,
      totals.storage_limit_bytes,
      `${formatBytes(totals.storage_used_bytes)} of ${formatBytes(totals.storage_limit_bytes)} in ${totals.media_stored} media`,
    ),
    ...(action
      ? [element('p', { className: 'upgrade' }, 'Your plan is used up. ', ...actionLink(action))]
      : []),
  );
};
