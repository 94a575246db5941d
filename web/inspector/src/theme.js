import { useEffect } from 'react';

const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `?theme=light|dark` forces a theme (else the system's), `?brand=RRGGBB` sets the accent colour. */
export function useTheme(params) {
  const forced = params.get('theme');
  const brand = params.get('brand');
  useEffect(() => {
    const root = document.documentElement;
    if (forced === 'light' || forced === 'dark') {
      root.dataset.theme = forced;
    } else {
      delete root.dataset.theme;
    }
    const match = brand && HEX.exec(brand);
    if (match) {
      root.style.setProperty('--brand', `#${match[1]}`);
    } else {
      root.style.removeProperty('--brand');
    }
  }, [forced, brand]);
  return forced === 'light' || forced === 'dark' ? forced : null;
}

export function effectiveTheme(forced) {
  return forced ?? (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}
