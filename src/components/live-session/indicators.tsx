import type { LinkState } from '../../client/store';

export function MicOffIcon() {
  return (
    <span role="img" aria-label="Microphone off" title="Microphone off" className="rounded bg-red-600/90 px-1.5 py-0.5 text-xs">
      🔇
    </span>
  );
}

export function CameraOffIcon() {
  return (
    <span role="img" aria-label="Camera off" title="Camera off" className="rounded bg-slate-700/90 px-1.5 py-0.5 text-xs">
      🚫📷
    </span>
  );
}

export function HandIndicator() {
  return (
    <span data-testid="hand-indicator" role="img" aria-label="Hand raised" title="Hand raised" className="rounded bg-amber-400 px-1.5 py-0.5 text-xs text-slate-900">
      ✋
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
