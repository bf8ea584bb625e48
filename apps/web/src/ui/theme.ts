/**
 * Light or dark: the system's preference unless the person chose one with the switch in the
 * header (kept in localStorage). The `dark` class on <html> turns the dark palette on
 * (styles.css); index.html applies the saved choice before the first paint.
 */
import { useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
export const themeChoices: ThemeChoice[] = ['system', 'light', 'dark'];
const KEY = 'blobhub.theme';
const systemDark = () => window.matchMedia('(prefers-color-scheme: dark)');

const savedChoice = (): ThemeChoice => {
  const saved = localStorage.getItem(KEY);
  return themeChoices.find((c) => c === saved) ?? 'system';
};

const apply = (choice: ThemeChoice) => document.documentElement.classList.toggle('dark', choice === 'dark' || (choice === 'system' && systemDark().matches));

/** The current choice and its setter; follows the system's changes while the choice is "system". */
export function useTheme() {
  const [choice, setChoice] = useState(savedChoice);
  useEffect(() => {
    apply(choice);
    if (choice !== 'system') return;
    const media = systemDark();
    const follow = () => apply('system');
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, [choice]);
  const choose = (next: ThemeChoice) => {
    if (next === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, next);
    setChoice(next);
  };
  return { choice, choose };
}

/** Whether the dark palette is on now (for widgets with a theme of their own, e.g. the editor's canvas). */
export function useIsDark() {
  const [dark, setDark] = useState(() => document.documentElement.classList.contains('dark'));
  useEffect(() => {
    const observer = new MutationObserver(() => setDark(document.documentElement.classList.contains('dark')));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
    return () => observer.disconnect();
  }, []);
  return dark;
}
