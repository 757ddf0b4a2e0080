/**
 * The API reference page at /api/docs: a page, its stylesheet and its script (no CDN, no build
 * step; separate files because the CSP allows no inline script or style) that fetches
 * /api/v1/openapi.json and renders each operation, its scope, parameters and response schema.
 */

export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>genscope API reference</title>
<link rel="stylesheet" href="/api/docs/docs.css">
</head>
<body>
<main>
  <h1>genscope API reference</h1>
  <div class="intro" id="intro">Loading <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>…</div>
  <nav id="nav"></nav>
  <div id="endpoints"></div>
</main>
<script src="/api/docs/docs.js"></script>
</body>
</html>
`;

export const DOCS_PAGE_CSS = `  :root { color-scheme: light dark; --fg: #1d2330; --muted: #5b6475; --bg: #fff; --card: #f5f7fa; --line: #d9dee7; --accent: #2f6fde; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e4e8ef; --muted: #9aa3b2; --bg: #12151b; --card: #1b2029; --line: #2c3340; --accent: #6ea1ff; } }
  body { font: 14px/1.5 system-ui, -apple-system, Segoe UI, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
  main { max-width: 980px; margin: 0 auto; padding: 24px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  .intro { color: var(--muted); margin-bottom: 20px; }
  nav { columns: 2; margin-bottom: 24px; }
  nav a { display: block; color: var(--accent); text-decoration: none; font-family: ui-monospace, monospace; font-size: 13px; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 14px; }
  h2 { font-size: 15px; margin: 0; font-family: ui-monospace, monospace; }
  .method { background: var(--accent); color: #fff; border-radius: 4px; padding: 1px 6px; margin-right: 8px; font-size: 12px; }
  table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
  th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 4px 6px; vertical-align: top; }
  code, pre { font-family: ui-monospace, monospace; font-size: 12px; }
  pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow: auto; max-height: 360px; }
  details summary { cursor: pointer; color: var(--muted); }
  .desc { color: var(--muted); margin: 4px 0; }
  .scope { float: right; color: var(--muted); font-weight: normal; font-size: 12px; }
`;

export const DOCS_PAGE_JS = `(function () {
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function resolve(doc, s) {
    if (s && s.$ref) { var name = s.$ref.split('/').pop(); return doc.components.schemas[name]; }
    return s;
  }
  function typeOf(s) {
    if (!s) return '';
    if (s.enum) return s.enum.join(' | ');
    if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
    if (s.type === 'array') return typeOf(s.items) + '[]';
    return (s.type || '') + (s.pattern ? ' /' + s.pattern + '/' : '') + (s.default !== undefined ? ' (default ' + JSON.stringify(s.default) + ')' : '');
  }
  fetch('/api/v1/openapi.json').then(function (r) { return r.json(); }).then(function (doc) {
    document.getElementById('intro').textContent = doc.info.description;
    var nav = document.getElementById('nav');
    var list = document.getElementById('endpoints');
    var i = 0;
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var id = 'ep' + i++;
        var verb = method.toUpperCase();
        nav.appendChild(el('a', { href: '#' + id }, [verb + ' ' + path]));
        var scope = op['x-genscope-scope'] ? op['x-genscope-scope'] + ' key' : 'public';
        var sec = el('section', { id: id }, [el('h2', {}, [el('span', { class: 'method' }, [verb]), path, el('span', { class: 'scope' }, [scope])]), el('div', {}, [op.summary || ''])]);
        if (op.description) sec.appendChild(el('div', { class: 'desc' }, [op.description]));
        if (op.parameters && op.parameters.length) {
          var t = el('table', {}, [el('tr', {}, [el('th', {}, ['parameter']), el('th', {}, ['in']), el('th', {}, ['type']), el('th', {}, ['description'])])]);
          op.parameters.forEach(function (p) {
            t.appendChild(el('tr', {}, [el('td', {}, [el('code', {}, [p.name])]), el('td', {}, [p.in]), el('td', {}, [el('code', {}, [typeOf(p.schema)])]), el('td', {}, [p.description || ''])]));
          });
          sec.appendChild(t);
        }
        var ok = op.responses && op.responses['200'];
        var content = ok && ok.content && (ok.content['application/json'] || ok.content['text/csv']);
        if (content && content.schema) {
          var det = el('details', {}, [el('summary', {}, ['response schema']), el('pre', {}, [JSON.stringify(resolve(doc, content.schema), null, 2)])]);
          sec.appendChild(det);
        }
        list.appendChild(sec);
      });
    });
  }).catch(function (e) { document.getElementById('intro').textContent = 'Could not load the OpenAPI document: ' + e; });
})();
`;
