// Projects page: while a clone runs, reload every few seconds so its progress line moves.
(function () {
  'use strict';
  var list = document.getElementById('projects');
  if (!list || !list.getAttribute('data-refresh')) return;
  setTimeout(function () { window.location.reload(); }, 1000 * Number(list.getAttribute('data-refresh')));
})();
