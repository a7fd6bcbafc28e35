// The one way components write markup: htm's tagged templates over Preact's h (no build-time JSX).
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
