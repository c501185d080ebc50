"""The docs check: build the site, open the home page and every chapter in headless Chromium, and fail if a page is
missing, shows an error, lacks a required plot, lost what its notebook holds, or shows one of the site's known defects.

    python .ci/docs_check.py [--no-build]

Builds with `.ci/docs.sh` (the pipeline the Pages workflow deploys; it refuses a Sphinx/MyST stack other than the one
pinned in `.ci/constraints.txt`), serves `_docs/` from a localhost HTTP server and drives Debian's `chromium` over the
DevTools protocol on a pipe (`--remote-debugging-pipe`: no extra package), at 1280 x 900 pixels.
For each page (one per notebook in `nbs/`, in sidebar order) it fails on:
- a missing page (not built, or not HTTP 200), or a page without its title;
- an error shown: Python traceback text, an error output, docutils/Sphinx error or warning markers, a broken image
  (not decoded by the browser), a failed request for the page's own files, a JavaScript exception;
- fewer API entries (signature blocks), parameter tables or cell outputs than the build put in the page;
- a required plot missing: an <img> that the browser decoded to at least 200 x 100 pixels, inside a cell output,
  near the text given in REQUIRED_PLOTS (in its cell's code, its caption, its alt text or its section heading);
- an API entry without its own docstring (the build refuses those; here: no description under a signature, or the
  inherited "Call self as a function." on the page), or a docstring or parameter comment whose text is not on the
  page as written (a `<word>` taken for an HTML tag, markdown or math eating characters);
- an absolute path of the build machine in the page's text (or alt/title text): /tmp/, /work/, /root/, /home/,
  site-packages, the checkout's own path, the Python environment's;
- a link or anchor of this site that does not resolve: every in-site `href` (page links, `#anchor`s, the download
  buttons, images, files) must answer HTTP 200 (a folder has no listing, as on GitHub Pages), an `#id` must exist
  in the target page, and the download button must offer the page's notebook (`.ipynb`, a notebook);
- an auto-link to an API entry whose name is ambiguous (the build's list: a medcot name that is also a `medcot`
  subcommand or a Hugging Face generation method), unless written as a call, `name()`;
- a parameter table type that the signature does not write (`NoneType`, `Optional[...]`, `Union[...]`);
- math not rendered (raw `$...$`, `$$`, `\\(`, `\\[` in the text, or a formula that MathJax did not typeset), or any
  request to a host other than this localhost server (the site must work offline: MathJax is served from `_static/`);
- anything wider than the page: the page scrolls sideways, an element (code, output, table, formula) sticks out of the
  content column, or a box scrolls sideways inside itself (scrollWidth > clientWidth), measured in the browser.
The home page's sidebar must list every chapter, in order. Screenshots go to .ci/out/docs/ (ignored)."""
import base64, fcntl, functools, http.server, json, os, re, select, shutil, subprocess, sys, tempfile, threading, time
import urllib.parse, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT/'.ci'/'out'/'docs'

# The plots each chapter must show: notebook -> texts; each must be near an <img> with a real decoded size.
REQUIRED_PLOTS = {
    '01_data.ipynb': ['plot_lengths('],  # the token-length histogram of the real rows
    '04_train.ipynb': ['train(run_cfg'],  # the loss curve of the real SmolLM2 fine-tune (train() draws it)
    '06_evaluation.ipynb': ['plot_comparison('],  # the before/after bar plot
    '07_benchmark.ipynb': ['plot_benchmark('],  # accuracy per set with its intervals
    '11_compare.ipynb': ['plot_variants('],  # quality against memory, one point per variant
    '12_app.ipynb': ['app.png'],  # the screenshot of the answer page from .ci/app_check.py
}
MIN_PLOT = (200, 100)  # decoded width, height in pixels
ERROR_TEXT = re.compile(r'Traceback \(most recent call last\)|\((?:ERROR|SEVERE|WARNING)/\d\)|'
                        r'Exception occurred:|nbdev could not process')
CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync',
                '--disable-dev-shm-usage', '--no-default-browser-check', '--hide-scrollbars', '--mute-audio',
                '--no-proxy-server', '--remote-debugging-pipe', 'about:blank']
WIDTH, HEIGHT, MAX_SHOT = 1280, 900, 16000

PAGE_REPORT = r"""(() => {
  const main = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const heading = el => { const s = el.closest('section'); const h = s && s.querySelector('h1,h2,h3,h4,h5');
                          return h ? h.innerText : ''; };
  const near = img => { const cell = img.closest('.cell'), fig = img.closest('figure');
    return [cell && cell.querySelector('.cell_input') ? cell.querySelector('.cell_input').innerText : '',
            fig && fig.querySelector('figcaption') ? fig.querySelector('figcaption').innerText : '',
            img.alt || '', heading(img)].join('\n'); };
  const api = [...main.querySelectorAll('section')].filter(s => {
    const pre = s.querySelector(':scope > div[class*="highlight-python"] pre');
    return s.querySelector(':scope > h2, :scope > h3, :scope > h4') && pre && /^(async def|def|class) /.test(pre.innerText); });
  const tables = [...main.querySelectorAll('table')].filter(t => /Parameter[\s\S]*Details/.test(t.tHead ? t.tHead.innerText : ''));
  // where an element is: its section heading and the start of its text
  const where = e => `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/)[0] : ''}`
                   + ` under ${JSON.stringify(heading(e).slice(0, 40))}: ${JSON.stringify((e.innerText || e.textContent || '').trim().slice(0, 70))}`;
  // widths: the page must not scroll sideways, nothing may stick out of the column or scroll sideways inside itself
  const col = main.getBoundingClientRect();
  const shown = e => { const r = e.getBoundingClientRect(), st = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none' && !e.closest('.visually-hidden, .sr-only, .headerlink'); };
  // MathJax's clipped copy of each formula for screen readers widens scrollWidth without showing: out while measuring
  const unclip = document.createElement('style');
  unclip.textContent = 'mjx-assistive-mml { display: none !important; }';
  document.head.appendChild(unclip);
  const wide = [], flagged = [];  // an element inside one already reported is not reported again
  for (const e of main.querySelectorAll('*')) {
    if (flagged.length > 40 || !shown(e) || flagged.some(f => f.contains(e))) continue;
    const r = e.getBoundingClientRect(), ox = getComputedStyle(e).overflowX;
    if (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + (ox === 'visible' ? 3 : 1))  // (a glyph's overhang is no overflow)
      wide.push(`${ox === 'visible' ? 'content spills out of it' : /auto|scroll/.test(ox) ? 'scrolls sideways inside itself' : 'content cut off'}`
                + ` (${e.scrollWidth} px of content in ${e.clientWidth} px): ${where(e)}`);
    else if (r.right > col.right + 1 || r.left < col.left - 1)
      wide.push(`sticks out of the ${Math.round(col.width)} px column (${Math.round(r.left - col.left)}..${Math.round(r.right - col.left)} px): ${where(e)}`);
    else continue;
    flagged.push(e);
  }
  const page_w = document.scrollingElement.scrollWidth;
  unclip.remove();
  // visible text outside code, for raw math
  const prose = main.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, mjx-container, .highlight, .nbdev-params td:nth-child(3)').forEach(e => e.remove());
  const api_doc = api.map(s => ({name: s.querySelector('h2,h3,h4').innerText.replace(/[#¶]\s*$/, '').trim(),
                                 doc: [...s.querySelectorAll(':scope > p.nbdev-doc')].map(p => p.innerText).join(' ')}));
  const alt = [...document.querySelectorAll('[alt], [title], [aria-label]')]
                .map(e => [e.getAttribute('alt'), e.getAttribute('title'), e.getAttribute('aria-label')].filter(Boolean).join(' '));
  return {
    title: document.title, h1: (main.querySelector('h1') || {innerText: ''}).innerText,
    text: main.innerText, all_text: document.body.innerText + '\n' + alt.join('\n'), prose: prose.innerText,
    images: [...main.querySelectorAll('img')].map(i => ({src: i.getAttribute('src'), w: i.naturalWidth, h: i.naturalHeight,
             shown: i.getBoundingClientRect().width, complete: i.complete, output: !!i.closest('.cell_output'), near: near(i)})),
    api: api.map(s => s.querySelector('h2,h3,h4').innerText), tables: tables.length, api_doc,
    outputs: [...main.querySelectorAll('.cell_output')].filter(o => o.innerText.trim() || o.querySelector('img')).length,
    errors: [...main.querySelectorAll('.system-message, .problematic, .output.traceback, .output.error')]
             .map(e => e.innerText.slice(0, 200)),
    sidebar: [...document.querySelectorAll('.bd-sidebar-primary nav a.reference')].map(a => a.getAttribute('href')),
    height: Math.ceil(document.documentElement.scrollHeight),
    links: [...document.querySelectorAll('a[href]')].filter(a => a.origin === location.origin && a.protocol.startsWith('http'))
             .map(a => ({href: a.href, text: (a.innerText || a.title || a.getAttribute('aria-label') || '').trim().slice(0, 60),
                         code: a.querySelector('code') ? a.innerText.trim() : null})),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id).concat([...document.querySelectorAll('a[name]')].map(a => a.name)),
    math: [...main.querySelectorAll('.math')].filter(m => !m.querySelector('mjx-container')).map(m => m.innerText.slice(0, 80)),
    page_w, view_w: window.innerWidth, wide,
    param_types: [...main.querySelectorAll('table.nbdev-params td:nth-child(2)')].map(td => td.innerText.trim()),
    downloads: [...document.querySelectorAll('a[class*="btn-download"]')].map(a => a.href),
  };
})()"""


# after the load event: web fonts loaded and MathJax's first typesetting done (it is loaded deferred, from _static/)
SETTLE = """(async () => { await document.fonts.ready;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise; })()"""


def find_chromium():
    for c in [os.environ.get('CHROMIUM'), '/usr/bin/chromium', shutil.which('chromium'), shutil.which('chromium-browser'),
              shutil.which('google-chrome')]:
        if c and Path(c).exists(): return c
    sys.exit('docs check: no Chromium found (apt-get install chromium, or set CHROMIUM)')


def _high_fd(fd:int) -> int:
    "A copy of `fd` numbered 10 or more (the old one closed), so the redirections to fds 3 and 4 cannot clobber it"
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return new


class Chrome:
    "Headless Chromium driven over the DevTools protocol on a pipe (fd 3 in, fd 4 out, NUL-separated JSON)"
    def __init__(self, exe:str):
        self.profile = tempfile.mkdtemp(prefix='docs-check-chromium-')
        to_chrome, self._w = os.pipe()
        self._r, from_chrome = os.pipe()
        to_chrome, from_chrome = (_high_fd(to_chrome), _high_fd(from_chrome))  # not 3 or 4 themselves
        self.proc = subprocess.Popen(['bash', '-c', f'exec "$0" "$@" 3<&{to_chrome} 4>&{from_chrome} {to_chrome}<&- {from_chrome}>&-',
                                      exe, f'--user-data-dir={self.profile}', f'--window-size={WIDTH},{HEIGHT}', *CHROME_FLAGS],
                                     pass_fds=(to_chrome, from_chrome), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome); os.close(from_chrome)
        self._buf, self._id, self.events = b'', 0, []
        target = self.call('Target.createTarget', url='about:blank')['targetId']
        self.session = self.call('Target.attachToTarget', targetId=target, flatten=True)['sessionId']
        for domain in ('Page', 'Runtime', 'Network', 'Log'): self.call(f'{domain}.enable', session=True)
        self.call('Emulation.setDeviceMetricsOverride', session=True, width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def _read(self, timeout:float):
        while b'\0' not in self._buf:
            if not select.select([self._r], [], [], timeout)[0]: raise TimeoutError('Chromium did not answer')
            chunk = os.read(self._r, 1 << 20)
            if not chunk: raise RuntimeError(f'Chromium exited (code {self.proc.poll()})')
            self._buf += chunk
        msg, self._buf = self._buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method:str, session:bool=False, timeout:float=30, **params):
        self._id += 1
        msg = dict(id=self._id, method=method, params=params, **({'sessionId': self.session} if session else {}))
        os.write(self._w, json.dumps(msg).encode() + b'\0')
        deadline = time.time() + timeout
        while True:
            m = self._read(max(0.1, deadline - time.time()))
            if m.get('id') == self._id:
                if 'error' in m: raise RuntimeError(f"{method}: {m['error'].get('message')}")
                return m.get('result', {})
            if 'method' in m: self.events.append(m)

    def wait_for(self, method:str, timeout:float=30):
        deadline = time.time() + timeout
        while not any(e['method'] == method for e in self.events):
            self.events.append(self._read(max(0.1, deadline - time.time())))

    def open(self, url:str) -> tuple:
        "Load `url`; return the page report and the problems the browser itself saw"
        self.events = []
        nav = self.call('Page.navigate', session=True, url=url)
        if nav.get('errorText'): return None, [f"navigation failed: {nav['errorText']}"]
        self.wait_for('Page.loadEventFired')
        self.call('Runtime.evaluate', session=True, expression=SETTLE, awaitPromise=True, timeout=30)
        time.sleep(0.1)  # late layout
        report = self.call('Runtime.evaluate', session=True, expression=PAGE_REPORT, returnByValue=True)['result']['value']
        seen = []
        for e in self.events:
            p = e.get('params', {})
            if e['method'] == 'Runtime.exceptionThrown':
                seen.append('JavaScript exception: ' + p['exceptionDetails'].get('exception', {}).get('description', p['exceptionDetails'].get('text', ''))[:200])
            elif e['method'] == 'Network.responseReceived' and p['response']['url'].startswith(url.rsplit('/', 1)[0]) and p['response']['status'] >= 400 \
                    and not p['response']['url'].endswith('/favicon.ico'):
                seen.append(f"HTTP {p['response']['status']} for {p['response']['url']}")
            elif e['method'] == 'Network.requestWillBeSent':
                u = urllib.parse.urlsplit(p['request']['url'])
                if u.scheme in ('http', 'https', 'ws', 'wss') and u.hostname not in ('127.0.0.1', 'localhost'):
                    seen.append(f"request to another host (the site must work offline): {p['request']['url'][:120]}")
            elif e['method'] == 'Network.loadingFailed' and not p.get('canceled'):
                req = next((x['params']['request']['url'] for x in self.events if x['method'] == 'Network.requestWillBeSent'
                            and x['params']['requestId'] == p['requestId']), '?')
                if req.startswith(url.rsplit('/', 1)[0]): seen.append(f"request failed: {req} ({p.get('errorText')})")
        return report, seen

    def screenshot(self, path:Path, height:int):
        h = min(max(height, HEIGHT), MAX_SHOT)
        self.call('Emulation.setDeviceMetricsOverride', session=True, width=WIDTH, height=h, deviceScaleFactor=1, mobile=False)
        png = self.call('Page.captureScreenshot', session=True, format='png', timeout=60)['data']
        self.call('Emulation.setDeviceMetricsOverride', session=True, width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)
        path.write_bytes(base64.b64decode(png))

    def close(self):
        try: self.call('Browser.close', timeout=5)
        except Exception: pass
        try: self.proc.wait(5)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        os.close(self._r); os.close(self._w)
        shutil.rmtree(self.profile, ignore_errors=True)


def serve(root:Path):
    "A quiet localhost HTTP server for `root` on a free port, in a thread"
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
        def list_directory(self, path):  # as GitHub Pages: a folder without index.html is not found (no listing)
            self.send_error(404, 'no index.html'); return None
    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):  # a browser that cancels a request is no error
            if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)): super().handle_error(request, client_address)
    httpd = Server(('127.0.0.1', 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f'http://127.0.0.1:{httpd.server_address[1]}/'


def machine_paths() -> re.Pattern:
    "Absolute paths of this machine that must not appear on a page: temporary and home folders, the checkout, the venv"
    import site, tempfile
    own = {str(ROOT), str(ROOT.resolve()), sys.prefix, str(Path(sys.prefix).resolve()), tempfile.gettempdir(), str(Path.home()),
           *site.getsitepackages()}
    own = sorted({o.rstrip('/') for o in own if o and len(o.rstrip('/')) > 4}, key=len, reverse=True)
    return re.compile(r'(?<![\w.~-])/(?:tmp|work|root|home)/|site-packages|dist-packages|'
                      + '|'.join(re.escape(o) + r'(?![\w.-])' for o in own))


RAW_MATH = re.compile(r'\\\(.{0,300}?\\\)|\\\[.{0,300}?\\\]|\$\$.{0,300}?\$\$|\\\(|\\\[|\$\$|'
                      r'(?<![\w$\\])\$[^\s$][^$\n]{0,200}?(?<![\s\\])\$(?![\w$])', re.S)
INHERITED_DOC = re.compile(r'Call self as a function\.|Initialize self\.  See help\(type\(self\)\)|'
                           r'Create and return a new object\.|Return repr\(self\)')
ID_ATTR = re.compile(rb'\b(?:id|name)=["\']([^"\']+)["\']')


def _few(lines:list, n:int=3) -> list:
    "The first `n` of many similar problems, and how many more there are"
    return lines[:n] + ([f'... and {len(lines) - n} more like these'] if len(lines) > n else [])


def _norm(text:str) -> str:
    "Text reduced to its letters, digits and angle brackets (what any rendering must keep), markdown links to their text"
    text = re.sub(r'\[([^\]]*)\]\([^)\s]*\)', r'\1', text)
    return re.sub(r'[^0-9a-z<>]+', '', text.lower())


class Site:
    "HTTP answers (status, body) of this site's URLs from the local server, fetched once each"
    def __init__(self): self.cache, self.opener = {}, urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def get(self, url:str) -> tuple:
        if url not in self.cache:
            try:
                with self.opener.open(url, timeout=10) as r: self.cache[url] = (r.status, r.read())
            except Exception as e: self.cache[url] = (getattr(e, 'code', None) or str(e), b'')
        return self.cache[url]

    def ids(self, url:str) -> set:
        status, body = self.get(url)
        return {i.decode() for i in ID_ATTR.findall(body)} if status == 200 else set()


def link_problems(report:dict, site:Site) -> list:
    "In-site links that do not resolve: a page or file that is not HTTP 200, an `#id` missing from its page"
    bad, done = [], set()
    for l in report['links']:
        url, _, frag = l['href'].partition('#')
        if (url, frag) in done: continue
        done.add((url, frag))
        label = repr(l['text'] or l['href'])
        status, body = site.get(url)
        if status != 200: bad.append(f"broken link {label} -> {l['href']} (HTTP {status})"); continue
        if url.endswith('.ipynb'):
            try: ok = 'cells' in json.loads(body)
            except ValueError: ok = False
            if not ok: bad.append(f"link {label} -> {l['href']} is not a notebook")
        if frag and urllib.parse.unquote(frag) not in site.ids(url):
            bad.append(f"broken anchor {label} -> {l['href']} (no element with id {urllib.parse.unquote(frag)!r} in that page)")
    return bad


def problems(page:dict, report:dict, seen:list, want_plots:list, ctx:dict) -> tuple:
    "What is wrong with one rendered page, and a short summary of what it shows"
    bad = list(seen)
    if not report['h1'].strip(): bad.append('no title (h1)')
    elif page['title'].split(':')[0].strip() not in report['h1']: bad.append(f"title {report['h1']!r} is not {page['title']!r}")
    m = ERROR_TEXT.search(report['text'])
    if m: bad.append(f'error text on the page: {report["text"][max(0, m.start()-80):m.end()+120]!r}')
    bad += [f'error marker: {e!r}' for e in report['errors']]
    bad += [f"broken image {i['src']}" for i in report['images'] if i['complete'] and i['w'] == 0]
    if len(report['api']) < page['api']: bad.append(f"{len(report['api'])} API entries shown, the notebook has {page['api']}")
    if report['tables'] < page['tables']: bad.append(f"{report['tables']} parameter tables shown, the notebook has {page['tables']}")
    if report['outputs'] < page['outputs']: bad.append(f"{report['outputs']} cell outputs shown, the notebook has {page['outputs']}")
    plots = [i for i in report['images'] if i['output'] and i['w'] >= MIN_PLOT[0] and i['h'] >= MIN_PLOT[1] and i['shown'] > 0]
    for want in want_plots:
        if not any(want.lower() in i['near'].lower() for i in plots):
            bad.append(f'required plot missing: no decoded image of at least {MIN_PLOT[0]}x{MIN_PLOT[1]} near {want!r}')
    # docstrings: every entry has its own, shown as written
    for m in INHERITED_DOC.finditer(report['text']):
        bad.append(f"an inherited docstring instead of the object's own: {report['text'][max(0, m.start()-80):m.end()]!r}")
    bad += [f"API entry {a['name']!r} has no docstring under its signature" for a in report['api_doc'] if not a['doc'].strip()]
    shown = _norm(report['text'])
    for d in page.get('docs', []):
        if _norm(d['text']) not in shown:
            lost = [t for t in re.findall(r'<[^<>\n]*>', d['text']) if _norm(t) not in shown]
            bad.append(f"{d['what']} is not on the page as written{' (lost: ' + ', '.join(lost) + ')' if lost else ''}: {d['text'][:120]!r}")
    # parameter tables: types as the signature writes them (`int | None`), none made up for an untyped parameter
    bad += [f'parameter table type {t!r} (the signature says it otherwise)' for t in report['param_types']
            if re.search(r'NoneType|Optional\[|Union\[', t)]
    # absolute paths of this machine
    text, last = report['all_text'], -1
    for m in ctx['paths'].finditer(text):
        start = max(text.rfind(c, 0, m.start()) for c in ' \n\t\'"(')  # the whole path, once (not each part that matches)
        if start == last: continue
        last = start
        bad.append(f"absolute path of the build machine: {text[max(0, m.start()-60):m.end()+60]!r}")
    # links and anchors; auto-links whose name is ambiguous
    bad += link_problems(report, ctx['site'])
    if not any(urllib.parse.urlsplit(h).path.endswith('/' + Path(page['page']).stem + '.ipynb') for h in report['downloads']):
        bad.append(f"no download button for the page's notebook (.ipynb): {report['downloads']}")
    for l in report['links']:
        name = urllib.parse.unquote(l['href'].partition('#')[2])
        if l['code'] and name in ctx['ambiguous'] and l['code'] == name:
            bad.append(f"ambiguous auto-link `{l['code']}` -> {l['href']} (also a `medcot` subcommand or a Hugging Face "
                       f"method: write `{l['code']}()` for medcot's, `model.{l['code']}` or `medcot {l['code']}` for the others)")
    # math
    raw = [f"raw math in the text (not rendered): {report['prose'][max(0, m.start()-40):m.end()+40]!r}"
           for m in RAW_MATH.finditer(report['prose'])]
    bad += _few(raw) + _few([f'formula not typeset by MathJax: {t!r}' for t in report['math']])
    # widths at 1280 px
    if report['page_w'] > report['view_w']:
        bad.append(f"the page scrolls sideways: {report['page_w']} px wide in a {report['view_w']} px window")
    bad += _few(report['wide'], 8)
    summary = (f"{len(report['api'])} API, {report['tables']} tables, {report['outputs']} outputs, {len(plots)} plots, "
               f"{len(report['links'])} links" + (f" (required: {', '.join(want_plots)})" if want_plots else ''))
    return bad, summary


def main():
    os.chdir(ROOT)
    if '--no-build' not in sys.argv:
        t0 = time.time()
        if subprocess.run(['bash', '.ci/docs.sh']).returncode: sys.exit('docs check: the build failed')
        print(f'docs check: built in {time.time()-t0:.1f} s')
    built = json.loads((ROOT/'_proc'/'pages.json').read_text())
    manifest = built['pages']
    site = ROOT/'_docs'
    nbs = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
    listed = [p['notebook'] for p in manifest]
    failed = [f'{nb}: no page built' for nb in nbs if nb not in listed]
    failed += [f'{nb}: a required plot is declared for a notebook that does not exist' for nb in REQUIRED_PLOTS if nb not in nbs]
    for f in failed: print(f'FAIL  {f}')
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob('*.png'): old.unlink()
    httpd, base = serve(site)
    ctx = dict(paths=machine_paths(), site=Site(), ambiguous=set(built.get('ambiguous', [])))
    try: chrome = Chrome(find_chromium())
    except Exception as e:
        httpd.shutdown()
        sys.exit(f'docs check: cannot drive Chromium ({e!r}); is Debian\'s chromium installed (apt-get install chromium)?')
    try:
        for page in manifest:
            url, name = base + page['page'], page['page']
            status = ctx['site'].get(url)[0]
            if status != 200:
                failed.append(name); print(f'FAIL  {name:<14} {page["notebook"]}: missing (HTTP {status})'); continue
            report, seen = chrome.open(url)
            if report is None: bad, summary = seen, ''
            else:
                bad, summary = problems(page, report, seen, REQUIRED_PLOTS.get(page['notebook'], []), ctx)
                shot = SHOTS/(Path(name).stem + '.png')
                chrome.screenshot(shot, report['height'])
            if page['page'] == 'index.html' and report:
                want = [p['page'] for p in manifest]
                got = list(dict.fromkeys(h.split('#')[0] or 'index.html' for h in report['sidebar']))
                if got[:len(want)] != want: bad.append(f'sidebar lists {got}, expected {want}')
            if bad: failed.append(name)
            print(f"{'FAIL' if bad else 'ok':<5} {name:<14} {page['notebook']:<18} {summary}" + ''.join(f'\n        - {b}' for b in bad))
    finally:
        chrome.close(); httpd.shutdown()
    print(f'docs check: {len(manifest)} pages, {len(failed)} failed; screenshots in {SHOTS.relative_to(ROOT)}/')
    sys.exit(1 if failed else 0)


if __name__ == '__main__': main()
