# Sphinx configuration of the docs site (built by .ci/docs/build.py from nbdev's processed notebooks).
from configparser import ConfigParser
from pathlib import Path

_root = Path(__file__).resolve().parents[2]
_cfg = ConfigParser(delimiters=['='])
_cfg.read(_root/'settings.ini', encoding='utf-8')
_cfg = _cfg['DEFAULT']

project = _cfg['title']
author = _cfg['author']
copyright = _cfg['copyright']
release = version = _cfg['version']
html_title = _cfg['title']
html_baseurl = _cfg['doc_host'].rstrip('/') + '/' + _cfg['doc_baseurl'].strip('/') + '/'

extensions = ['myst_nb', 'sphinx.ext.githubpages']  # githubpages: .nojekyll, so _static/ is served
myst_enable_extensions = ['colon_fence', 'attrs_block', 'dollarmath']
myst_all_links_external = True  # links are plain hrefs: build.py already made this site's links relative
nb_execution_mode = 'off'  # the notebooks' stored outputs, from a real run, are the docs
nb_render_markdown_format = 'myst'  # markdown outputs may hold tables
nb_output_stderr = 'remove'  # progress bars and library chatter; errors are outputs of their own and stay
nb_merge_streams = True
exclude_patterns = ['_doctrees', 'jupyter_execute']
suppress_warnings = ['myst.header']  # show_doc's ### right under a chapter title is nbdev's usual layout, not an error

html_theme = 'sphinx_book_theme'
html_static_path = ['_static', str(_root/'_proc'/'_mathjax')]  # the second: MathJax, put there by build.py
html_css_files = ['medcot.css']
mathjax_path = 'mathjax/tex-chtml.js'  # relative: served from this site's _static/ (no CDN; the site works offline)
html_copy_source = True  # _sources/<page>.ipynb: the download button's notebook (build.py puts the nbs/ one there)
html_sourcelink_suffix = ''
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    'repository_url': _cfg['git_url'],
    'repository_branch': _cfg['branch'],
    'path_to_docs': _cfg['nbs_path'],
    'use_repository_button': True,
    'home_page_in_toc': True,
    'show_toc_level': 2,
    'navigation_with_keys': False,
}
