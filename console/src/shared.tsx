import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

/** Loads with `load`, again on `reload()` and every `everyMs` (the live pages poll). */
export function useData<T>(load: () => Promise<T>, everyMs?: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  const reload = useCallback(() => {
    load()
      .then((d) => {
        setData(d);
        setError('');
      })
      .catch((err: Error) => setError(err.message));
  }, [load]);
  useEffect(() => {
    reload();
    if (!everyMs) return;
    const t = setInterval(reload, everyMs);
    return () => clearInterval(t);
  }, [reload, everyMs]);
  return { data, error, reload };
}

export function Section(props: { title: string; children: ComponentChildren }) {
  const id = props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function ErrorLine(props: { error: string }) {
  return props.error ? (
    <p role="alert" class="error">
      {props.error}
    </p>
  ) : null;
}

export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function gateText(g: { key: string; value: unknown }): string {
  if (g.key === 'unleash_strategies' && Array.isArray(g.value)) {
    // Strategies made in Unleash that no gate expresses: shown as Unleash holds them.
    const items = g.value as Array<{ summary?: string; name?: string; active?: boolean }>;
    const text = items.map(
      (s) => `${s.summary ?? s.name}${s.active === false ? ' (inactive)' : ''}`,
    );
    return `made in Unleash: ${text.join(' | ')}`;
  }
  return `${g.key}: ${Array.isArray(g.value) ? g.value.join(', ') : String(g.value)}`;
}
