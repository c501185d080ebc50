"""Write README.md from nbs/index.ipynb without Quarto: markdown cells as they are, code cells as Python blocks with
their text outputs. Hidden cells (`#| hide`) are left out. `--check` fails when README.md is stale."""
import sys
from pathlib import Path
from execnb.nbio import read_nb

def cell_md(cell) -> str:
    if cell.cell_type == 'markdown': return cell.source
    if cell.cell_type != 'code' or cell.source.lstrip().startswith('#| hide'): return ''
    src = '\n'.join(l for l in cell.source.splitlines() if not l.startswith('#|'))
    outs = [o.get('text') or o.get('data', {}).get('text/plain', '') for o in cell.get('outputs', [])]
    outs = ''.join(''.join(o) if isinstance(o, list) else o for o in outs).rstrip()
    return f'```python\n{src}\n```' + (f'\n\n    ' + outs.replace('\n', '\n    ') if outs else '')

def readme(root:Path) -> str:
    cells = read_nb(root/'nbs'/'index.ipynb').cells
    body = '\n\n'.join(m for m in map(cell_md, cells) if m.strip())
    return '<!-- generated from nbs/index.ipynb by .ci/readme.py: edit the notebook, not this file -->\n\n' + body + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    text, dest = readme(root), root/'README.md'
    if '--check' in sys.argv:
        if not dest.exists() or dest.read_text() != text: sys.exit('README.md is stale: run python .ci/readme.py')
    else: dest.write_text(text)
