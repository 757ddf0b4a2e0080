/**
 * The API key of this browser tab, for servers that require a read key (see the README's Access
 * section). Kept in sessionStorage: it survives reloads of the tab and ends with it, and is never
 * written to localStorage, a cookie or the URL (a cookie would be sent by cross-site requests,
 * which is what the key is meant to stop). Sent as `Authorization: Bearer <key>` on every request.
 */

const STORAGE_KEY = 'genscope.apiKey';

export function readApiKey(): string | null {
  try {
    const k = sessionStorage.getItem(STORAGE_KEY);
    return k && k.trim() ? k.trim() : null;
  } catch {
    return null;
  }
}

export function saveApiKey(key: string | null): void {
  try {
    if (key && key.trim()) sessionStorage.setItem(STORAGE_KEY, key.trim());
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage refused (private mode quotas): the key then lasts until the page is left.
  }
}

/** Request headers with the key, when there is one. */
export function authHeaders(key: string | null = readApiKey()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}
