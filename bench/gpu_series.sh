#!/usr/bin/env bash
# On the GPU machine, in one device call: every notebook top to bottom with its `gpu` cells on, offline, against a
# local stand-in (a Llama-3.2-1B-shaped model with random weights, built from its config there), on the unsloth
# backend and on the transformers backend, each in bf16 and in fp16 (as a Kaggle T4 runs); then the benchmarks.
#   bash bench/gpu_site.sh                      # here, once: builds .gpu/site.tgz
#   device run, carry [".gpu"]:  bash bench/gpu_series.sh [notebooks|bench|all]
# The first pass (unsloth, bf16) keeps its outputs (unless NO_SAVE=1): the executed notebooks are copied to $OUT.
# RUNS="unsloth:bfloat16 transformers:float16" picks passes; SKIP_NBS=regex leaves notebooks out.
set -uo pipefail
what=${1:-all}; out=${OUT:-/tmp/out}; mkdir -p "$out"
source .gpu/use-site.sh
python3 -m pip install -q --no-deps --no-build-isolation -e . >/dev/null 2>&1 || { echo "cannot install medcot"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, transformers, trl, peft, unsloth, bitsandbytes; print('torch', torch.__version__, '| transformers', transformers.__version__, '| trl', trl.__version__, '| peft', peft.__version__, '| unsloth', unsloth.__version__, '| bnb', bitsandbytes.__version__)" 2>&1 | tail -1
python3 -c "import sys; sys.path.insert(0, 'bench'); from train_speed import build_model_dir; build_model_dir('1B', '/tmp/standin', 'cuda')" || exit 1
export MEDCOT_MODEL=/tmp/standin/llama32-1B-random MEDCOT_CACHE=/tmp/medcot-cache
fails=0
if [ "$what" != bench ]; then
  nbs=$(ls nbs/[0-9]*.ipynb | grep -v -E "${SKIP_NBS:-^$}")
  for run in ${RUNS:-unsloth:bfloat16 transformers:bfloat16 unsloth:float16 transformers:float16}; do
    backend=${run%%:*} dtype=${run#*:}; save=--no-save; [ "$run" = unsloth:bfloat16 ] && [ -z "${NO_SAVE:-}" ] && save=
    echo "=== notebooks, backend $backend, $dtype"
    for nb in $nbs; do
      t0=$SECONDS
      if MEDCOT_BACKEND=$backend MEDCOT_DTYPE=$dtype python3 .ci/execute.py $save --flags gpu "$nb" > "/tmp/$(basename $nb).$backend.$dtype.log" 2>&1
      then echo "  ok    $nb ($((SECONDS-t0)) s)"
      else echo "  FAIL  $nb ($((SECONDS-t0)) s)"; fails=$((fails+1)); grep -v '^\s*$' "/tmp/$(basename $nb).$backend.$dtype.log" | tail -25; fi
    done
  done
  tar czf "$out/notebooks.tgz" nbs/[0-9]*.ipynb
fi
if [ "$what" != notebooks ]; then
  for size in 1B 3B; do for backend in transformers unsloth; do
    python3 bench/gen_speed.py --size $size --backend $backend --questions .gpu/questions.json --work /tmp/standin --out "$out/gen_speed.jsonl" 2>&1 | grep -v -E "it/s\]|s/it\]" | tail -6
  done; done
fi
echo "notebook failures: $fails"
