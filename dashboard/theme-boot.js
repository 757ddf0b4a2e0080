// Theme before first paint (no flash): the stored choice, else the system preference. A file of
// its own, loaded synchronously in <head>, because the page's CSP allows no inline script.
(function () {
  var m = null;
  try { m = localStorage.getItem('genscope.theme'); } catch (e) {}
  var dark = m === 'dark' || (m !== 'light' && window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
})();
