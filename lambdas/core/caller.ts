import type { Ability } from '#core/api-keys/api-key';
import { forbidden, unauthenticated } from '#core/errors';

/** A team's API key, with what it may do. */
export interface TeamCaller {
  kind: 'key';
  teamId: string;
  keyId: string;
  abilities: Ability[];
}

/** A caller without a key, known only by its network address (bucketed: an IPv4 address or IPv6 /64). */
export interface AnonymousCaller {
  kind: 'anonymous';
  client: string;
}

/** Who is calling. Every service takes one; only the authenticator makes one. */
export type Caller = TeamCaller | AnonymousCaller;

/** For read paths that never count anything per client (the viewer). */
export const ANONYMOUS: Caller = { kind: 'anonymous', client: 'viewer' };

/** The caller must hold a key with `ability`: 401 without a key, 403 with a key that lacks it. */
export const requireAbility = (caller: Caller, ability: Ability): TeamCaller => {
  if (caller.kind !== 'key') throw unauthenticated('This endpoint requires an API key.');
  if (!caller.abilities.includes(ability)) throw forbidden(`This API key lacks the "${ability}" ability.`);
  return caller;
};

/** Like requireAbility, but anonymous callers pass (endpoints that work without a key). */
export const allowAnonymousOr = (caller: Caller, ability: Ability): Caller =>
  caller.kind === 'anonymous' ? caller : requireAbility(caller, ability);
