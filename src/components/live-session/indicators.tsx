import type { LinkState } from '../../client/store';

function Icon({ path, label, className }: { path: string; label: string; className: string }) {
  return (
    <span role="img" aria-label={label} title={label} className={`inline-flex rounded px-1 py-0.5 ${className}`}>
      <svg viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
        <path d={path} />
      </svg>
    </span>
  );
}

export function MicOffIcon() {
  return <Icon label="Microphone off" className="bg-red-600/90" path="M3 3l18 18M9 9v3a3 3 0 005.1 2.1M15 9.3V5a3 3 0 00-5.9-.7M19 11a7 7 0 01-1.2 3.9M5 11a7 7 0 0011.1 5.7M12 18v3" />;
}

export function CameraOffIcon() {
  return <Icon label="Camera off" className="bg-slate-700/90" path="M3 3l18 18M10.5 6H14a2 2 0 012 2v2.5l5-3v9l-2.2-1.3M16 16a2 2 0 01-2 2H5a2 2 0 01-2-2V8a2 2 0 012-2h1" />;
}

export function HandIndicator() {
  return (
    <span data-testid="hand-indicator" className="inline-flex">
      <Icon label="Hand raised" className="bg-amber-400 text-slate-900" path="M8 13V5.5a1.5 1.5 0 013 0V12m0-7.5v-1a1.5 1.5 0 013 0V12m0-6.5a1.5 1.5 0 013 0V12m0-3.5a1.5 1.5 0 013 0V15a6 6 0 01-6 6h-1.5a6 6 0 01-4.8-2.4L4.5 14a1.5 1.5 0 012.3-1.9L8 13.5" />
    </span>
  );
}

const linkText: Record<LinkState, string> = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  failed: 'failed',
};

const linkColour: Record<LinkState, string> = {
  connecting: 'bg-sky-700',
  connected: 'bg-emerald-700',
  reconnecting: 'bg-amber-700',
  failed: 'bg-red-700',
};

export function LinkBadge({ state }: { state: LinkState }) {
  return (
    <span data-testid="connection-state" data-state={state} className={`rounded px-1.5 py-0.5 text-xs ${linkColour[state]}`}>
      {linkText[state]}
    </span>
  );
}
