import { NavLink } from 'react-router';

export interface Tab {
  to: string;
  label: string;
  /** matches only the exact path (the tab of the index route) */
  end?: boolean;
}

/** `compact`: beside a heading, without the space under it */
export function Tabs({ tabs, compact }: { tabs: Tab[]; compact?: boolean }) {
  return (
    // narrow screens scroll the tabs, not the page
    <nav className={`flex gap-1 overflow-x-auto border-b border-slate-200 ${compact ? 'min-w-0' : 'mb-6'}`}>
      {tabs.map((tab) => (
        <NavLink
          key={tab.to}
          to={tab.to}
          end={tab.end}
          className={({ isActive }) =>
            `-mb-px border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap ${isActive ? 'border-indigo-600 text-indigo-700' : 'border-transparent text-slate-500 hover:text-slate-800'}`
          }
        >
          {tab.label}
        </NavLink>
      ))}
    </nav>
  );
}
