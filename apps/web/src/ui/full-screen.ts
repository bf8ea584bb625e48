/**
 * Pages that fill the window below the header (the workflow editor) say so in their route's
 * `handle`; the frame around them then drops its width limit and, from 1024 px, hands them the
 * window's whole height instead of letting the page scroll.
 */
import { useMatches } from 'react-router';

export const fullScreenPage = { fullScreen: true };

export const useFullScreen = () => useMatches().some((m) => (m.handle as typeof fullScreenPage | undefined)?.fullScreen === true);
