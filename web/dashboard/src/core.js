// The WASM build of Solder's C core (shared/), loaded once: JSONata evaluation for the live
// mapping preview, JSON Schema checks and sample conversion for the Event Schema editor, workflow
// validation and the cron helper's next runs — the same C the server runs.
let loading = null;

// Inputs larger than this are refused rather than copied onto the WASM stack (1 MiB).
const MAX_TEXT = 256 * 1024;

export function loadCore() {
  loading ||= import('/dashboard/dist/core.mjs')
    .then((m) => m.default())
    .then((M) => {
      const call = (name, types) => {
        const f = M.cwrap(name, 'number', types);
        return (...args) => {
          for (const a of args) {
            if (typeof a === 'string' && a.length > MAX_TEXT) return { error: { message: 'input too large to preview' } };
          }
          const p = f(...args);
          const text = M.UTF8ToString(p);
          M._solder_free(p);
          return JSON.parse(text);
        };
      };
      const evalRaw = call('solder_mapping_eval', ['string', 'string', 'string', 'number', 'number']);
      const cronRaw = call('solder_cron_next', ['string', 'number', 'number']);
      return {
        // {result} | {undefined: true} | {error: {code, message, position}}
        evaluate: (expr, input) => evalRaw(expr, input === undefined ? null : JSON.stringify(input), null, 250, 0),
        validate: call('solder_schema_validate', ['string', 'string', 'string']),
        fromSample: call('solder_schema_from_sample', ['string']),
        isSample: call('solder_schema_is_sample', ['string']),
        validateWorkflow: call('solder_workflow_validate', ['string']),
        cronNext: (text, count) => cronRaw(text, Math.floor(Date.now() / 1000), count),
      };
    });
  return loading;
}
