// MCP in the chat composer (issue 19): "@" completes a server's resources and attaches them (also through the
// "Attach resource" picker); "/server:prompt args" runs an MCP prompt, asking for missing required arguments,
// and sends its text as the message. Resources and prompts come from the JSON API with the page's cookie, and are
// re-read when the gateway says they changed (an mcp_catalog frame on the chat's WebSocket).
(function () {
  'use strict';
  var textarea = document.getElementById('text');
  var form = document.getElementById('composer');
  if (!textarea || !form) return;
  var suggest = document.getElementById('mcp-suggest');
  var attachedBox = document.getElementById('mcp-attached');
  var picker = document.getElementById('mcp-picker');
  var filter = document.getElementById('mcp-filter');
  var list = document.getElementById('mcp-resources');
  var pickerNote = document.getElementById('mcp-picker-note');
  var argsDialog = document.getElementById('mcp-prompt-args');
  var attached = [];
  var catalog = { resources: null, prompts: null, at: 0 };
  var items = [];
  var selected = -1;
  var mode = null;   // '@' | '/' while suggestions show

  function load() {
    if (catalog.resources && Date.now() - catalog.at < 30000) return Promise.resolve(catalog);
    var get = function (path) {
      return fetch(path, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (j) { return j.items || []; }).catch(function () { return []; });
    };
    return Promise.all([get('/api/v1/mcp-resources'), get('/api/v1/mcp-prompts')]).then(function (r) {
      catalog = { resources: r[0], prompts: r[1], at: Date.now() };
      return catalog;
    });
  }

  function label(r) { return (r.title || r.name || r.uri); }

  function renderAttached() {
    attachedBox.textContent = '';
    attached.forEach(function (a, i) {
      var chip = document.createElement('span');
      chip.className = 'chip';
      chip.setAttribute('data-uri', a.uri);
      chip.textContent = '📎 ' + a.server + ': ' + a.label + ' ';
      var x = document.createElement('button');
      x.type = 'button'; x.textContent = '×'; x.setAttribute('aria-label', 'Remove ' + a.label);
      x.addEventListener('click', function () { attached.splice(i, 1); renderAttached(); });
      chip.appendChild(x);
      attachedBox.appendChild(chip);
    });
  }

  function attach(r) {
    if (attached.length >= 5) { pickerNote.textContent = 'At most 5 resources per message.'; return; }
    if (attached.some(function (a) { return a.serverId === r.serverId && a.uri === r.uri; })) return;
    attached.push({ serverId: r.serverId, uri: r.uri, server: r.server, label: label(r) });
    renderAttached();
  }

  // ---- suggestions under the textarea ----
  function token() {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var at = /(^|\s)@([^\s@]*)$/.exec(before);
    if (at) return { mode: '@', query: at[2], start: before.length - at[2].length - 1 };
    var slash = /^\/([^\s]*)$/.exec(before);
    if (slash) return { mode: '/', query: slash[1], start: 0 };
    return null;
  }

  function hide() { suggest.hidden = true; suggest.textContent = ''; items = []; selected = -1; mode = null; }

  function show(t) {
    var q = t.query.toLowerCase();
    if (t.mode === '@') {
      items = (catalog.resources || []).filter(function (r) {
        return (r.uri + ' ' + label(r) + ' ' + r.server).toLowerCase().indexOf(q) >= 0;
      }).slice(0, 20).map(function (r) { return { text: r.server + ': ' + label(r) + ' — ' + r.uri, pick: function () { pickResource(t, r); } }; });
    } else {
      items = (catalog.prompts || []).filter(function (p) { return (p.server + ':' + p.name).toLowerCase().indexOf(q) >= 0; })
        .slice(0, 20).map(function (p) {
          var args = (p.arguments || []).map(function (a) { return a.required ? a.name : '[' + a.name + ']'; }).join(' ');
          return { text: '/' + p.server + ':' + p.name + (args ? ' ' + args : '') + (p.description ? ' — ' + p.description : ''),
            pick: function () { textarea.value = '/' + p.server + ':' + p.name + ' '; textarea.focus(); hide(); } };
        });
    }
    suggest.textContent = '';
    if (!items.length) { hide(); return; }
    mode = t.mode;
    items.forEach(function (it, i) {
      var li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.textContent = it.text;
      li.addEventListener('mousedown', function (e) { e.preventDefault(); it.pick(); });
      suggest.appendChild(li);
    });
    selected = 0;
    mark();
    suggest.hidden = false;
  }

  function mark() {
    Array.prototype.forEach.call(suggest.children, function (li, i) { li.setAttribute('aria-selected', i === selected ? 'true' : 'false'); });
  }

  function pickResource(t, r) {
    var v = textarea.value;
    var end = textarea.selectionStart;
    textarea.value = v.slice(0, t.start) + v.slice(end);
    textarea.setSelectionRange(t.start, t.start);
    attach(r);
    hide();
    textarea.focus();
  }

  textarea.addEventListener('input', function () {
    var t = token();
    if (!t) { hide(); return; }
    load().then(function () { var now = token(); if (now) show(now); else hide(); });
  });
  textarea.addEventListener('blur', function () { setTimeout(hide, 150); });

  // capture on the document: runs before chat.js's Enter-sends handler on the textarea
  document.addEventListener('keydown', function (e) {
    if (e.target !== textarea) return;
    if (mode && !suggest.hidden) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        selected = (selected + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        mark(); e.preventDefault(); e.stopImmediatePropagation(); return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        if (selected >= 0) items[selected].pick();
        e.preventDefault(); e.stopImmediatePropagation(); return;
      }
      if (e.key === 'Escape') { hide(); e.preventDefault(); e.stopImmediatePropagation(); return; }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && /^\/[^\s:]+:[^\s]+/.test(textarea.value)) {
      var run = slashCommand(textarea.value);
      if (run) { e.preventDefault(); e.stopImmediatePropagation(); run(); }
    }
  }, true);

  // ---- "/server:prompt args" ----
  function words(s) {
    var out = [];
    var re = /(\w[\w-]*)=("([^"]*)"|'([^']*)'|(\S+))|"([^"]*)"|'([^']*)'|(\S+)/g;
    var m;
    while ((m = re.exec(s))) {
      if (m[1]) out.push({ name: m[1], value: m[3] != null ? m[3] : m[4] != null ? m[4] : m[5] });
      else out.push({ value: m[6] != null ? m[6] : m[7] != null ? m[7] : m[8] });
    }
    return out;
  }

  function slashCommand(text) {
    var m = /^\/([^\s:]+):(\S+)\s*([\s\S]*)$/.exec(text.trim());
    if (!m || !catalog.prompts) return null;
    var prompt = catalog.prompts.filter(function (p) { return p.server === m[1] && p.name === m[2]; })[0];
    if (!prompt) return null;
    return function () {
      var args = {};
      var declared = prompt.arguments || [];
      var positional = declared.map(function (a) { return a.name; });
      words(m[3]).forEach(function (w) {
        if (w.name) { args[w.name] = w.value; positional = positional.filter(function (n) { return n !== w.name; }); }
        else if (positional.length) args[positional.shift()] = w.value;
      });
      var missing = declared.filter(function (a) { return a.required && !args[a.name]; });
      (missing.length ? ask(prompt, args, missing) : Promise.resolve(args)).then(function (full) {
        if (full) run(prompt, full);
      });
    };
  }

  function ask(prompt, args, missing) {
    return new Promise(function (resolve) {
      document.getElementById('mcp-args-title').textContent = '/' + prompt.server + ':' + prompt.name;
      var fields = argsDialog.querySelector('.fields');
      fields.textContent = '';
      (prompt.arguments || []).forEach(function (a) {
        var l = document.createElement('label');
        l.textContent = a.name + (a.required ? ' (required)' : '') + (a.description ? ' — ' + a.description : '');
        var input = document.createElement('input');
        input.name = a.name; input.value = args[a.name] || ''; input.required = !!a.required;
        l.appendChild(input);
        fields.appendChild(l);
      });
      argsDialog.onclose = function () {
        if (argsDialog.returnValue !== 'ok') { resolve(null); return; }
        fields.querySelectorAll('input').forEach(function (i) { if (i.value) args[i.name] = i.value; });
        resolve(args);
      };
      argsDialog.showModal();
      var first = missing.length ? fields.querySelector('input[name="' + missing[0].name + '"]') : null;
      if (first) first.focus();
    });
  }

  function run(prompt, args) {
    fetch('/api/v1/mcp-servers/' + encodeURIComponent(prompt.serverId) + '/prompts/' + encodeURIComponent(prompt.name), {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': (window.maestro && window.maestro.csrf) || '' },
      body: JSON.stringify({ arguments: args })
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); }).then(function (r) {
      if (!r.ok) { showError(r.body.detail || 'the prompt failed'); return; }
      textarea.value = r.body.text;
      var send = document.getElementById('send');
      if (form.requestSubmit) form.requestSubmit(send); else send.click();
    }).catch(function () { showError('the prompt failed'); });
  }

  function showError(msg) {
    var el = document.getElementById('turn-error');
    if (el) { el.textContent = msg; el.hidden = false; }
  }

  // ---- the picker ----
  function fillPicker() {
    var q = filter.value.toLowerCase();
    list.textContent = '';
    var shown = (catalog.resources || []).filter(function (r) { return (r.uri + ' ' + label(r) + ' ' + r.server).toLowerCase().indexOf(q) >= 0; });
    pickerNote.textContent = catalog.resources && catalog.resources.length ? '' : 'No connected MCP server offers resources.';
    shown.slice(0, 200).forEach(function (r) {
      var li = document.createElement('li');
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = r.server + ': ' + label(r) + ' — ' + r.uri;
      b.addEventListener('click', function () { attach(r); picker.close(); textarea.focus(); });
      li.appendChild(b);
      list.appendChild(li);
    });
  }
  document.getElementById('attach').addEventListener('click', function () {
    catalog.at = 0;   // the picker always shows the current list (resources/list_changed)
    load().then(function () { filter.value = ''; fillPicker(); picker.showModal(); filter.focus(); });
  });
  filter.addEventListener('input', fillPicker);

  // The gateway's mcp_catalog frame (via chat.js): the lists are re-read now, and an open picker or suggestion list
  // shows the new entries in place.
  function catalogChanged() {
    catalog.at = 0;
    load().then(function () {
      if (picker.open) fillPicker();
      if (mode) { var t = token(); if (t) show(t); else hide(); }
    });
  }

  window.maestroComposer = {
    catalogChanged: catalogChanged,
    attachments: function () { return attached.map(function (a) { return { serverId: a.serverId, uri: a.uri }; }); },
    clear: function () { attached = []; renderAttached(); }
  };
})();
