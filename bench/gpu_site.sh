#!/usr/bin/env bash
# Builds .gpu/site.tgz for the GPU machine: ../shared/gpu/make-site.sh (unsloth, trl, bitsandbytes, datasets at the
# versions of .ci/constraints.txt) plus what medcot's notebooks and benchmarks need there that its image lacks
# (gguf, rouge-score and nltk for evaluation; nbdev, execnb and IPython to run the notebooks). rouge-score is an sdist:
# its wheel is built here first. Run from the checkout's root; then carry .gpu (see bench/gpu_series.sh).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
whl=$(mktemp -d); trap 'rm -rf "$whl"' EXIT
python3 -m pip wheel -q --no-deps rouge-score==0.1.2 -w "$whl"
bash ../shared/gpu/make-site.sh gguf==0.19.0 rouge_score==0.1.2 nltk==3.10.4 \
  nbdev==2.4.14 fastcore==1.14.5 execnb==0.1.18 ghapi==1.1.1 fastgit==0.1.4 astunparse==1.6.3 watchdog==7.1.0 \
  ipython==9.18.1 ipython_pygments_lexers==1.1.1 traitlets==5.16.1 jedi==0.20.1 parso==0.8.7 pexpect==4.9.0 \
  ptyprocess==0.7.0 prompt_toolkit==3.0.53 wcwidth==0.9.4 stack_data==0.6.3 executing==2.3.0 asttokens==3.0.2 \
  pure_eval==0.2.4 matplotlib_inline==0.2.2 defusedxml==0.7.1 --find-links "$whl"
