// The saved theme (or the system's) before the first paint: no light flash in dark mode (src/ui/theme.ts).
// A file of its own, not an inline script, so that the web app's content security policy (script-src 'self') allows it.
const theme = localStorage.getItem('blobhub.theme');
if (theme === 'dark' || (theme !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches)) document.documentElement.classList.add('dark');
