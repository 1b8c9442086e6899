const button =
  'rounded-full bg-slate-700 px-3 py-1 text-sm hover:bg-slate-600 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-400 disabled:cursor-not-allowed disabled:opacity-40';

/** Previous / next through the pages of a large class's grid; it stays in view above the tiles. */
export function GridPager({ page, pageCount, onPage }: { page: number; pageCount: number; onPage: (page: number) => void }) {
  return (
    <nav aria-label="Participant pages" data-testid="grid-pager" className="sticky top-0 z-10 flex items-center justify-center gap-3 bg-slate-950/90 py-2">
      <button type="button" disabled={page <= 0} onClick={() => onPage(page - 1)} className={button}>
        Previous page
      </button>
      <span aria-live="polite" className="text-sm text-slate-300">
        {`Page ${page + 1} of ${pageCount}`}
      </span>
      <button type="button" disabled={page >= pageCount - 1} onClick={() => onPage(page + 1)} className={button}>
        Next page
      </button>
    </nav>
  );
}
