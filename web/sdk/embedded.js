/*
 * Solder's browser SDK: the `Alloy` object of Alloy Embedded's front-end library, talking to a
 * Solder server. Load it with <script src="https://SOLDER/sdk/embedded.js">, or import it
 * (CommonJS `require`, or `embedded.mjs` for ES modules) and call the factory: `const alloy = Alloy()`.
 *
 * The server defaults to the origin this script was loaded from; when bundled, to the token's `iss`
 * claim; `setBaseUrl` overrides both. Tokens are checked by the WASM build of Solder's C core
 * (`/sdk/embedded-core.mjs` + `embedded.wasm`), loaded on first use. Because `setToken` is
 * synchronous and the module is not loaded yet the first time, `setToken` reads the claims in
 * JavaScript to throw at once on a malformed or expired token, and the WASM check confirms the
 * token before any modal opens (a token it refuses fails the call through its callback).
 *
 * Not here: the install modal itself (web/modal/, in an iframe) and Alloy's Unified API methods.
 */
(function (root, factory) {
  'use strict';
  var script = typeof document !== 'undefined' ? document.currentScript : null;
  var Alloy = factory(root, script && script.src ? new URL(script.src).origin : '');
  if (typeof module === 'object' && module && module.exports) module.exports = Alloy;
  if (root) root.Alloy = Alloy;
})(typeof globalThis !== 'undefined' ? globalThis : this, function (root, scriptOrigin) {
  'use strict';

  var API = '/2024-03';
  var AUDIENCE = 'solder-embedded';
  var LEEWAY_S = 5;
  var OPERATIONS = ['install', 'edit', 'update'];
  var cores = {}; // base URL -> Promise of the WASM core (or null when it cannot be loaded)

  function fail(method, message) {
    return new Error('Alloy.' + method + ': ' + message);
  }

  function b64urlJson(part) {
    var s = part.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  /* The claims, read in JavaScript; throws the error setToken reports. */
  function readClaims(token) {
    if (typeof token !== 'string' || token.length === 0)
      throw fail('setToken', 'expected the user token string from GET /users/{userId}/token');
    var parts = token.split('.');
    if (parts.length !== 3 || !parts[0] || !parts[1])
      throw fail('setToken', 'the token is not a JWT (three base64url parts separated by dots)');
    var header, claims;
    try {
      header = b64urlJson(parts[0]);
      claims = b64urlJson(parts[1]);
    } catch (e) {
      throw fail('setToken', 'the token is malformed: its parts are not base64url-encoded JSON');
    }
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object')
      throw fail('setToken', 'the token is malformed: header and claims must be JSON objects');
    if (!header.alg || header.alg === 'none')
      throw fail('setToken', 'the token is unsigned (alg "none"); use a token minted by the server');
    if (typeof claims.exp !== 'number')
      throw fail('setToken', 'the token has no expiry (exp claim)');
    if (claims.exp + LEEWAY_S <= Date.now() / 1000)
      throw expiredError('setToken', claims.exp);
    return claims;
  }

  function expiredError(method, exp) {
    return fail(method, 'the token expired at ' + new Date(exp * 1000).toISOString() +
      '; user tokens live one hour: mint a new one (GET /users/{userId}/token) and call setToken');
  }

  /* Loads the WASM core from base once; resolves to {inspect, validate} or null. */
  function loadCore(base) {
    if (!cores[base]) {
      var url = base + '/sdk/embedded-core.mjs';
      cores[base] = import(/* webpackIgnore: true */ url)
        .then(function (mod) {
          return mod.default({ locateFile: function () { return base + '/sdk/embedded.wasm'; } });
        })
        .then(function (m) {
          var inspect = m.cwrap('solder_token_inspect', 'number',
            ['string', 'string', 'string', 'string', 'number', 'number']);
          return {
            inspect: function (token, alg, audience, issuer, now, leeway) {
              var p = inspect(token, alg || '', audience || '', issuer || '', now, leeway);
              var out = JSON.parse(m.UTF8ToString(p));
              m._solder_free(p);
              return out;
            },
          };
        })
        .catch(function (e) {
          if (root.console) root.console.warn('Alloy: WASM core not available (' + e.message +
            '); token claims are checked in JavaScript only');
          return null;
        });
    }
    return cores[base];
  }

  function isStringArray(v) {
    return Array.isArray(v) && v.length > 0 && v.every(function (x) {
      return typeof x === 'string' && x.length > 0 && x.length <= 512;
    });
  }

  /* Throws on the first invalid install parameter; returns the normalised copy. */
  function checkInstallParams(method, params) {
    if (!params || typeof params !== 'object' || Array.isArray(params))
      throw fail(method, 'expected an object such as {integrationId, callback}');
    var p = {};
    var known = ['integrationId', 'workflowIds', 'callback', 'alwaysShowAuthentication', 'hide',
      'title', 'operation', 'versionIds', 'workflowSelection'];
    Object.keys(params).forEach(function (k) {
      if (known.indexOf(k) < 0) throw fail(method, 'unknown parameter "' + k + '"');
    });
    if (params.integrationId !== undefined) {
      if (typeof params.integrationId !== 'string' || !params.integrationId ||
          params.integrationId.length > 512)
        throw fail(method, 'integrationId must be a non-empty string');
      p.integrationId = params.integrationId;
    }
    if (params.workflowIds !== undefined) {
      if (!isStringArray(params.workflowIds))
        throw fail(method, 'workflowIds must be a non-empty array of workflow ids');
      p.workflowIds = params.workflowIds.slice();
    }
    if (!p.integrationId && !p.workflowIds)
      throw fail(method, 'give integrationId or workflowIds');
    if (params.callback !== undefined && typeof params.callback !== 'function')
      throw fail(method, 'callback must be a function');
    p.callback = params.callback || function () {};
    ['alwaysShowAuthentication', 'hide', 'workflowSelection'].forEach(function (k) {
      if (params[k] !== undefined && typeof params[k] !== 'boolean')
        throw fail(method, k + ' must be true or false');
      p[k] = params[k] === true;
    });
    if (params.title !== undefined) {
      if (typeof params.title !== 'string' || params.title.length > 200)
        throw fail(method, 'title must be a string of at most 200 characters');
      p.title = params.title;
    }
    p.operation = params.operation === undefined ? 'install' : params.operation;
    if (OPERATIONS.indexOf(p.operation) < 0)
      throw fail(method, 'operation must be one of ' + OPERATIONS.join(', '));
    if (params.versionIds !== undefined) {
      var ok = Array.isArray(params.versionIds) && params.versionIds.every(function (v) {
        return (typeof v === 'number' && v >= 1 && Math.floor(v) === v) ||
          (typeof v === 'string' && /^[1-9][0-9]{0,8}$/.test(v));
      });
      if (!ok) throw fail(method, 'versionIds must be an array of version numbers');
      p.versionIds = params.versionIds.map(String);
    }
    return p;
  }

  function createAlloy() {
    var state = { token: null, claims: null, checked: null, base: null, modal: null };

    function base() {
      var b = state.base || scriptOrigin || (state.claims && state.claims.iss) || '';
      if (!b) throw fail('setBaseUrl', 'no server known: load the SDK from the Solder server, ' +
        'use a token with an iss claim, or call setBaseUrl(url)');
      return b;
    }

    function needToken(method) {
      if (!state.token) throw fail(method, 'call Alloy.setToken(token) first');
      if (state.claims.exp + LEEWAY_S <= Date.now() / 1000)
        throw expiredError(method, state.claims.exp);
    }

    /* Resolves when the WASM core (if any) accepted the token; rejects with its reason. */
    function confirmToken(method) {
      var token = state.token;
      return state.checked.then(function (core) {
        if (!core) return;
        var r = core.inspect(token, 'ES256', AUDIENCE, '', Math.floor(Date.now() / 1000), LEEWAY_S);
        if (!r.ok) throw fail(method, 'the token was refused (' + r.error + '): ' + r.message);
      });
    }

    function request(method, verb, path, body) {
      try {
        needToken(method);
        base();
      } catch (e) {
        return Promise.reject(e);
      }
      var headers = { 'x-alloy-user-token': state.token };
      if (body !== undefined) headers['content-type'] = 'application/json';
      return fetch(base() + API + path, {
        method: verb, headers: headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
      }).then(function (res) {
        return res.text().then(function (text) {
          var json;
          try { json = text ? JSON.parse(text) : {}; } catch (e) { json = { message: text }; }
          if (res.status === 422) return json; // as Alloy's SDKs: validation answers are returned
          if (!res.ok) {
            var err = fail(method, (json && json.message) || ('HTTP ' + res.status));
            err.status = res.status;
            err.body = json;
            throw err;
          }
          return json;
        });
      });
    }

    function workflowRef(method, data) {
      if (typeof data === 'string') return { workflowId: data };
      if (!data || typeof data !== 'object' ||
          (typeof data.workflowId !== 'string' && typeof data.workflowName !== 'string'))
        throw fail(method, 'expected {workflowId} or {workflowName}');
      var out = {};
      if (data.workflowId) out.workflowId = data.workflowId;
      if (data.workflowName) out.workflowName = data.workflowName;
      return out;
    }

    function closeModal(success) {
      var m = state.modal;
      if (!m) return;
      state.modal = null;
      root.removeEventListener('message', m.onMessage);
      root.document.removeEventListener('keydown', m.onKey, true);
      if (m.overlay.parentNode) m.overlay.parentNode.removeChild(m.overlay);
      if (m.previousFocus && m.previousFocus.focus) m.previousFocus.focus();
      var result = { success: success || m.created };
      if (m.created && m.credentialId) result.credentialId = m.credentialId;
      else if (m.created) result.workflowIds = m.workflowIds;
      try { m.callback(result); } catch (e) { setTimeout(function () { throw e; }); }
    }

    function openModal(p) {
      var b = base();
      var q = new URLSearchParams();
      if (p.integrationId) q.set('integrationId', p.integrationId);
      if (p.app) q.set('app', p.app);
      (p.workflowIds || []).forEach(function (id) { q.append('id', id); });
      (p.versionIds || []).forEach(function (v) { q.append('versionId', v); });
      q.set('token', state.token);
      if (p.hide) q.set('hide', 'true');
      if (p.alwaysShowAuthentication) q.set('alwaysShowAuthentication', 'true');
      if (p.operation !== 'install') q.set('operation', p.operation);
      if (p.title) q.set('title', p.title);
      q.set('parentOrigin', root.location.origin);

      var doc = root.document;
      var overlay = doc.createElement('div');
      overlay.setAttribute('data-alloy-modal', '');
      overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483000;display:flex;' +
        'align-items:center;justify-content:center;background:rgba(15,23,42,.55);' +
        'visibility:hidden;padding:8px;box-sizing:border-box';
      var frame = doc.createElement('iframe');
      frame.title = p.title || 'Install integration';
      frame.src = b + '/forge-install?' + q.toString();
      frame.style.cssText = 'border:0;border-radius:12px;background:#fff;width:100%;' +
        'max-width:480px;height:100%;max-height:680px;box-shadow:0 12px 40px rgba(0,0,0,.35)';
      overlay.appendChild(frame);

      var m = { overlay: overlay, frame: frame, callback: p.callback, created: false,
        workflowIds: [], previousFocus: doc.activeElement };
      var origin = new URL(b).origin;
      m.onMessage = function (ev) {
        if (ev.source !== frame.contentWindow || ev.origin !== origin) return;
        var d = ev.data || {};
        if (d.showModal) {
          overlay.style.visibility = 'visible';
          frame.focus();
        }
        if (d.workflowCreated) {
          m.created = true;
          m.workflowIds = Array.isArray(d.workflowIds) ? d.workflowIds : [];
          if (p.hide && overlay.style.visibility !== 'visible') closeModal(true); // installed unseen
        }
        if (d.authenticated) {
          m.created = true;
          m.credentialId = d.credentialId;
        }
        if (d.closeModal) closeModal(false);
      };
      m.onKey = function (ev) {
        if (ev.key === 'Escape' && state.modal === m) {
          ev.preventDefault();
          closeModal(false);
        }
      };
      overlay.addEventListener('click', function (ev) {
        if (ev.target === overlay) closeModal(false);
      });
      root.addEventListener('message', m.onMessage);
      doc.addEventListener('keydown', m.onKey, true);
      state.modal = m;
      doc.body.appendChild(overlay);
    }

    function show(method, params) {
      var p = checkInstallParams(method, params);
      if (method !== 'install') p.operation = method;
      needToken(method);
      base();
      if (state.modal) throw fail(method, 'a modal is already open');
      confirmToken(method).then(function () {
        openModal(p);
      }, function (err) {
        if (root.console) root.console.error(err);
        p.callback({ success: false, error: err.message });
      });
    }

    return {
      setBaseUrl: function (url) {
        var u;
        try { u = new URL(url); } catch (e) { throw fail('setBaseUrl', 'not a URL: ' + url); }
        if (u.protocol !== 'https:' && u.protocol !== 'http:')
          throw fail('setBaseUrl', 'the URL must be http or https');
        state.base = (u.origin + u.pathname).replace(/\/+$/, '');
      },
      setToken: function (token) {
        var claims = readClaims(token);
        state.token = token;
        state.claims = claims;
        var b = state.base || scriptOrigin || claims.iss;
        state.checked = b ? loadCore(b) : Promise.resolve(null);
      },
      install: function (params) { show('install', params); },
      edit: function (params) { show('edit', params); },
      update: function (params) { show('update', params); },
      /* Connects an app (a credential) without installing anything: {app, callback, title}. */
      authenticate: function (params) {
        if (!params || typeof params !== 'object' || typeof params.app !== 'string' || !params.app ||
            params.app.length > 100)
          throw fail('authenticate', 'expected {app: "bigcommerce", callback}');
        if (params.callback !== undefined && typeof params.callback !== 'function')
          throw fail('authenticate', 'callback must be a function');
        needToken('authenticate');
        base();
        if (state.modal) throw fail('authenticate', 'a modal is already open');
        var p = { app: params.app, callback: params.callback || function () {},
          operation: 'authenticate', title: typeof params.title === 'string' ? params.title : undefined };
        confirmToken('authenticate').then(function () { openModal(p); }, function (err) {
          p.callback({ success: false, error: err.message });
        });
      },
      getIntegrations: function () { return request('getIntegrations', 'GET', '/integrations'); },
      getWorkflows: function () { return request('getWorkflows', 'GET', '/workflows'); },
      deactivate: function (data) {
        return Promise.resolve().then(function () {
          return request('deactivate', 'PUT', '/workflows/deactivate', workflowRef('deactivate', data));
        });
      },
      reactivate: function (data) {
        return Promise.resolve().then(function () {
          return request('reactivate', 'PUT', '/workflows/activate', workflowRef('reactivate', data));
        });
      },
      /* Solder's addition: the token's claims as the SDK read them (null before setToken). */
      getClaims: function () { return state.claims ? Object.assign({}, state.claims) : null; },
      /* Solder's addition: resolves once the WASM core has confirmed the token (or is absent). */
      ready: function () {
        if (!state.token) return Promise.reject(fail('ready', 'call Alloy.setToken(token) first'));
        return confirmToken('ready').then(function () { return state.checked; })
          .then(function (core) { return { wasm: !!core }; });
      },
    };
  }

  function Alloy() { return createAlloy(); }
  var defaultInstance = createAlloy();
  Object.keys(defaultInstance).forEach(function (k) { Alloy[k] = defaultInstance[k]; });
  return Alloy;
});
