// The live chat: one WebSocket to the gateway (cookie auth), subscribe with the last seq seen,
// render events as they arrive, and swap each completed message for its server-rendered HTML
// (markdown is only ever rendered on the server; streaming text is shown as plain text).
(function () {
  'use strict';
  var root = document.getElementById('chat');
  if (!root) return;
  var sessionId = root.getAttribute('data-session-id');
  // null: the page shows everything stored and the server gave no seq — subscribe for live
  // events only; a number: resume after it (0 while a message is still streaming).
  var seqAttr = root.getAttribute('data-after-seq');
  var lastSeq = seqAttr === null || seqAttr === '' ? null : Number(seqAttr);
  var messages = document.getElementById('messages');
  var form = document.getElementById('composer');
  var textarea = document.getElementById('text');
  var sendBtn = document.getElementById('send');
  var cancelBtn = document.getElementById('cancel');
  var conn = document.getElementById('conn');
  var errorBox = document.getElementById('turn-error');
  var presence = document.getElementById('presence');
  var totalsEl = document.getElementById('totals');
  var approvalTpl = document.getElementById('tpl-approval');
  var elicitationTpl = document.getElementById('tpl-elicitation');
  // issue 16: queue and steer while a turn runs, plan mode
  var steerBtn = document.getElementById('steer');
  var queueBox = document.getElementById('queue');
  var queueList = document.getElementById('queue-list');
  var planBox = document.getElementById('plan-mode');

  var ws = null, backoff = 500, closedOnPurpose = false;
  var turnActive = root.getAttribute('data-streaming') === 'true';
  var current = null;        // {id, el, skip}
  var pendingUser = [];      // user bubbles sent from here, waiting for their message id
  var completed = {};        // message ids already rendered as complete
  var turnId = null;         // the turn in flight (turn_started)
  // A truncated marker announced seq numbers whose events will not come (an earlier owner streamed them
  // before a partition, or a very long turn outgrew what the server holds): the stored messages are
  // complete, so the turn's are reloaded once it has ended. {turnId ('' = the one in flight), bubble}
  var reload = null;
  var totals = parseTotals();

  Array.prototype.forEach.call(messages.querySelectorAll('.msg[data-message-id]'), function (el) {
    if (el.getAttribute('data-status') !== 'streaming') completed[el.getAttribute('data-message-id')] = true;
  });

  function parseTotals() {
    var text = totalsEl ? totalsEl.textContent : '';
    var m = /(\d+) in · (\d+) out/.exec(text);
    var cost = totalsEl ? totalsEl.getAttribute('data-cost-usd') : '';
    return { inp: m ? Number(m[1]) : 0, out: m ? Number(m[2]) : 0, cost: cost ? Number(cost) : null };
  }

  function setTurn(active) {
    turnActive = active;
    cancelBtn.hidden = !active;
    if (steerBtn) steerBtn.hidden = !active;
    textarea.placeholder = active ? 'Message — Enter queues it after this turn, Steer adds it to this turn'
      : 'Message — Enter sends, Shift+Enter adds a line';
    root.setAttribute('data-streaming', String(active));
  }
  setTurn(turnActive);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function newBubble(role, id) {
    var note = document.getElementById('empty-note');
    if (note) note.remove();
    var art = el('article', 'msg msg-' + role);
    if (id) art.setAttribute('data-message-id', id);
    art.setAttribute('data-status', 'streaming');
    art.setAttribute('aria-label', (role === 'user' ? 'You' : 'Assistant') + ' message');
    var head = el('header');
    head.appendChild(el('span', 'role', role === 'user' ? 'You' : 'Assistant'));
    art.appendChild(head);
    art.appendChild(el('div', 'parts'));
    art.appendChild(el('footer', 'msg-foot'));
    messages.appendChild(art);
    return art;
  }

  function ensureCurrent() {
    if (!current) current = { id: null, el: newBubble('assistant', null), skip: false };
    return current;
  }

  function scrollDown() {
    var nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
    if (nearBottom) window.scrollTo(0, document.body.scrollHeight);
  }

  function appendStream(cls, text) {
    var c = ensureCurrent();
    var parts = c.el.querySelector('.parts');
    var last = parts.lastElementChild;
    var target;
    if (cls === 'streaming-text') {
      if (last && last.classList.contains('streaming-text')) target = last;
      else { target = el('div', 'streaming-text'); parts.appendChild(target); }
    } else {
      if (last && last.classList.contains('thinking') && last.hasAttribute('data-live')) target = last.querySelector('.streaming-text');
      else {
        var d = el('details', 'thinking'); d.open = true; d.setAttribute('data-live', '');
        d.appendChild(el('summary', null, 'Thinking'));
        target = el('div', 'streaming-text');
        d.appendChild(target);
        parts.appendChild(d);
      }
    }
    target.textContent += text;   // text, never HTML
    scrollDown();
  }

  function toolBox(callId, name, args) {
    var box = messages.querySelector('details.tool[data-call-id="' + cssEscape(callId) + '"]');
    if (box) return box;
    var c = ensureCurrent();
    box = el('details', 'tool'); box.open = true;
    box.setAttribute('data-call-id', callId);
    var sum = el('summary', null, 'Tool ');
    sum.appendChild(el('code', null, name || 'tool'));
    sum.appendChild(document.createTextNode(' '));
    sum.appendChild(el('span', 'tool-state', 'running'));
    box.appendChild(sum);
    box.appendChild(el('p', 'label', 'Arguments'));
    box.appendChild(el('pre', 'args', JSON.stringify(args == null ? {} : args, null, 2)));
    c.el.querySelector('.parts').appendChild(box);
    return box;
  }

  function cssEscape(s) { return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&'); }

  function approval(ev) {
    var box = toolBox(ev.callId, ev.name, ev.arguments);
    // asked again (restored) by the node a drain handed the turn to: an answer given here meanwhile stands
    if (box.hasAttribute('data-decided') || box.querySelector('pre.result')) return;
    box.open = true;
    box.querySelector('.tool-state').textContent = 'waiting for approval';
    if (box.querySelector('.approval')) return;
    var node = approvalTpl.content.firstElementChild.cloneNode(true);
    var qid = 'approval-' + ev.callId;
    var q = node.querySelector('.approval-q');
    q.id = qid;
    q.textContent = (ev.childSessionId ? 'A sub-agent asks: allow' : 'Allow') + ' the tool “' + (ev.name || 'tool') + '” to run with these arguments?';
    node.setAttribute('aria-labelledby', qid);
    var decide = function (decision) {
      if (!send({ type: 'approve', sessionId: sessionId, callId: ev.callId, decision: decision })) {
        q.textContent = 'Not connected — try again in a moment.';
        return;
      }
      box.querySelector('.tool-state').textContent = decision === 'allow' ? 'allowed, running' : 'denied';
      box.setAttribute('data-decided', decision);
      node.remove();
      var summary = box.querySelector('summary');
      summary.setAttribute('tabindex', '-1');
      summary.focus();
    };
    node.querySelector('.allow').addEventListener('click', function () { decide('allow'); });
    node.querySelector('.deny').addEventListener('click', function () { decide('deny'); });
    node.querySelector('.allow-session').addEventListener('click', function () {
      if (!send({ type: 'approve', sessionId: sessionId, callId: ev.callId, decision: 'allow', forSession: true })) {
        q.textContent = 'Not connected — try again in a moment.';
        return;
      }
      box.querySelector('.tool-state').textContent = 'allowed for this session, running';
      box.setAttribute('data-decided', 'allow');
      node.remove();
    });
    box.appendChild(node);
    node.querySelector('.allow').focus({ preventScroll: false });
  }

  // MCP elicitation: a running tool asks the user. The form is pre-filled with the schema's
  // defaults (SEP-1034: what the user leaves alone is answered with the default).
  function enumOptions(p) {
    if (Array.isArray(p.enum)) return p.enum.map(function (v, i) { return { value: v, label: (p.enumNames && p.enumNames[i]) || v }; });
    var alts = p.oneOf || p.anyOf;
    if (Array.isArray(alts)) return alts.map(function (a) { return { value: a.const, label: a.title || a.const }; });
    return null;
  }

  function field(name, p, required) {
    var id = 'el-' + Math.random().toString(36).slice(2) + '-' + name;
    var wrap = el('div', 'field');
    wrap.setAttribute('data-field', name);
    var input, type = p.type, has = Object.prototype.hasOwnProperty.call(p, 'default');
    var opts = type === 'array' && p.items ? enumOptions(p.items) : enumOptions(p);
    if (type === 'boolean') {
      input = el('input'); input.type = 'checkbox'; input.checked = has ? p.default === true : false;
    } else if (opts) {
      input = el('select');
      if (type === 'array') input.multiple = true;
      else if (!has) input.appendChild(el('option', null, ''));
      var chosen = Array.isArray(p.default) ? p.default : [p.default];
      opts.forEach(function (o) {
        var opt = el('option', null, String(o.label));
        opt.value = String(o.value);
        opt.selected = has && chosen.indexOf(o.value) >= 0;
        input.appendChild(opt);
      });
    } else {
      input = el('input');
      if (type === 'integer' || type === 'number') { input.type = 'number'; input.step = type === 'integer' ? '1' : 'any'; }
      else input.type = { email: 'email', uri: 'url', date: 'date', 'date-time': 'datetime-local' }[p.format] || 'text';
      if (p.minimum != null) input.min = p.minimum;
      if (p.maximum != null) input.max = p.maximum;
      if (has) input.value = String(p.default);
    }
    input.id = id;
    input.name = name;
    input.setAttribute('data-type', type || 'string');
    if (required) input.required = true;
    var label = el('label', null, (p.title || name) + (required ? ' *' : ''));
    label.htmlFor = id;
    if (type === 'boolean') { wrap.appendChild(input); wrap.appendChild(document.createTextNode(' ')); }
    wrap.appendChild(label);
    if (type !== 'boolean') wrap.appendChild(input);
    if (p.description) wrap.appendChild(el('span', 'hint', p.description));
    return wrap;
  }

  function formContent(node) {
    var content = {};
    node.querySelectorAll('.fields [name]').forEach(function (input) {
      var type = input.getAttribute('data-type');
      if (type === 'boolean') { content[input.name] = input.checked; return; }
      if (input.multiple) { content[input.name] = Array.prototype.map.call(input.selectedOptions, function (o) { return o.value; }); return; }
      if (input.value === '') return;   // left empty: the server applies the default, if any
      content[input.name] = type === 'integer' || type === 'number' ? Number(input.value) : input.value;
    });
    return content;
  }

  function elicitation(ev) {
    var box = toolBox(ev.callId, null, null);
    box.open = true;
    box.querySelector('.tool-state').textContent = 'waiting for your input';
    if (box.querySelector('.elicitation[data-elicitation-id="' + cssEscape(ev.elicitationId) + '"]')) return;
    var node = elicitationTpl.content.firstElementChild.cloneNode(true);
    node.setAttribute('data-elicitation-id', ev.elicitationId);
    var q = node.querySelector('.elicitation-q');
    q.id = 'elicitation-' + ev.elicitationId;
    q.textContent = ev.message || 'The tool asks for input.';
    node.setAttribute('aria-labelledby', q.id);
    node.querySelector('.elicitation-from').textContent = 'Asked by the MCP server “' + (ev.server || 'unknown') + '”';
    var schema = ev.schema || {};
    var props = schema.properties || {};
    var required = Array.isArray(schema.required) ? schema.required : [];
    var fields = node.querySelector('.fields');
    Object.keys(props).forEach(function (name) { fields.appendChild(field(name, props[name] || {}, required.indexOf(name) >= 0)); });
    var answer = function (action) {
      var frame = { type: 'elicit', id: 'elicit:' + ev.elicitationId, sessionId: sessionId, elicitationId: ev.elicitationId, action: action };
      if (action === 'accept') frame.content = formContent(node);
      var err = node.querySelector('.elicitation-error');
      if (!send(frame)) { err.textContent = 'Not connected — try again in a moment.'; err.hidden = false; return; }
      err.hidden = true;
      node.setAttribute('data-sent', action);
    };
    node.addEventListener('submit', function (e) { e.preventDefault(); answer('accept'); });
    node.querySelector('.decline').addEventListener('click', function () { answer('decline'); });
    box.appendChild(node);
    var first = node.querySelector('.fields [name]') || node.querySelector('.accept');
    first.focus({ preventScroll: false });
  }

  var OUTCOME = { accept: 'You accepted and sent the form.', decline: 'You declined.', cancel: 'Cancelled (no answer in time, or the turn ended).' };

  function elicitationResolved(ev) {
    var node = messages.querySelector('.elicitation[data-elicitation-id="' + cssEscape(ev.elicitationId) + '"]');
    if (!node) return;
    var out = el('p', 'elicitation-outcome', OUTCOME[ev.action] || ev.action);
    out.setAttribute('data-elicitation-id', ev.elicitationId);
    out.setAttribute('data-action', ev.action);
    var box = node.closest('details.tool');
    node.replaceWith(out);
    if (box) box.querySelector('.tool-state').textContent = 'running';
  }

  function elicitationRefused(ref, msg) {
    var node = messages.querySelector('.elicitation[data-elicitation-id="' + cssEscape(ref.slice('elicit:'.length)) + '"]');
    if (!node) return false;
    var err = node.querySelector('.elicitation-error');
    err.textContent = msg.message || msg.code || 'The server refused that answer.';
    err.hidden = false;
    return true;
  }

  function toolResult(ev) {
    var box = toolBox(ev.callId, null, null);
    var a = box.querySelector('.approval');
    if (a) a.remove();
    box.querySelector('.tool-state').textContent = ev.isError ? 'failed' : 'done';
    if (box.querySelector('pre.result')) return;
    box.appendChild(el('p', 'label', 'Result'));
    var text = Array.isArray(ev.content)
      ? ev.content.map(function (p) { return p && p.text != null ? p.text : JSON.stringify(p); }).join('\n')
      : (typeof ev.content === 'string' ? ev.content : JSON.stringify(ev.content, null, 2));
    box.appendChild(el('pre', 'result' + (ev.isError ? ' error' : ''), text));
  }

  // Sub-agents (the task tool): a collapsed block inside the task call's box, with the child's streamed
  // text and a link to the child session; its events arrive on this (the parent) session.
  function subagentBlock(ev) {
    var found = messages.querySelector('details.subagent[data-child-session-id="' + cssEscape(ev.childSessionId) + '"]');
    if (found || !ev.callId) return found;
    var box = toolBox(ev.callId, 'task', null);
    box.open = true;
    var d = el('details', 'subagent');   // collapsed: opened by the user
    d.setAttribute('data-child-session-id', ev.childSessionId);
    d.setAttribute('data-status', 'running');
    var sum = el('summary', null, 'Sub-agent ');
    sum.appendChild(el('span', 'subagent-desc', ev.description || ''));
    sum.appendChild(document.createTextNode(' · '));
    sum.appendChild(el('span', 'subagent-state', 'running'));
    d.appendChild(sum);
    var link = el('a', 'subagent-link', 'Open the sub-agent’s session');
    link.href = '/sessions/' + encodeURIComponent(ev.childSessionId);
    d.appendChild(link);
    d.appendChild(el('div', 'streaming-text subagent-text'));
    box.appendChild(d);
    return d;
  }

  function subagentText(ev, text) {
    var d = subagentBlock(ev);
    if (d) d.querySelector('.subagent-text').textContent += text;   // text, never HTML
  }

  function subagentFinished(ev) {
    var d = subagentBlock(ev);
    if (!d) return;
    d.setAttribute('data-status', ev.status || 'complete');
    d.querySelector('.subagent-state').textContent = ev.status || 'complete';
  }

  function completeMessage(ev) {
    var c = current;
    var id = ev.messageId;
    completed[id] = true;
    var target = (c && (c.id === id || !c.id)) ? c.el : messages.querySelector('.msg[data-message-id="' + cssEscape(id) + '"]');
    if (target && !target.getAttribute('data-message-id')) target.setAttribute('data-message-id', id);
    if (ev.usage) {
      totals.inp += Number(ev.usage.inputTokens || 0);
      totals.out += Number(ev.usage.outputTokens || 0);
      // the server's price (message_completed carries the stored costUsd), as on a fresh page load
      if (typeof ev.usage.costUsd === 'number') totals.cost = (totals.cost || 0) + ev.usage.costUsd;
      if (totalsEl) {
        totalsEl.textContent = totals.inp + ' in · ' + totals.out + ' out tokens'
          + (totals.cost == null ? '' : ' · $' + totals.cost.toFixed(4));
      }
    }
    if (target) {
      target.setAttribute('data-status', 'complete');
      fetch('/sessions/' + encodeURIComponent(sessionId) + '/messages/' + encodeURIComponent(id), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var tpl = document.createElement('template');
          tpl.innerHTML = html;     // rendered and escaped by the server (commonmark, raw HTML off)
          var fresh = tpl.content.querySelector('article.msg');
          if (!fresh || !target.isConnected) return;
          if (fresh.getAttribute('data-status') === 'streaming') return;
          // Keep live-only state (pending approvals) if the stored copy lags behind.
          if (target.querySelector('.approval, .elicitation')) return;
          if (!fresh.querySelector('.parts > *')) { target.remove(); return; }
          // Sub-agent blocks are live-only: carry them into the stored copy's task box (kept open).
          target.querySelectorAll('details.subagent').forEach(function (d) {
            var box = d.closest('details.tool');
            var to = box && fresh.querySelector('details.tool[data-call-id="' + cssEscape(box.getAttribute('data-call-id')) + '"]');
            if (to) { to.open = true; to.appendChild(d); }
          });
          target.replaceWith(fresh);
          if (current && current.el === target) current.el = fresh;
        })
        .catch(function () { /* keep the streamed copy */ });
    }
  }

  // The stored messages of a turn, rendered by the server, in place of what streamed (or was never seen):
  // a message shown already is replaced, a missing one goes after the turn's previous message (or the
  // bubble that streamed without a message id), empty ones (tool results live in their calls) are left out.
  function reloadTurn(id, bubble) {
    api('GET', '/api/v1/sessions/' + encodeURIComponent(sessionId)).then(function (s) {
      var stored = ((s && s.messages) || []).filter(function (m) { return m.turnId === id; });
      var previous = null;
      return stored.reduce(function (chain, m) {
        return chain.then(function () {
          return fetch('/sessions/' + encodeURIComponent(sessionId) + '/messages/' + encodeURIComponent(m.id), { credentials: 'same-origin' })
            .then(function (r) { return r.ok ? r.text() : null; });
        }).then(function (html) {
          var shown = messages.querySelector('.msg[data-message-id="' + cssEscape(m.id) + '"]');
          var tpl = document.createElement('template');
          tpl.innerHTML = html || '';     // rendered and escaped by the server
          var fresh = tpl.content.querySelector('article.msg');
          if (!fresh || !fresh.querySelector('.parts > *') || (m.role === 'user' && shown)) {
            if (shown) previous = shown;
            return;
          }
          if (!shown && m.role === 'assistant' && bubble && bubble.isConnected && !bubble.getAttribute('data-message-id')) shown = bubble;
          fresh.setAttribute('data-reloaded', 'true');
          if (shown) shown.replaceWith(fresh);
          else if (previous && previous.isConnected) previous.after(fresh);
          else messages.appendChild(fresh);
          if (current && current.el === shown) current.el = fresh;
          completed[m.id] = true;
          previous = fresh;
        });
      }, Promise.resolve());
    }).catch(function () { note('Part of this reply was not delivered live; reload the page to see all of it.'); });
  }

  function handle(ev) {
    switch (ev.type) {
      case 'truncated':
        reload = { turnId: ev.turnId || turnId || '', bubble: current && !current.skip ? current.el : null };
        break;
      case 'turn_started':
        turnId = ev.turnId || null;
        setTurn(true);
        errorBox.hidden = true;
        break;
      case 'message_started':
        if (completed[ev.messageId]) { current = { id: ev.messageId, el: null, skip: true }; break; }
        var existing = messages.querySelector('.msg[data-message-id="' + cssEscape(ev.messageId) + '"]');
        if (ev.role === 'user' && ev.mode) {
          // a queued or steered message starts: shown with its text, out of the queue
          if (!existing) {
            existing = newBubble('user', ev.messageId);
            existing.querySelector('.parts').appendChild(el('div', 'streaming-text', ev.text || ''));
            existing.setAttribute('data-status', 'complete');
            existing.setAttribute('data-mode', ev.mode);
          }
          current = { id: ev.messageId, el: existing, skip: true };
          refreshQueue();
          break;
        }
        if (ev.role === 'user') {
          var mine = existing || pendingUser.shift();
          if (mine) { mine.setAttribute('data-message-id', ev.messageId); current = { id: ev.messageId, el: mine, skip: true }; }
          else current = { id: ev.messageId, el: newBubble('user', ev.messageId), skip: false };
          break;
        }
        if (existing) { existing.querySelector('.parts').replaceChildren(); current = { id: ev.messageId, el: existing, skip: false }; }
        else current = { id: ev.messageId, el: newBubble(ev.role || 'assistant', ev.messageId), skip: false };
        break;
      case 'delta':
        if (current && current.skip) break;
        appendStream('streaming-text', ev.text || '');
        break;
      case 'thinking_delta':
        if (current && current.skip) break;
        appendStream('thinking', ev.text || '');
        break;
      case 'tool_call':
        if (current && current.skip) break;
        toolBox(ev.callId, ev.name, ev.arguments);
        break;
      case 'approval_required':
        if (current && current.skip) break;
        approval(ev);
        break;
      case 'elicitation_required':
        if (current && current.skip) break;
        elicitation(ev);
        break;
      case 'approval_expired':
        var expiredBox = messages.querySelector('details.tool[data-call-id="' + cssEscape(ev.callId) + '"]');
        if (expiredBox) {
          var pending = expiredBox.querySelector('.approval');
          if (pending) pending.remove();
          expiredBox.querySelector('.tool-state').textContent = 'approval expired — denied';
        }
        break;
      case 'message_queued':
        refreshQueue();
        break;
      case 'elicitation_resolved':
        elicitationResolved(ev);
        break;
      case 'subagent_started':
        subagentBlock(ev);
        break;
      case 'subagent_delta':
        subagentText(ev, ev.text || '');
        break;
      case 'subagent_progress':
        subagentText(ev, '\n[' + (ev.text || '') + ']\n');
        break;
      case 'subagent_finished':
        subagentFinished(ev);
        break;
      case 'tool_result':
        if (current && current.skip) break;
        toolResult(ev);
        break;
      case 'message_completed':
        if (current && current.skip) { completed[ev.messageId] = true; if (current.el && current.el.classList.contains('msg-user')) completeMessage(ev); break; }
        completeMessage(ev);
        break;
      case 'turn_error':
        errorBox.textContent = 'The turn failed: ' + (ev.message || ev.code || 'unknown error');
        errorBox.hidden = false;
        break;
      case 'turn_completed':
        setTurn(false);
        if (ev.status && ev.status !== 'complete' && current && current.el && !current.skip) {
          var head = current.el.querySelector('header');
          if (head && !head.querySelector('.status')) {
            head.appendChild(document.createTextNode(' '));
            head.appendChild(el('span', 'status status-' + ev.status, ev.status));
          }
          current.el.setAttribute('data-status', ev.status);
          current.el.querySelectorAll('.approval').forEach(function (a) { a.remove(); });
          current.el.querySelectorAll('.elicitation').forEach(function (a) { a.remove(); });
        }
        current = null;
        if (reload && (!reload.turnId || !ev.turnId || reload.turnId === ev.turnId)) {
          reloadTurn(ev.turnId || reload.turnId, reload.bubble);
          reload = null;
        }
        turnId = null;
        root.setAttribute('data-turn-status', ev.status || 'complete');
        break;
      case 'files_changed':
        refreshChanges();
        break;
      case 'compacted':
        note('Older messages were summarised to save context. Reload to see the summary.');
        break;
      case 'compaction_failed':
        note('Compacting the conversation failed' + (ev.message ? ': ' + ev.message : '.'));
        break;
      case 'presence':
        presence.textContent = ev.openIn && ev.openIn.length ? 'Open in: ' + ev.openIn.join(', ') : '';
        break;
      default:
        break;
    }
  }

  // Projects: the Changes panel is rendered by the server; a turn that changed files fetches it again.
  function refreshChanges() {
    var panel = document.getElementById('changes');
    if (!panel) return;
    fetch('/sessions/' + encodeURIComponent(sessionId) + '/changes', { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var tpl = document.createElement('template');
        tpl.innerHTML = html;     // rendered and escaped by the server
        var fresh = tpl.content.querySelector('#changes');
        if (fresh && panel.isConnected) panel.replaceWith(fresh);
      })
      .catch(function () { /* keep the panel as it was */ });
  }

  function note(text) {
    var n = document.getElementById('chat-note');
    if (!n) return;
    n.textContent = text;
    n.hidden = false;
  }

  function send(obj) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(obj)); return true; }
    return false;
  }

  // Messages sent but not yet acknowledged, by idempotency key. After a reconnect they are sent again
  // with the same key: a message whose acknowledgement was lost with the connection (a gateway that
  // died mid-request) starts exactly one turn — the server answers a known key with duplicate: true.
  var unacked = {};
  function newKey() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);   // randomUUID needs a secure context; this works over plain http
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  function settled(ref, outcome) {
    if (typeof ref !== 'string' || ref.indexOf('send:') !== 0) return;
    var key = ref.slice('send:'.length);
    var pending = unacked[key];
    if (!pending) return;
    delete unacked[key];
    if (pending.bubble) pending.bubble.setAttribute('data-delivery', outcome);
  }

  // A gateway cut off by the network neither answers nor closes: the browser would wait for TCP (minutes).
  // As the TUI does (SilenceWatch): after 2 s without a frame a ping is sent (the gateway answers "pong");
  // if nothing at all arrives within 3 s after it, the socket is given up and a new one opened, resuming
  // with afterSeq. The check asks before it condemns, so a throttled background tab is only slower.
  var PING_AFTER_MS = 2000, PONG_WITHIN_MS = 3000;
  var lastFrameAt = 0, pingSentAt = -1;
  setInterval(function () {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    var now = Date.now();
    if (pingSentAt >= 0) {
      if (now - pingSentAt < PONG_WITHIN_MS) return;
      var dead = ws;
      ws = null;
      dead.onclose = null;
      dead.onmessage = null;
      try { dead.close(); } catch (e) { /* already closing */ }
      lost();
    } else if (now - lastFrameAt >= PING_AFTER_MS) {
      pingSentAt = now;
      send({ type: 'ping' });
    }
  }, 500);

  function lost() {
    conn.classList.remove('live');
    conn.textContent = 'reconnecting…';
    if (closedOnPurpose) return;
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 5000);
  }

  var everOpen = false;
  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/ws';
    conn.textContent = 'connecting…';
    conn.classList.remove('live');
    ws = new WebSocket(url);
    ws.onopen = function () {
      lastFrameAt = Date.now();
      pingSentAt = -1;
      backoff = 500;
      conn.textContent = 'live';
      conn.classList.add('live');
      // mcp_catalog frames sent while the socket was down are not replayed: re-read the lists after a reconnect
      if (everOpen && window.maestroComposer) window.maestroComposer.catalogChanged();
      everOpen = true;
      var sub = { type: 'subscribe', sessionId: sessionId };
      if (lastSeq !== null) sub.afterSeq = lastSeq;
      ws.send(JSON.stringify(sub));
      Object.keys(unacked).forEach(function (k) { ws.send(JSON.stringify(unacked[k].frame)); });
    };
    ws.onmessage = function (m) {
      lastFrameAt = Date.now();
      pingSentAt = -1;
      var msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type === 'event' && msg.sessionId === sessionId) {
        if (typeof msg.seq === 'number') {
          if (lastSeq !== null && msg.seq <= lastSeq) return;   // already seen (replay overlap)
          lastSeq = msg.seq;
          root.setAttribute('data-last-seq', String(lastSeq));
        }
        handle(msg.event || {});
      } else if (msg.type === 'mcp_catalog') {
        // an MCP server's prompts or resources changed: the composer re-reads its lists (mcp-composer.js)
        if (window.maestroComposer) window.maestroComposer.catalogChanged();
      } else if (msg.type === 'ack') {
        settled(msg.id, 'delivered');
      } else if (msg.type === 'error') {
        settled(msg.id, 'refused');
        if (typeof msg.id === 'string' && msg.id.indexOf('elicit:') === 0 && elicitationRefused(msg.id, msg)) return;
        errorBox.textContent = msg.message || msg.code || 'The server refused that request.';
        errorBox.hidden = false;
      }
    };
    ws.onclose = function (e) {
      conn.classList.remove('live');
      // 4001: the gateway revoked this login (signed out elsewhere, user deleted); 1008: policy.
      if (e.code === 4001 || e.code === 1008) { conn.textContent = 'signed out — reload the page'; return; }
      lost();
    };
  }

  form.addEventListener('submit', function (e) {
    var submitter = e.submitter;
    if (submitter === cancelBtn) {
      if (send({ type: 'cancel', sessionId: sessionId })) e.preventDefault();
      return;
    }
    var text = textarea.value;
    if (!text.trim()) { e.preventDefault(); return; }
    // MCP resources attached in the composer (mcp-composer.js) travel with the message
    var composer = window.maestroComposer;
    var attachments = composer ? composer.attachments() : [];
    if (turnActive) {
      // a turn runs: Enter queues the message (stored by the server, shown in the queue until it starts);
      // attachments stay in the composer for a message sent when no turn runs (the queue keeps text only)
      e.preventDefault();
      if (send({ type: 'send', sessionId: sessionId, text: text, mode: 'queue' })) textarea.value = '';
      else note('Not connected — try again in a moment.');
      return;
    }
    var frame = { type: 'send', sessionId: sessionId, text: text };
    var key = null;
    if (attachments.length) frame.attachments = attachments;
    else { key = newKey(); frame.id = 'send:' + key; frame.idempotencyKey = key; }
    if (!send(frame)) {
      if (attachments.length) { e.preventDefault(); note('Not connected — attachments need the live connection; try again in a moment.'); }
      return; // no socket: plain form post
    }
    if (composer) composer.clear();
    e.preventDefault();
    var bubble = newBubble('user', null);
    var body = el('div', 'streaming-text', text);
    bubble.querySelector('.parts').appendChild(body);
    bubble.setAttribute('data-status', 'complete');
    if (key) { bubble.setAttribute('data-delivery', 'sending'); unacked[key] = { frame: frame, bubble: bubble }; }
    pendingUser.push(bubble);
    textarea.value = '';
    setTurn(true);
    window.scrollTo(0, document.body.scrollHeight);
  });

  textarea.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      if (form.requestSubmit) form.requestSubmit(sendBtn); else sendBtn.click();
    }
  });

  if (steerBtn) {
    steerBtn.addEventListener('click', function () {
      var text = textarea.value;
      if (!text.trim()) return;
      if (send({ type: 'send', sessionId: sessionId, text: text, mode: 'steer' })) textarea.value = '';
      else note('Not connected — try again in a moment.');
    });
  }

  // The JSON API with the browser's cookie (+CSRF), for the queue and the mode.
  function api(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'X-CSRF-Token': (window.maestro && window.maestro.csrf) || '' } };
    if (body) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (r) {
      if (r.status === 204) return null;
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.detail || j.title || ('HTTP ' + r.status));
        return j;
      });
    });
  }
  var queuePath = '/api/v1/sessions/' + encodeURIComponent(sessionId) + '/queue';

  function refreshQueue() {
    if (!queueList) return;
    api('GET', queuePath).then(function (page) {
      var items = (page && page.items) || [];
      queueList.replaceChildren();
      items.forEach(function (m) { queueList.appendChild(queueItem(m)); });
      queueBox.hidden = items.length === 0;
      root.setAttribute('data-queued', String(items.length));
    }).catch(function () { /* the queue is shown again on the next event */ });
  }

  function queueItem(m) {
    var li = el('li', 'queued');
    li.setAttribute('data-message-id', m.id);
    li.setAttribute('data-mode', m.mode);
    var text = el('span', 'queued-text', m.text);
    var tag = el('span', 'label', m.mode === 'steer' ? 'steer' : 'queued');
    var edit = el('button', 'link edit', 'Edit'); edit.type = 'button';
    edit.setAttribute('aria-label', 'Edit queued message');
    var remove = el('button', 'link danger remove', 'Remove'); remove.type = 'button';
    remove.setAttribute('aria-label', 'Remove queued message');
    remove.addEventListener('click', function () {
      api('DELETE', queuePath + '/' + encodeURIComponent(m.id)).then(refreshQueue, function (e) { note(e.message); refreshQueue(); });
    });
    edit.addEventListener('click', function () {
      var input = el('input', 'queued-edit'); input.value = m.text;
      input.setAttribute('aria-label', 'Queued message text');
      var save = el('button', 'save', 'Save'); save.type = 'button';
      save.addEventListener('click', function () {
        api('PATCH', queuePath + '/' + encodeURIComponent(m.id), { text: input.value })
          .then(refreshQueue, function (e) { note(e.message); refreshQueue(); });
      });
      input.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); save.click(); } });
      li.replaceChildren(tag, input, save);
      input.focus();
    });
    li.append(tag, text, edit, remove);
    return li;
  }
  refreshQueue();

  if (planBox) {
    planBox.addEventListener('change', function () {
      var mode = planBox.checked ? 'plan' : 'build';
      api('PATCH', '/api/v1/sessions/' + encodeURIComponent(sessionId), { mode: mode }).then(function (s) {
        root.setAttribute('data-mode', (s && s.mode) || mode);
        note(mode === 'plan' ? 'Plan mode: only read-only tools run.' : 'Build mode: tools run as their policies say.');
      }, function (e) { planBox.checked = !planBox.checked; note('Could not change the mode: ' + e.message); });
    });
  }

  // Hooks for tests and for debugging from the console.
  window.maestroChat = {
    lastSeq: function () { return lastSeq; },
    dropConnection: function () { if (ws) ws.close(4000, 'test'); },
    unacknowledged: function () { return Object.keys(unacked).length; }
  };
  connect();
})();
