"""Build the docs site offline, without Quarto: nbdev's own notebook processing, then Sphinx + myst-nb.

    python .ci/docs/build.py            # or: bash .ci/docs.sh

0. The docs stack must be the one pinned in `.ci/constraints.txt` (Sphinx, MyST, the theme, nbdev, MathJax): the
   build refuses any other version and prints the `pip install` that fixes it.
1. nbdev, called directly (`nbdev_docs`/`nbdev_proc_nbs` would first try to install Quarto with sudo):
   `refresh_quarto_yml`, `_build_modidx`, the sidebar (its order is the site's chapter order), then
   `nbdev.serve.proc_nbs`, which writes `_proc/*.ipynb`: hidden and exported cells removed, directives stripped,
   front matter from the title cell, doc links (`` `name` `` to the API entry of that name), and a rendered
   `show_doc` section for every exported function or class.
2. A small pass maps what Quarto would have read to MyST: front matter to the page title and lead, `echo`/`output`/
   `include`/`code-fold`/`fig-cap` cell options to myst-nb tags and metadata, `::: {.callout-*}` to admonitions,
   `show_doc` outputs to markdown (a signature, the object's own docstring and a parameter table from the docments,
   all as escaped text), and links to this site (absolute in nbdev's output, or to `NN_name.ipynb`) to relative
   `name.html`. An auto-link is dropped (the name stays as code) where its API entry does not exist (a private
   helper) or where a bare name is ambiguous (`generate`: also `model.generate` and `medcot generate`; write
   `` `generate()` `` for medcot's). Every public function and class must have a docstring of its own.
   The MyST notebooks go to `_proc/_sphinx/`, named as nbdev names the pages (`01_data.ipynb` -> `data.html`).
3. Sphinx with myst-nb (`nb_execution_mode = "off"`: the stored outputs of a real run are shown), the
   sphinx-book-theme and MathJax served from `_static/mathjax/` (no CDN), every warning an error, into `doc_path`
   from settings.ini (`_docs/`). The download button serves each page's notebook from `_sources/` (the one in nbs/).

Writes `_proc/pages.json` (the pages: notebook, page, title, what they must show; in sidebar order; and the
ambiguous names) for `.ci/docs_check.py`."""
import ast, contextlib, importlib, inspect, io, json, re, shutil, sys, textwrap, time, warnings, zlib
from pathlib import Path

import yaml
from execnb.nbio import read_nb, write_nb

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# The packages that make the site, each at its version in .ci/constraints.txt
PINNED = ('sphinx', 'docutils', 'myst-parser', 'myst-nb', 'markdown-it-py', 'sphinx-book-theme', 'pydata-sphinx-theme',
          'nbdev', 'fastcore', 'execnb', 'django-static-mathjax')


def check_versions():
    "Refuse a docs stack other than the pinned one (a newer Sphinx or MyST renders, warns and links differently)"
    from importlib.metadata import version, PackageNotFoundError
    pins = dict(re.findall(r'^([A-Za-z0-9_.-]+)==(\S+)', (ROOT/'.ci'/'constraints.txt').read_text(), re.M))
    norm = lambda n: re.sub(r'[-_.]+', '-', n).lower()
    pins = {norm(k): v for k, v in pins.items()}
    bad = []
    for name in PINNED:
        want = pins.get(name)
        if want is None: sys.exit(f'docs: {name} has no pin in .ci/constraints.txt')
        try: have = version(name)
        except PackageNotFoundError: have = None
        if have != want: bad.append((name, want, have))
    if bad:
        sys.exit('docs: the docs stack is not the pinned one (.ci/constraints.txt):\n'
                 + ''.join(f'  {n}: {h or "not installed"}, pinned {w}\n' for n, w, h in bad)
                 + '  fix: pip install -c .ci/constraints.txt ' + ' '.join(f'{n}=={w}' for n, w, _ in bad))

# ---------------------------------------------------------------------------------------------------------------
# 1. nbdev's processing


def out_of_order_cells(cfg) -> list:
    """Cells that nbdev's docs processing would run out of order: to render `show_doc` it runs the exported cells
    and every other cell that contains an import, even one flagged gpu/hub/slow, and skips the rest"""
    import ast
    from nbdev.process import NBProcessor
    from nbdev.processors import _do_eval, _ast_contains, _want_doc, _show_docs
    flags, bad = set(cfg.tst_flags.split()), []
    for nb in sorted(cfg.nbs_path.glob('[!_.]*.ipynb')):
        cells = NBProcessor(nb).nb.cells
        documents = any(_want_doc(c) or (c.cell_type == 'code' and _show_docs(c.parsed_() or [])) for c in cells)
        if not documents: continue  # nbdev runs nothing in a notebook that has no API to show
        for i, c in enumerate(cells):
            if c.cell_type != 'code' or set(c.directives_) & {'export', 'exports', 'exporti', 'exec_doc'}: continue
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                if not _do_eval(c): continue
            hit = flags & set(c.directives_)
            mixed = _ast_contains(c.parsed_() or [], (ast.Expr, ast.Assign, ast.If, ast.For, ast.With, ast.Try))
            if hit or mixed:
                why = f'flagged {" ".join(sorted(hit))}, with an import' if hit else 'an import mixed with other code'
                bad.append(f'{nb.relative_to(cfg.config_path)} cell {i} ({why}): {c.source.strip().splitlines()[0][:70]}')
    return bad


def nbdev_process(cfg) -> list:
    "Run nbdev's docs preprocessing; return the notebooks in sidebar order (index first)"
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.doclinks import _build_modidx
    from nbdev.serve import proc_nbs
    bad = out_of_order_cells(cfg)
    if bad: sys.exit('docs: to render the API docs nbdev runs the exported cells and every cell that contains an import '
                     '(flagged gpu/hub/slow or not), skipping all others, so these cells would run out of order:\n  '
                     + '\n  '.join(bad) + '\n  Fix: give the imports a cell of their own (unflagged), or move them into '
                     'the exported imports; a flagged cell that must import (e.g. unsloth on a GPU) can use '
                     'importlib.import_module("name"), which nbdev does not treat as an import.')
    refresh_quarto_yml()
    _build_modidx()
    out = io.StringIO()  # the sidebar as YAML; kept in _proc/ so that nbs/ gets no untracked sidebar.yml
    with contextlib.redirect_stdout(out): nbdev_sidebar.__wrapped__(printit=True, force=True)
    sidebar = yaml.safe_load(out.getvalue())
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='Found cells containing imports')
            cache = proc_nbs(cfg.nbs_path, n_workers=0, force=True)
    except Exception as e:  # nbdev runs the exported cells and every cell with an import to render `show_doc`
        sys.exit(f'docs: nbdev could not process a notebook: {e}\n  cause: {e.__cause__!r}\n'
                 '  (nbdev executes the exported cells and every cell that contains an import to render the API '
                 'docs, skipping the rest; a cell that mixes imports with other code runs out of order: give its '
                 'imports a cell of their own, or move them into the exported imports)')
    (cache/'sidebar.yml').write_text(out.getvalue())
    return [p for p in _flatten(sidebar['website']['sidebar']['contents']) if p.endswith('.ipynb')]


def _flatten(items):
    for o in items:
        if isinstance(o, dict): yield from _flatten(o.get('contents', []))
        else: yield o


# ---------------------------------------------------------------------------------------------------------------
# 2. Quarto -> MyST

DIRECTIVE = re.compile(r'^#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')
CALLOUT_OPEN = re.compile(r'^(:{3,})\s*\{\.callout-(note|tip|warning|caution|important)([^}]*)\}\s*$')


def directives(src:str) -> tuple:
    "The leading `#| key: value` lines of a code cell as a dict, and the rest of the source"
    lines, opts = src.splitlines(), {}
    while lines and lines[0].startswith('#|'):
        m = DIRECTIVE.match(lines.pop(0))
        if not m: continue
        v = yaml.safe_load(m.group(2)) if m.group(2) else True
        opts[m.group(1)] = str(v).lower() if isinstance(v, bool) else str(v)
    return opts, '\n'.join(lines).strip('\n')


def callouts(md:str) -> str:
    "Quarto `::: {.callout-note title=\"T\"}` blocks (with an optional `## T` first line) to MyST admonitions"
    out, lines, i = [], md.splitlines(), 0
    while i < len(lines):
        m = CALLOUT_OPEN.match(lines[i])
        if not m: out.append(lines[i]); i += 1; continue
        fence, kind, attrs = m.groups()
        title = re.search(r'title="([^"]*)"', attrs)
        title = title.group(1) if title else None
        i += 1
        while i < len(lines) and not lines[i].strip(): i += 1
        if title is None and i < len(lines) and lines[i].startswith('#'):
            title = lines[i].lstrip('#').strip(); i += 1
        out += [f'{fence}{{admonition}} {title}', f':class: {kind}'] if title else [f'{fence}{{{kind}}}']
    return '\n'.join(out)


CODE = re.compile(r'(```.*?```|~~~.*?~~~|`[^`\n]*`)', re.S)


def tex_math(md:str) -> str:
    "`\\(x\\)` and `\\[x\\]` (which Jupyter's MathJax reads) as MyST `$x$` and `$$x$$`; code is left alone"
    parts = CODE.split(md)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r'\\\((.+?)\\\)', lambda m: f'${m.group(1).strip()}$', parts[i], flags=re.S)
        parts[i] = re.sub(r'\\\[(.+?)\\\]', lambda m: f'$${m.group(1).strip()}$$', parts[i], flags=re.S)
    return ''.join(parts)


AUTOLINK = re.compile(r'\[`([^`]+)`\]\(([\w.-]+\.html)#([^)\s]+)\)')


class Links:
    "Rewrite links to this site (nbdev's absolute doc links, or `NN_name.ipynb`) to relative page links"
    def __init__(self, cfg, pages:dict, anchors:dict=None, ambiguous:set=frozenset()):
        self.site = (cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/')).rstrip('/') + '/'
        self.pages = pages  # notebook file name -> page (html) name
        self.anchors = anchors  # page (html) name -> the ids of its API entries; None: not known, keep every link
        self.ambiguous = ambiguous

    def autolink(self, m):
        "nbdev's link of `` `name` `` to its API entry, or the name as code where the entry is missing or the name ambiguous"
        text, page, anchor = m.groups()
        if anchor != pandoc_id(text.removesuffix('()')): return m.group(0)  # a link written by hand: the check judges it
        if self.anchors is not None and anchor not in self.anchors.get(page, ()): return f'`{text}`'
        if text in self.ambiguous and text == anchor: return f'`{text}`'  # `generate()` stays a link
        return m.group(0)

    def __call__(self, md:str) -> str:
        md = md.replace('](' + self.site, '](')
        md = AUTOLINK.sub(self.autolink, md)
        def nb_link(m):
            page = self.pages.get(Path(m.group(1)).name)
            return f']({page}{m.group(2) or ""})' if page else m.group(0)
        return re.sub(r'\]\(((?:\.\./|\./)?[\w./-]+\.ipynb)(#[^)\s]*)?\)', nb_link, md)


def ambiguous_names(lookup) -> set:
    "medcot's public names that also name a `medcot` subcommand or a Hugging Face generation method (`generate`)"
    import transformers
    from nbdev.config import get_config
    cli = importlib.import_module(f'{get_config().lib_name}.cli')
    other = set(getattr(cli, 'COMMANDS', {})) | {n for n in dir(transformers.GenerationMixin) if not n.startswith('_')}
    return {n for n in lookup.syms if '.' not in n and not n.startswith('_')} & other


def pandoc_id(name:str) -> str:
    "The anchor Quarto gives a heading, which nbdev's doc links use (`load_rows`, `parsed`, `foo.bar`)"
    return re.sub(r'[^\w.-]', '', name.lower().replace(' ', '-'))


MD_SPECIAL = re.compile(r'([\\`*_{}\[\]<>#|$&~!:^])')


def md_escape(text:str) -> str:
    "`text` as literal markdown: every character that MyST could read as markup (HTML, math, emphasis...) escaped"
    text = MD_SPECIAL.sub(r'\\\1', text)
    return re.sub(r'^(\s*)([-+=]|\d+(?=[.)]))', r'\1\\\2', text, flags=re.M)  # no list items or headings either


_LOOKUP = []


def lookup():
    "nbdev's symbol table (`NbdevLookup`), built once"
    if not _LOOKUP:
        from nbdev.doclinks import NbdevLookup
        _LOOKUP.append(NbdevLookup())
    return _LOOKUP[0]


def doc_md(text:str, cell:bool=False) -> str:
    "Docstring or docments text as markdown: code spans kept (and linked as nbdev links them), the rest escaped"
    parts = re.split(r'(`[^`\n]+`)', text)
    md = ''.join(md_escape(p) if i % 2 == 0 else lookup().link_line(p).replace('|', '\\|') if cell else lookup().link_line(p)
                 for i, p in enumerate(parts))
    return md


def own_doc(obj) -> str:
    "The docstring `obj` has itself: not one inherited from its type, nor the one a namedtuple or dataclass makes up"
    if inspect.isclass(obj):
        doc = vars(obj).get('__doc__')
        if isinstance(doc, str) and re.fullmatch(rf'{re.escape(obj.__name__)}\(.*\)', doc.strip(), re.S): return ''
    elif inspect.isroutine(obj) or isinstance(obj, property): doc = getattr(obj, '__doc__', None)
    else: doc = vars(obj).get('__doc__') if hasattr(obj, '__dict__') else None
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else ''


def _md_cell(code:str) -> str: return '`' + code.replace('|', '\\|').replace('`', "'") + '`' if code else ''
def _md_text(text:str) -> str: return doc_md(text.replace('\n', ' '), cell=True)  # a table cell: a `|` in code escaped too


class _Raw(str):
    "An annotation or a default kept as text (source code) shown without quotes"
    def __repr__(self): return str(self)


def _anno(a) -> str:
    "An annotation as its short names: `str | Path`, `Dataset`, `list[dict]`"
    if a is inspect.Parameter.empty or a is None: return ''  # docments gives None for "no annotation"
    text = a if isinstance(a, str) else inspect.formatannotation(a)
    return re.sub(r'\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)', r'\1', text)


MACHINE_PATH = re.compile(r'''(?:^|['"(])/[\w.~-]''')  # a repr that holds an absolute path: '/tmp/x', PosixPath('/root')


def _source_defaults(obj) -> dict:
    "Parameter name -> the source text of its default (`cache_dir() / 'x'`, not the path it gave on the build machine)"
    try:
        fn = obj.__init__ if inspect.isclass(obj) and not hasattr(obj, '__dataclass_fields__') else obj
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (TypeError, OSError, SyntaxError): return {}
    node = tree.body[0]
    if isinstance(node, ast.ClassDef):  # a dataclass or NamedTuple: `name: type = default` fields
        return {n.target.id: ast.unparse(n.value) for n in node.body if isinstance(n, ast.AnnAssign) and n.value is not None
                and isinstance(n.target, ast.Name)}
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)): return {}
    a = node.args
    pos = a.posonlyargs + a.args
    out = {p.arg: ast.unparse(d) for p, d in zip(pos[len(pos)-len(a.defaults):], a.defaults)}
    out.update({p.arg: ast.unparse(d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
    return out


def _default(p, src:dict):
    "A parameter's default for display: its value, or its source expression where the value is a path of this machine"
    if p.default is inspect.Parameter.empty: return p.default
    return _Raw(src[p.name]) if MACHINE_PATH.search(repr(p.default)) and p.name in src else p.default


def _param_strs(params, src:dict) -> list:
    "Parameters as text, with the `/` and `*` markers that `str(Signature)` would add"
    out, P = [], inspect.Parameter
    for i, p in enumerate(params):
        if p.kind == P.KEYWORD_ONLY and not any(q.kind in (P.VAR_POSITIONAL, P.KEYWORD_ONLY) for q in params[:i]): out.append('*')
        out.append(str(p.replace(annotation=_Raw(_anno(p.annotation)) if p.annotation is not p.empty else p.empty,
                                 default=_default(p, src))))
        if p.kind == P.POSITIONAL_ONLY and (i + 1 == len(params) or params[i+1].kind != P.POSITIONAL_ONLY): out.append('/')
    return out


def _signature(obj):
    try: return inspect.signature(obj, eval_str=True)
    except (TypeError, ValueError): return None
    except Exception:
        try: return inspect.signature(obj)
        except (TypeError, ValueError): return None


def signature_md(obj, name:str) -> str:
    "A Python block with the signature of `obj`, one parameter a line when it is long"
    sig = _signature(obj)
    if sig is None: return ''
    params = [p for p in sig.parameters.values() if p.name != 'self']
    kw = 'class' if inspect.isclass(obj) else 'async def' if inspect.iscoroutinefunction(obj) else 'def'
    ret = '' if inspect.isclass(obj) or sig.return_annotation is inspect.Signature.empty else f' -> {_anno(sig.return_annotation)}'
    ps = _param_strs(params, _source_defaults(obj))
    one = f'{kw} {name}({", ".join(ps)}){ret}'
    text = one if len(one) <= 100 else f'{kw} {name}(\n' + ''.join(f'    {p},\n' for p in ps) + f'){ret}'
    return f'```python\n{text}\n```'


def _param_lines(obj) -> dict:
    "Parameter name -> the source line it is on (relative), for parameters that share a line and its comment"
    try:
        fn = obj.__init__ if inspect.isclass(obj) and not hasattr(obj, '__dataclass_fields__') else obj
        node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    except (TypeError, OSError, SyntaxError, IndexError): return {}
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)): return {}
    a = node.args
    return {p.arg: p.lineno for p in a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]}


def param_docs(obj) -> dict:
    "Parameter name -> its docments comment; a comment after several parameters on one line belongs to each of them"
    from fastcore.docments import docments
    try: dm = docments(obj, full=True, eval_str=True)
    except Exception: return {}
    docs = {k: (v.get('docment') or '') for k, v in dm.items()}
    lines = _param_lines(obj)
    for k, line in lines.items():  # docments gives a line's comment to the last parameter on it only
        if not docs.get(k): docs[k] = next((docs[o] for o, l in lines.items() if l == line and docs.get(o)), '')
    return docs


def params_table(obj) -> tuple:
    "A markdown table of the parameters of `obj` (types and defaults as in its signature, docments comments); the comments"
    docs = param_docs(obj)
    sig = _signature(obj)
    if sig is None or not any(docs.values()): return '', {}
    empty, src = inspect.Parameter.empty, _source_defaults(obj)
    rows = ['{.nbdev-params}', '| Parameter | Type | Default | Details |', '|---|---|---|---|']
    for nm, p in sig.parameters.items():
        if nm == 'self': continue
        d = _default(p, src)
        dflt = '' if d is empty else repr(d)
        if len(dflt) > 40: dflt = dflt[:36] + ' ...'  # the signature above has it in full
        rows.append(f"| {_md_cell(nm)} | {_md_cell(_anno(p.annotation))} | {_md_cell(dflt)} | {_md_text(docs.get(nm, ''))} |")
    if sig.return_annotation is not empty or docs.get('return'):
        rows.append(f"| **returns** | {_md_cell(_anno(sig.return_annotation))} |  | {_md_text(docs.get('return', ''))} |")
    return '\n'.join(rows), {k: v for k, v in docs.items() if v}


SHOWDOC_SOURCE = re.compile(r'\[source\]\((\S+?)\)\{[^}]*\}')
SHOWDOC_HEADING = re.compile(r'^(#{1,6}) (.+)$', re.M)


def showdoc_md(md:str, src:str, module, docs:list) -> str:
    "nbdev's `show_doc` markdown made into MyST: anchor, heading, source link, signature, own docstring, parameter table"
    src_link = SHOWDOC_SOURCE.search(md)
    h = SHOWDOC_HEADING.search(md)
    if not h: return md
    name = h.group(2).strip()
    obj = resolve(src, module)
    if obj is None: sys.exit(f'docs: cannot find the object of {src.strip()!r} in {getattr(module, "__name__", None)}')
    doc = own_doc(obj)
    if not doc: return None  # build() lists every such name and stops
    out = [f'<div id="{pandoc_id(name)}"></div>', h.group(0)]  # the anchor nbdev links to
    if src_link: out.append(f'<div class="nbdev-source"><a href="{src_link.group(1)}" target="_blank">source</a></div>')
    sig = signature_md(obj, name.split('.')[-1] if inspect.isclass(obj) else name)
    if sig: out.append(sig)
    out += [f'{{.nbdev-doc}}\n{doc_md(para)}' for para in re.split(r'\n\s*\n', doc)]
    docs.append(dict(what=f'the docstring of {name}', text=doc))
    table, comments = params_table(obj)
    docs += [dict(what=f'the comment on {name}({k})', text=v) for k, v in comments.items()]
    if table: out.append(table)
    return '\n\n'.join(out) + '\n'


def resolve(src:str, module):
    "The object that a `show_doc(...)` cell documents, looked up in the notebook's module"
    if module is None: return None
    try:
        call = ast.parse(src.strip()).body[-1].value
        expr = ast.unparse(call.args[0])
        return eval(expr, dict(vars(module)))
    except Exception: return None


def resolve_name(src:str) -> str:
    "The expression a `show_doc(...)` cell documents: `train`, `RunConfig.effective`"
    try: return ast.unparse(ast.parse(src.strip()).body[-1].value.args[0])
    except Exception: return src.strip()


def default_exp(nb_path:Path):
    "The module a notebook exports to (`#| default_exp name`), imported, or None"
    from nbdev.config import get_config
    for c in read_nb(nb_path).cells:
        m = re.search(r'^#\|\s*default_exp\s+(\S+)', c.source, re.M) if c.cell_type == 'code' else None
        if m: return importlib.import_module(f'{get_config().lib_name}.{m.group(1)}')
    return None


def _md(source:str) -> dict: return dict(cell_type='markdown', id=f'md{zlib.crc32(source.encode()):08x}', metadata={}, source=source)


def api_names(nb) -> list:
    "The names of the API entries (`show_doc` outputs) of a processed notebook"
    out = []
    for c in nb.cells:
        if c.cell_type != 'code' or not re.match(r'^\s*show_doc\(', directives(c.source or '')[1]): continue
        md = ''.join(''.join(o['data']['text/markdown']) for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {}))
        h = SHOWDOC_HEADING.search(md)
        if h: out.append(h.group(2).strip())
    return out


def undocumented(module) -> list:
    "The public functions and classes of `module` (its `__all__`) without a docstring of their own"
    out = []
    for n in getattr(module, '__all__', []):
        o = getattr(module, n, None)
        if (inspect.isfunction(o) or inspect.isclass(o)) and getattr(o, '__module__', None) == module.__name__ and not own_doc(o):
            out.append(n)
    return out


def to_myst(nb, links:Links, module) -> dict:
    "Rewrite a processed notebook in place for myst-nb; return what its page must show (API entries, tables, outputs, texts)"
    cells, shows = [], dict(api=0, tables=0, outputs=0, docs=[], undocumented=[])
    for c in nb.cells:
        if c.cell_type == 'raw':
            fm = re.match(r'^---\n(.*?)\n---', c.source or '', re.S)
            if not fm: continue  # other raw cells are for Quarto's own output formats
            fm = yaml.safe_load(fm.group(1)) or {}
            md = f"# {fm.get('title', Path(nb.path_).stem)}"
            if fm.get('description'): md += '\n\n{.lead}\n' + links(fm['description'])
            cells.append(_md(md))
        elif c.cell_type == 'markdown':
            if not c.source or c.source.startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
            c.source = links(callouts(tex_math(c.source)))
            cells.append(c)
        elif c.cell_type == 'code':
            opts, src = directives(c.source or '')
            outs = c.get('outputs', [])
            mds = [''.join(o['data']['text/markdown']) for o in outs if 'text/markdown' in o.get('data', {})]
            if opts.get('output') == 'asis' and mds:  # show_doc, or any markdown a cell prints as is
                md = '\n\n'.join(mds)
                if re.match(r'^\s*show_doc\(', src):
                    md = showdoc_md(md, src, module, shows['docs'])
                    if md is None: shows['undocumented'].append(resolve_name(src)); continue
                    shows['api'] += 1
                    shows['tables'] += '| Parameter | Type |' in md
                cells.append(_md(links(md)))
                continue
            if opts.get('include') == 'false' or (not src and not outs): continue
            tags = c.metadata.setdefault('tags', [])
            if opts.get('echo') == 'false': tags.append('remove-input')
            if opts.get('output') == 'false': tags.append('remove-output')
            if opts.get('code-fold') in ('true', 'show'): tags.append('hide-input')
            if opts.get('fig-cap'): c.metadata['mystnb'] = {'figure': {'caption': opts['fig-cap'], 'name': opts.get('label', '')}}
            for o in outs:
                if 'text/markdown' in o.get('data', {}): o['data']['text/markdown'] = links(''.join(o['data']['text/markdown']))
            c.source = src
            cells.append(c)
            shown = [o for o in outs if not (o.get('output_type') == 'stream' and o.get('name') == 'stderr')]
            shows['outputs'] += bool(shown) and 'remove-output' not in tags
    nb.cells = cells
    return shows


# ---------------------------------------------------------------------------------------------------------------
# 3. Sphinx


def mathjax_static(dest:Path) -> Path:
    "MathJax 3 (the pinned django-static-mathjax wheel's copy) as `dest`/mathjax/: the CHTML bundle, its fonts, TeX extensions"
    import mathjax  # django-static-mathjax: MathJax's own release files, under mathjax/static/mathjax/
    es5 = Path(mathjax.__file__).parent/'static'/'mathjax'/'es5'
    shutil.rmtree(dest, ignore_errors=True)
    (dest/'mathjax').mkdir(parents=True)
    shutil.copy2(es5/'tex-chtml.js', dest/'mathjax')
    for sub in ('output/chtml/fonts/woff-v2', 'input/tex/extensions'):  # fonts; extensions MathJax loads on demand
        shutil.copytree(es5/sub, dest/'mathjax'/sub)
    return dest


def build(strict:bool=True) -> Path:
    import os
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    check_versions()
    from nbdev.config import get_config
    cfg = get_config()
    t0 = time.time()
    order = nbdev_process(cfg)
    proc, src = cfg.config_path/'_proc', cfg.config_path/'_proc'/'_sphinx'
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    pages, nbs, anchors = {}, {}, {}
    for name in order:  # the page name nbdev gives each notebook (front matter `output-file`), and its API entries
        nb = read_nb(proc/name)
        fm = re.match(r'^---\n(.*?)\n---', nb.cells[0].source or '', re.S)
        meta = yaml.safe_load(fm.group(1)) if fm else {}
        pages[name] = meta.get('output-file', Path(name).stem + '.html')
        nbs[name] = meta
        anchors[pages[name]] = {pandoc_id(n) for n in api_names(nb)}
    for f in cfg.nbs_path.rglob('*'):  # images and other files that the notebooks' markdown refers to
        rel = f.relative_to(cfg.nbs_path)
        if f.is_file() and not any(p.startswith(('_', '.')) for p in rel.parts) and f.suffix not in ('.ipynb', '.yml', '.py', '.css'):
            (src/rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, src/rel)
    ambiguous = ambiguous_names(lookup())
    links = Links(cfg, pages, anchors, ambiguous)
    manifest, missing = [], []
    for name in order:
        nb = read_nb(proc/name)
        module = default_exp(cfg.nbs_path/name)
        shows = to_myst(nb, links, module)
        mod = f'{module.__name__}.' if module else ''
        missing += [f'{mod}{n} ({name})' for n in shows.pop('undocumented') + (undocumented(module) if module else [])]
        stem = Path(pages[name]).stem
        if stem == 'index':  # the home page holds the (hidden) table of contents: the sidebar, in nbdev's order
            chapters = '\n'.join(Path(pages[n]).stem for n in order if Path(pages[n]).stem != 'index')
            nb.cells.append(_md(f'```{{toctree}}\n:hidden:\n:maxdepth: 2\n\n{chapters}\n```'))
        nb.metadata.setdefault('kernelspec', {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'})
        write_nb(nb, src/f'{stem}.ipynb')
        manifest.append(dict(notebook=name, page=pages[name], title=nbs[name].get('title', stem), **shows))
    if missing: sys.exit('docs: public functions and classes without a docstring of their own (the page would show an '
                         'inherited one, e.g. "Call self as a function.", or none):\n  ' + '\n  '.join(dict.fromkeys(missing)))
    if not any(Path(p).stem == 'index' for p in pages.values()): sys.exit('docs: no index notebook in nbs/')
    (proc/'pages.json').write_text(json.dumps(dict(pages=manifest, ambiguous=sorted(ambiguous)), indent=1))
    mathjax_static(proc/'_mathjax')  # conf.py serves it from _static/mathjax/
    t1 = time.time()

    out, html = cfg.doc_path, proc/'html'  # built inside _proc/: myst-nb writes its outputs beside the build folder
    from sphinx.cmd.build import build_main
    args = ['-b', 'html', '-c', str(HERE), '-d', str(proc/'_doctrees'), '-E', '-q', '--keep-going',
            '-w', str(proc/'sphinx-warnings.txt')] + (['-W'] if strict else []) + [str(src), str(html)]
    rc = build_main(args)
    warns = (proc/'sphinx-warnings.txt').read_text().strip()
    if rc or warns: sys.exit(f'docs: Sphinx failed (exit {rc}); its warnings, which count as errors:\n{warns}')
    (html/'_sources').mkdir(exist_ok=True)
    for name in order:  # the download button: the notebook itself (runnable), not the MyST copy Sphinx was given
        shutil.copy2(cfg.nbs_path/name, html/'_sources'/f'{Path(pages[name]).stem}.ipynb')
    shutil.rmtree(out, ignore_errors=True)
    shutil.move(html, out)
    print(f'docs: {len(manifest)} pages -> {out.relative_to(cfg.config_path)}/ '
          f'(nbdev {t1-t0:.1f} s, sphinx {time.time()-t1:.1f} s)')
    return out


if __name__ == '__main__': build(strict='--no-strict' not in sys.argv)
