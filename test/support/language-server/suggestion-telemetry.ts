/**
 * What an IDE does with a suggestion the Language Server (8.54) returned, for its telemetry
 * (read from the VS Code extension bundled beside it, @gitlab/web-ide
 * `extensions/gitlab-vscode-extension/browser.js`):
 * - its settings declare `telemetry.actions: [{action: 'suggestion_shown'}, {action:
 *   'suggestion_accepted'}]`: the IDE reports those two itself; the LS then sends
 *   `code_suggestion_rejected_in_ide` for every suggestion still open when the next one is
 *   requested (no `suggestion_rejected` action declared);
 * - when it displays the first item it notifies `$/gitlab/telemetry`
 *   `{category: 'code_suggestions', action: 'suggestion_shown', context: {trackingId}}`;
 * - the item's command `gitlab.ls.codeSuggestionAccepted` is registered by the IDE (the LS has no
 *   executeCommand handler): running it notifies `$/gitlab/telemetry` with
 *   `action: 'suggestion_accepted'` and `context: {trackingId, optionId}` (its two arguments).
 * The LS posts each to `/api/v4/usage_data/track_event` right away (no batching), on
 * self-managed whatever `telemetry.enabled` says.
 */
import type { InlineCompletionItem, LspClient } from './lsp-client';

export const SUGGESTION_ACCEPTED_COMMAND = 'gitlab.ls.codeSuggestionAccepted';

/** The `telemetry` settings of the VS Code extension (Snowplow off, as in every test). */
export const IDE_TELEMETRY_SETTINGS = {
  enabled: false,
  actions: [{ action: 'suggestion_shown' }, { action: 'suggestion_accepted' }],
};

/** The tracking id the LS gave a suggestion (the first argument of its accept command). */
export function trackingIdOf(item: InlineCompletionItem): string {
  const [id] = item.command?.arguments ?? [];
  if (item.command?.command !== SUGGESTION_ACCEPTED_COMMAND || typeof id !== 'string')
    throw new Error(`not a suggestion with an accept command: ${JSON.stringify(item.command)}`);
  return id;
}

/** The IDE displayed the suggestion. */
export function reportSuggestionShown(client: LspClient, item: InlineCompletionItem): void {
  client.notify('$/gitlab/telemetry', {
    category: 'code_suggestions',
    action: 'suggestion_shown',
    context: { trackingId: trackingIdOf(item) },
  });
}

/** The user accepted it: the IDE runs the item's command, as its registered handler does. */
export function executeSuggestionCommand(client: LspClient, item: InlineCompletionItem): void {
  const [trackingId, optionId] = item.command?.arguments ?? [];
  trackingIdOf(item);
  client.notify('$/gitlab/telemetry', {
    category: 'code_suggestions',
    action: 'suggestion_accepted',
    context: { trackingId, optionId },
  });
}
