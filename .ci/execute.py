"""Run notebooks top to bottom and keep their outputs, as the docs show them.

    python .ci/execute.py nbs/01_data.ipynb [more.ipynb ...] [--flags "slow gpu"]

Cells flagged with a `tst_flags` flag (gpu, hub, slow) run only when that flag is passed; a skipped
cell keeps the outputs it already has (those of the last real run on a machine that could run it).
Stops at the first error, naming the notebook and the cell. `bench/gpu_series.sh` uses it with
`--flags gpu` on the GPU machine."""
import argparse, os, sys
from pathlib import Path
from execnb.shell import CaptureShell
from nbdev.config import get_config

def cell_flags(cell):
    "The `#| flag` directives at the top of a code cell"
    flags = set()
    for line in cell.source.splitlines():
        if not line.startswith('#|'): break
        flags |= set(line[2:].split())
    return flags

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('notebooks', nargs='+', help='notebooks to run, in order')
    p.add_argument('--flags', default='', help='space-separated test flags whose cells should run too')
    p.add_argument('--no-save', action='store_true', help='run only; do not write outputs back')
    a = p.parse_args()
    skip = set(get_config().tst_flags.split()) - set(a.flags.split())
    for nb in [Path(n).resolve() for n in a.notebooks]:  # resolved first: each run changes the working folder
        print(f'running {nb.name}', flush=True)
        os.chdir(nb.parent)
        shell = CaptureShell(nb)
        shell.execute(nb, None if a.no_save else nb, exc_stop=True,
                      preproc=lambda c: c.cell_type != 'code' or bool(skip & cell_flags(c)))
        if shell.exc: sys.exit(f'{nb.name}: {shell.exc!r}')

if __name__ == '__main__': main()
