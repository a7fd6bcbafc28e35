// CodeMirror 6 for the JSONata expression inputs and the JSON editors (sample data, Event Schema):
// JSONata highlighting (a small stream tokenizer), completion of field names from the data
// available at that point and of JSONata's functions. Loaded on demand (its own chunk).
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderExt, drawSelection, highlightSpecialChars } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { HighlightStyle, StreamLanguage, syntaxHighlighting, bracketMatching } from '@codemirror/language';
import { autocompletion, closeBrackets, completionKeymap } from '@codemirror/autocomplete';
import { json } from '@codemirror/lang-json';
import { tags as t } from '@lezer/highlight';

const KEYWORDS = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);

const jsonataLanguage = StreamLanguage.define({
  name: 'jsonata',
  startState: () => ({ comment: false }),
  token(stream, state) {
    if (state.comment) {
      if (stream.skipTo('*/')) { stream.match('*/'); state.comment = false; } else stream.skipToEnd();
      return 'comment';
    }
    if (stream.eatSpace()) return null;
    if (stream.match('/*')) { state.comment = true; return 'comment'; }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") {
      stream.next();
      let escaped = false;
      for (let c; (c = stream.next()) != null;) {
        if (c === ch && !escaped) break;
        escaped = !escaped && c === '\\';
      }
      return 'string';
    }
    if (ch === '`') { stream.next(); stream.skipTo('`') ? stream.next() : stream.skipToEnd(); return 'propertyName'; }
    if (stream.match(/^-?\d+(\.\d+)?([eE][+-]?\d+)?/)) return 'number';
    if (stream.match(/^\$[A-Za-z0-9_]*/)) return 'variableName';
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) return KEYWORDS.has(stream.current()) ? 'keyword' : 'propertyName';
    if (stream.match(/^(:=|~>|!=|<=|>=|\.\.|\?\?|\?:|[-+*/%&=<>?:.!^|#@])/)) return 'operator';
    stream.next();
    return 'punctuation';
  },
  languageData: { closeBrackets: { brackets: ['(', '[', '{', "'", '"'] } },
});

const highlight = HighlightStyle.define([
  { tag: t.string, color: '#0a7d45' },
  { tag: t.number, color: '#b0450d' },
  { tag: t.keyword, color: '#7c3aed', fontWeight: '600' },
  { tag: t.variableName, color: '#1d4ed8' },
  { tag: t.propertyName, color: '#1f2937' },
  { tag: t.operator, color: '#be185d' },
  { tag: t.comment, color: '#6b7280', fontStyle: 'italic' },
  { tag: t.bool, color: '#7c3aed' },
  { tag: t.null, color: '#7c3aed' },
]);

const FUNCTIONS = ['$string', '$number', '$boolean', '$not', '$exists', '$count', '$sum', '$max', '$min',
  '$average', '$length', '$substring', '$substringBefore', '$substringAfter', '$uppercase', '$lowercase',
  '$trim', '$pad', '$contains', '$split', '$join', '$replace', '$match', '$now', '$millis', '$toMillis',
  '$fromMillis', '$round', '$floor', '$ceil', '$abs', '$keys', '$lookup', '$merge', '$append', '$map',
  '$filter', '$reduce', '$sort', '$reverse', '$distinct', '$each', '$type', '$formatNumber', '$base64encode',
  '$base64decode', '$encodeUrlComponent', '$uuid', '$single', '$zip', '$spread', '$shuffle', '$assert', '$error'];

function resolve(root, parts) {
  let v = root;
  for (const p of parts) {
    if (Array.isArray(v)) v = v[0];
    if (v == null || typeof v !== 'object') return undefined;
    v = v[p.replace(/^`|`$/g, '')];
  }
  if (Array.isArray(v)) v = v[0];
  return v;
}

// Completes field names below the path before the cursor (event.ord| -> orderId), and JSONata's
// functions after a '$'.
function fieldCompletion(getContext) {
  return (ctx) => {
    const word = ctx.matchBefore(/[$A-Za-z0-9_.`]*$/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    const text = word.text;
    if (text.startsWith('$') && !text.includes('.')) {
      return { from: word.from, options: FUNCTIONS.map((f) => ({ label: f, type: 'function', apply: `${f}(` })) };
    }
    const dot = text.lastIndexOf('.');
    const parts = dot < 0 ? [] : text.slice(0, dot).split('.');
    const value = resolve(getContext() || {}, parts);
    if (!value || typeof value !== 'object') return null;
    return {
      from: word.from + dot + 1,
      options: Object.keys(value).map((k) => ({
        label: k,
        apply: /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `\`${k}\``,
        type: value[k] && typeof value[k] === 'object' ? 'namespace' : 'property',
        detail: Array.isArray(value[k]) ? 'array' : value[k] === null ? 'null' : typeof value[k],
      })),
      validFor: /^[A-Za-z0-9_`]*$/,
    };
  };
}

const theme = EditorView.theme({
  '&': { fontSize: '13.5px', border: '1px solid var(--line-strong)', borderRadius: '8px', background: '#fff' },
  '&.cm-focused': { outline: '2px solid var(--focus)', outlineOffset: '1px' },
  '.cm-content': { fontFamily: 'var(--mono)', padding: '7px 4px', caretColor: '#111' },
  '.cm-scroller': { fontFamily: 'var(--mono)' },
  '.cm-placeholder': { color: '#6b7280' },
});

// describedBy is not passed on: an id reference cannot cross the shadow root the editor lives in.
function baseExtensions({ label, onChange }) {
  return [
    history(), drawSelection(), highlightSpecialChars(), bracketMatching(), closeBrackets(),
    keymap.of([...defaultKeymap, ...historyKeymap, ...completionKeymap]),
    EditorView.lineWrapping, theme,
    EditorView.contentAttributes.of({ 'aria-label': label }),
    EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.state.doc.toString()); }),
  ];
}

// An editor for one JSONata expression inside root (a shadow root); getContext() gives the data for
// completion.
export function expressionEditor(root, { value, onChange, label, getContext, placeholder }) {
  return new EditorView({
    parent: root,
    root,
    state: EditorState.create({
      doc: value || '',
      extensions: [...baseExtensions({ label, onChange }), jsonataLanguage, syntaxHighlighting(highlight),
        autocompletion({ override: [fieldCompletion(getContext)], activateOnTyping: true }),
        placeholderExt(placeholder || '')],
    }),
  });
}

export function jsonEditor(root, { value, onChange, label }) {
  return new EditorView({
    parent: root,
    root,
    state: EditorState.create({
      doc: value || '',
      extensions: [...baseExtensions({ label, onChange }), json(), syntaxHighlighting(highlight)],
    }),
  });
}

// Replaces the text (keeping the cursor at the end), without echoing it back through onChange
// loops: callers compare before calling.
export function setText(view, text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: text.length } });
}

export function insertText(view, text) {
  const { from, to } = view.state.selection.main;
  view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length } });
  view.focus();
}
