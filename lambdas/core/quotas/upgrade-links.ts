import { createHmac } from 'node:crypto';
import { isPlanName, type PlanName } from '#core/plans';
import { sameSecret } from '#core/same-secret';

/**
 * Signed one-click upgrade links: `<base>?team=…&plan=…&expires=…&signature=…`, where the signature
 * is HMAC-SHA256 (hex) over `team\nplan\nexpires` with the deployment's UPGRADE_LINK_SECRET. The
 * operator's billing page verifies a link with `verifyUpgradeLink` (or the same HMAC in any language)
 * and needs no login: the link itself proves which team asked for which plan, until it expires.
 */
export const UPGRADE_LINK_LIFETIME_SECONDS = 7 * 86_400;

const sign = (secret: string, team: string, plan: string, expires: number): string =>
  createHmac('sha256', secret).update(`${team}\n${plan}\n${expires}`).digest('hex');

export const createUpgradeLink = (
  base: string,
  secret: string,
  link: { team: string; plan: PlanName; expires: number },
): string => {
  const url = new URL(base);
  url.searchParams.set('team', link.team);
  url.searchParams.set('plan', link.plan);
  url.searchParams.set('expires', String(link.expires));
  url.searchParams.set('signature', sign(secret, link.team, link.plan, link.expires));
  return url.toString();
};

/** The team and plan a link grants, or undefined if it was not signed with `secret` or has expired. */
export const verifyUpgradeLink = (
  link: string,
  secret: string,
  nowSeconds: number,
): { team: string; plan: PlanName; expires: number } | undefined => {
  const params = new URL(link).searchParams;
  const [team, plan, expiresText, signature] = ['team', 'plan', 'expires', 'signature'].map((name) =>
    params.get(name),
  );
  if (!team || !plan || !expiresText || !signature || !isPlanName(plan) || !/^\d{1,12}$/.test(expiresText))
    return undefined;
  const expires = Number(expiresText);
  if (!sameSecret(signature, sign(secret, team, plan, expires)) || expires <= nowSeconds) return undefined;
  return { team, plan, expires };
};
