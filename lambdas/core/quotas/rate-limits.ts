import ipaddr from 'ipaddr.js';
import { unixSeconds } from '#core/clock';
import type { CountedWindow } from '#core/quotas/limits';
import type { AnonymousQuota } from '#core/quotas/state';

/**
 * Anonymous uploads are limited per client in fixed hourly and daily UTC windows. A client is an
 * IPv4 address, or an IPv6 /64 — one subscriber's whole prefix, which they can rotate through freely.
 */
export const clientBucket = (sourceIp: string): string => {
  if (!ipaddr.isValid(sourceIp)) return `unknown:${sourceIp.slice(0, 64)}`;
  const address = ipaddr.process(sourceIp); // IPv4-mapped IPv6 becomes IPv4
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
};

const HOUR = 3_600;
const DAY = 86_400;

export const anonymousWindows = (
  nowMs: number,
  limits: { hourly: number; daily: number },
): CountedWindow[] => {
  const now = unixSeconds(nowMs);
  const iso = new Date(nowMs).toISOString();
  return [
    { name: 'hourly', id: `H${iso.slice(0, 13)}`, limit: limits.hourly, resetsAt: now - (now % HOUR) + HOUR },
    { name: 'daily', id: `D${iso.slice(0, 10)}`, limit: limits.daily, resetsAt: now - (now % DAY) + DAY },
  ];
};

export interface WindowState extends CountedWindow {
  used: number;
}

/** An anonymous client's state in its hourly and daily windows, as every upload answer reports it. */
export const anonymousQuotaState = (windows: readonly WindowState[]): AnonymousQuota => {
  const state = (name: WindowState['name']) => {
    const window = windows.find((each) => each.name === name);
    if (!window) throw new Error(`no ${name} window`);
    return {
      limit: window.limit,
      remaining: Math.max(0, window.limit - window.used),
      resetsAt: window.resetsAt,
    };
  };
  return { kind: 'anonymous', hourly: state('hourly'), daily: state('daily') };
};
