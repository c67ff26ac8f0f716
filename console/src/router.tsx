import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** Where the console is mounted; client routes live below it. */
export const BASE = '/console';
const CHANGED = 'console:navigate';

function currentPath(): string {
  const path = window.location.pathname;
  if (!path.startsWith(BASE)) return '/';
  const rest = path.slice(BASE.length);
  return rest === '' ? '/' : rest;
}

/** The client route (`/orders/ord_1`), updated on navigation and history moves. */
export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGED, update);
    };
  }, []);
  return path;
}

export function navigate(to: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', BASE + to);
  else window.history.pushState(null, '', BASE + to);
  window.dispatchEvent(new Event(CHANGED));
}

/** A same-app link: a real `<a href>` (open in new tab works), navigated client-side. */
export function Link({ to, onClick, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={BASE + to} onClick={handle} {...rest} />;
}
