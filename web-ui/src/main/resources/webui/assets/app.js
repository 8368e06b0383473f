// Maestro web UI: small enhancements on top of server-rendered pages (everything works without them
// except the live chat and the user list on Settings).
(function () {
  'use strict';
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : '';
  window.maestro = { csrf: csrf };

  // Copy buttons on code blocks (also for blocks added later by the chat).
  document.addEventListener('click', function (e) {
    var btn = e.target.closest && e.target.closest('button.copy');
    if (!btn) return;
    var code = btn.parentElement.querySelector('code');
    var text = code ? code.textContent : '';
    var done = function () { btn.textContent = 'Copied'; setTimeout(function () { btn.textContent = 'Copy'; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else { fallbackCopy(text); done(); }
  });
  function fallbackCopy(text) {
    var ta = document.createElement('textarea');
    ta.value = text; ta.setAttribute('readonly', ''); ta.style.position = 'fixed'; ta.style.opacity = '0';
    document.body.appendChild(ta); ta.select();
    try { document.execCommand('copy'); } catch (ignored) { /* nothing else to try */ }
    document.body.removeChild(ta);
  }

  // Destructive forms ask first.
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  // New-session form: offer the chosen credential's models.
  var credSelect = document.querySelector('select[data-model-source]');
  if (credSelect) {
    var list = document.getElementById(credSelect.getAttribute('data-model-source'));
    var load = function () {
      fetch('/ui/model-options?credentialId=' + encodeURIComponent(credSelect.value), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : ''; })
        .then(function (html) {
          var tpl = document.createElement('template');
          tpl.innerHTML = html; // server-rendered, escaped <option> list
          list.replaceChildren.apply(list, Array.prototype.slice.call(tpl.content.querySelectorAll('option')));
          var model = document.getElementById('ns-model');
          var first = list.querySelector('option');
          if (model && !model.value && first) model.value = first.value;
        })
        .catch(function () { /* the model stays free text */ });
    };
    credSelect.addEventListener('change', load);
    load();
  }

  // Sessions list: presence ("Open in: web, tui") is kept by the gateway, so ask its JSON API.
  var presenceSlots = document.querySelectorAll('[data-presence-for]');
  if (presenceSlots.length) {
    var q = new URLSearchParams(location.search).get('q');
    fetch('/api/v1/sessions?limit=100' + (q ? '&q=' + encodeURIComponent(q) : ''), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (page) {
        var open = {};
        (page.items || []).forEach(function (s) { open[s.id] = s.openIn || []; });
        presenceSlots.forEach(function (slot) {
          var list = open[slot.getAttribute('data-presence-for')];
          if (list) slot.textContent = list.length ? 'Open in: ' + list.join(', ') : '';
        });
      })
      .catch(function () { /* presence is a hint; the list works without it */ });
  }

  // Settings: users through the gateway's JSON API.
  var users = document.getElementById('users');
  if (users) {
    var api = users.getAttribute('data-users-api');
    var ul = document.getElementById('user-list');
    var msg = document.getElementById('user-msg');
    var call = function (method, url, body) {
      var opts = { method: method, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } };
      if (body) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
      return fetch(url, opts).then(function (r) {
        if (r.status === 204) return null;
        return r.json().then(function (j) {
          if (!r.ok) throw new Error(j.detail || j.title || ('HTTP ' + r.status));
          return j;
        });
      });
    };
    var render = function () {
      call('GET', api).then(function (page) {
        ul.replaceChildren();
        (page.items || []).forEach(function (u) {
          var li = document.createElement('li'); li.className = 'row';
          var name = document.createElement('span');
          name.textContent = u.username + ' (' + u.role + ')';
          var del = document.createElement('button');
          del.type = 'button'; del.className = 'danger'; del.textContent = 'Delete';
          del.setAttribute('aria-label', 'Delete user ' + u.username);
          del.addEventListener('click', function () {
            if (!window.confirm('Delete user ' + u.username + '?')) return;
            call('DELETE', api + '/' + encodeURIComponent(u.id)).then(render, function (e) { msg.textContent = e.message; });
          });
          li.append(name, del); ul.appendChild(li);
        });
      }, function (e) { ul.replaceChildren(); msg.textContent = 'Could not load users: ' + e.message; });
    };
    document.getElementById('add-user').addEventListener('submit', function (e) {
      e.preventDefault();
      var f = e.target;
      call('POST', api, { username: f.username.value, password: f.password.value, role: f.role.value })
        .then(function () { msg.textContent = 'User added.'; f.reset(); render(); }, function (err) { msg.textContent = err.message; });
    });
    render();
  }

  // Issue 16: the running-now badge in the navigation and notifications when a run of yours finishes or
  // waits for approval (browser Notification API, once allowed on the Running page). Polls /api/v1/runs.
  var badge = document.getElementById('runs-badge');
  if (badge && window.fetch) {
    var known = null;   // sessionId → status at the last poll
    var notify = function (title, body, sessionId) {
      if (!('Notification' in window) || Notification.permission !== 'granted') return;
      try {
        var n = new Notification(title, { body: body, tag: 'maestro-' + sessionId });
        n.onclick = function () { window.focus(); location.href = '/sessions/' + encodeURIComponent(sessionId); };
      } catch (e) { /* some browsers allow notifications only from a service worker */ }
    };
    var poll = function () {
      fetch('/api/v1/runs', { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (page) {
        if (!page) return;
        var now = {};
        (page.items || []).forEach(function (r) { now[r.sessionId] = r; });
        var active = (page.items || []).filter(function (r) { return r.status !== 'queued'; }).length;
        badge.textContent = String(active);
        badge.hidden = active === 0;
        badge.setAttribute('aria-label', active + ' running');
        if (known) {
          Object.keys(known).forEach(function (id) {
            var was = known[id], is = now[id];
            if (was.status !== 'queued' && !is) notify('Run finished', was.title || 'A session', id);
          });
          Object.keys(now).forEach(function (id) {
            var is = now[id], was = known[id];
            if (is.status === 'waiting_approval' && (!was || was.status !== 'waiting_approval')) {
              notify('Waiting for your approval', is.title || 'A session', id);
            }
          });
        }
        known = {};
        Object.keys(now).forEach(function (id) { known[id] = { status: now[id].status, title: now[id].title }; });
        document.documentElement.setAttribute('data-runs', String(active));
      }).catch(function () { /* a hint: tried again at the next poll */ });
    };
    poll();
    setInterval(poll, 5000);
    var enable = document.getElementById('enable-notifications');
    var state = document.getElementById('notify-state');
    if (enable && 'Notification' in window) {
      var show = function () {
        enable.hidden = Notification.permission !== 'default';
        state.textContent = Notification.permission === 'granted' ? 'Notifications are on.'
          : Notification.permission === 'denied' ? 'Notifications are blocked in this browser.' : '';
      };
      enable.addEventListener('click', function () { Notification.requestPermission().then(show); });
      show();
    }
  }
})();
